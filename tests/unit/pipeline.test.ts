/** The pipeline's order, blocking, rollback and resume, with in-memory capabilities passed in as values. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter, type ContinuousDelivery, type DeployRequest, type ImageRef, type ReleaseState } from "../../capabilities/index.ts";
import type { AppSpec } from "../../scores/app-spec.ts";
import { buildPipeline, type PipelineOptions } from "../../scores/pipeline.ts";
import { runScores } from "../../scores/runner.ts";
import type { CheckResult, SmokeRunner } from "../../scores/smoke.ts";
import type { TargetSpec } from "../../scores/targets.ts";

const DIGEST = `sha256:${"c".repeat(64)}`;
const app: AppSpec = {
  name: "web",
  projectRoot: "/src",
  image: { kind: "dockerfile", dockerfile: "/src/Dockerfile", context: "/src", buildArgs: {}, platforms: [] },
  chart: { kind: "directory", path: "/src/chart" },
  smoke: [{ type: "http", url: "{{baseUrl}}/", status: 200, timeoutSeconds: 1, targets: [] }],
  values: { staging: { replicas: 1 } },
};
const targets: Record<string, TargetSpec> = {
  staging: { kind: "cluster", name: "staging", namespace: "stg", releaseName: "{app}" },
  production: { kind: "cluster", name: "production", namespace: "prd", releaseName: "{app}-prod" },
};

function world() {
  const log: string[] = [];
  const images = new Map<string, string>();
  const charts = new Map<string, string>();
  const releases = new Map<string, ReleaseState[]>();
  const deploys: DeployRequest[] = [];
  const cd: ContinuousDelivery = {
    adapter: "fake-cd",
    deploy: async (req) => {
      deploys.push(req);
      log.push(`deploy ${req.target.name}`);
      const history = releases.get(req.target.name) ?? [];
      const state: ReleaseState = { revision: history.length + 1, chartVersion: req.chart.version, status: "deployed" };
      releases.set(req.target.name, [...history, state]);
      return state;
    },
    current: async (target) => releases.get(target.name)?.at(-1),
    rollback: async (target) => {
      log.push(`rollback ${target.name}`);
      const history = releases.get(target.name) ?? [];
      const previous = history.at(-2);
      if (previous) releases.set(target.name, [...history, { ...previous, revision: history.length + 1 }]);
      return previous && { ...previous, revision: history.length + 1 };
    },
  };
  const caps = {
    containerBuilder: { adapter: "fake-builder", build: async () => (log.push("build"), { kind: "daemon" as const, imageId: "id" }) },
    ociRegistry: {
      adapter: "fake-oci",
      repositoryFor: (name: string): ImageRef => ({ registry: "127.0.0.1:5000", repository: name }),
      push: async (_: unknown, to: ImageRef) => (log.push(to.tag!.startsWith("cache-") ? "tag cache" : "push image"), images.set(to.tag!, DIGEST), { ref: { ...to, digest: DIGEST } }),
      resolve: async (ref: ImageRef) => images.get(ref.tag!),
    },
    helmRegistry: {
      adapter: "fake-helm",
      push: async (p: { name: string; version: string }) => {
        log.push("push chart");
        charts.set(p.version, DIGEST);
        return { name: p.name, version: p.version, location: `oci://127.0.0.1:5000/charts/${p.name}`, digest: DIGEST };
      },
      resolve: async (name: string, version: string) => (charts.has(version) ? { name, version, location: `oci://127.0.0.1:5000/charts/${name}`, digest: DIGEST } : undefined),
    },
    continuousDelivery: cd,
  };
  return { log, caps, deploys, releases };
}

function smoke(failOn?: string): SmokeRunner & { runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    run: async (_check, context): Promise<CheckResult> => {
      runs.push(context.target.name);
      return context.target.name === failOn ? { check: "http", status: "failed", evidence: "status 503, expected 200" } : { check: "http", status: "passed", evidence: "200" };
    },
  };
}

// A real (tiny) build context: the release computes a content key over its files.
const context = mkdtempSync(join(tmpdir(), "harmony-pipeline-unit-"));
writeFileSync(join(context, "Dockerfile"), "FROM scratch\n");
afterAll(() => rmSync(context, { recursive: true, force: true }));

const prep = {
  buildContext: async () => ({ kind: "dockerfile" as const, app: "web", contextDir: context, dockerfile: join(context, "Dockerfile"), buildArgs: {}, platforms: [], labels: {} }),
  packageChart: async (_a: AppSpec, version: string) => ({ name: "web", version, archivePath: "/tmp/web.tgz" }),
};

async function run(w: ReturnType<typeof world>, version: string, options: PipelineOptions, runner = smoke()) {
  const scores = buildPipeline({ app, version, chartName: "web", targets, prep, smoke: runner }, options);
  return runScores({ name: "fake", capabilities: w.caps }, scores, { reporter: recordingReporter(), signal: new AbortController().signal });
}

describe("pipeline", () => {
  test("release → deploy staging → smoke → deploy production → smoke, image pinned by digest", async () => {
    const w = world();
    const result = await run(w, "1.0.0", {});
    expect(result.status).toBe("succeeded");
    expect(result.steps.map((s) => s.name)).toEqual(["release", "deploy staging", "smoke staging", "deploy production", "smoke production"]);
    expect(w.log).toEqual(["build", "push image", "tag cache", "push chart", "deploy staging", "deploy production"]);
    expect(w.deploys[0]!.values).toEqual({ replicas: 1 });
    expect(w.deploys[0]!.chart.digest).toBe(DIGEST);
    expect(w.deploys[1]!.target.releaseName).toBe("web-prod");
  });

  test("a failed staging smoke check rolls staging back, leaves production untouched, fails", async () => {
    const w = world();
    await run(w, "1.0.0", {});
    const result = await run(w, "1.1.0", {}, smoke("staging"));
    expect(result.status).toBe("failed");
    expect(result.notRun).toEqual(["deploy production", "smoke production"]);
    expect(result.steps.at(-1)!.outcome.summary).toContain("rolled back to revision 3");
    expect(w.releases.get("staging")!.at(-1)!.chartVersion).toBe("1.0.0");
    expect(w.releases.get("production")!.map((r) => r.chartVersion)).toEqual(["1.0.0"]);
  });

  test("--until staging then --promote: no second build or push", async () => {
    const w = world();
    expect((await run(w, "2.0.0", { until: "staging" })).steps.map((s) => s.name)).toEqual(["release", "deploy staging", "smoke staging"]);
    const promoted = await run(w, "2.0.0", { promote: true });
    expect(promoted.status).toBe("succeeded");
    expect(w.log.filter((l) => l === "build" || l.startsWith("push"))).toEqual(["build", "push image", "push chart"]);
    expect(w.releases.get("production")!.at(-1)!.chartVersion).toBe("2.0.0");
  });

  test("--promote of a version never published fails before deploying", async () => {
    const w = world();
    const result = await run(w, "3.0.0", { promote: true });
    expect(result.status).toBe("failed");
    expect(result.steps[0]!.outcome.summary).toContain("not fully published");
    expect(w.deploys).toEqual([]);
  });

  test("re-running a tag skips what is verifiably in place", async () => {
    const w = world();
    await run(w, "1.0.0", {});
    const again = await run(w, "1.0.0", {});
    expect(again.status).toBe("succeeded");
    expect(again.steps.map((s) => s.outcome.summary.split(":")[0])).toEqual(["already published", "already deployed", "1 passed, 0 failed, 0 skipped", "already deployed", "1 passed, 0 failed, 0 skipped"]);
    expect(w.log).toEqual(["build", "push image", "tag cache", "push chart", "deploy staging", "deploy production"]);
  });

  test("a new version of unchanged content re-tags the cached image instead of building", async () => {
    const w = world();
    await run(w, "1.0.0", { until: "staging" });
    const next = await run(w, "1.0.1", { until: "staging" });
    expect(next.status).toBe("succeeded");
    expect(w.log.filter((l) => l === "build")).toEqual(["build"]);
    expect(w.log).toContain("push image");
  });
});
