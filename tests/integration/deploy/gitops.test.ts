// The gitops adapter with the real helm CLI rendering the fixture chart (from the world's OCI
// registry, and from an archive on disk) into a real git repository. No cluster is involved.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { HarmonyError, type ClusterTarget } from "../../../capabilities/index.ts";
import { createGitOpsDelivery } from "../../../topologies/adapters/continuous-delivery/gitops.ts";
import { runOk, world } from "../../world/index.ts";
import { CHART_DIR, helmEnv, imageValues, publishedChart, recordingWork, SLOW } from "./setup.ts";

const target: ClusterTarget = { kind: "cluster", name: "staging", namespace: "apps", releaseName: "web" };
const git = async (repo: string, ...args: string[]) => (await runOk(["git", "-C", repo, ...args])).stdout.trim();

/** The image a rendered file's Deployment runs. */
function renderedImage(file: string): string {
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: { image: string }[] } } } });
  return docs.find((d) => d?.kind === "Deployment")!.spec!.template.spec.containers[0]!.image;
}

describe("gitops", () => {
  test.skipIf(!world.available("helm") || !world.available("registry") || !world.available("docker"))(
    "one commit per deploy with the rendered manifests, naming app, version and target; rollback restores the earlier render",
    async () => {
      const helm = await world.helm(4);
      const registry = await world.registry();
      const image = await imageValues(registry);
      const repo = mkdtempSync(join(tmpdir(), "gitops-repo-"));
      await runOk(["git", "init", "-q", "-b", "main", repo]);
      // GIT_CONFIG_GLOBAL=/dev/null: no user identity, as on a fresh CI runner
      const cd = createGitOpsDelivery({ adapter: "gitops", path: "deploy", commit: true }, { projectDir: repo, env: { ...helmEnv(helm).env, GIT_CONFIG_GLOBAL: "/dev/null" } });
      const work = recordingWork();
      const deploy = async (version: string) =>
        cd.deploy({ app: "web", version, target, chart: await publishedChart(helm, registry, version), values: { image, port: 9000, message: `web ${version}` } }, work);
      const file = join(repo, "deploy/staging/web.yaml");

      expect(await cd.current(target, work)).toBeUndefined();
      expect(await deploy("1.0.0")).toEqual({ revision: 1, chartVersion: "1.0.0", status: "deployed" });
      const firstRender = readFileSync(file, "utf8");
      expect(renderedImage(file)).toBe(`${image.repository}@${image.digest}`); // pinned by digest
      expect(firstRender).toContain("# harmony.version: 1.0.0");

      expect(await deploy("1.1.0")).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });
      expect(await deploy("1.1.0")).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" }); // unchanged: no commit
      expect(await git(repo, "log", "--format=%s")).toBe("deploy web 1.1.0 to staging\ndeploy web 1.0.0 to staging");
      expect(await git(repo, "show", "--name-only", "--format=", "HEAD")).toBe("deploy/staging/web.yaml");
      expect(await git(repo, "log", "-1", "--format=%b")).toBe(`chart oci://${registry.host}/charts/deploy-fixture@${(await publishedChart(helm, registry, "1.1.0")).digest}`);
      expect(await cd.current(target, work)).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });

      expect(await cd.rollback(target, work)).toEqual({ revision: 3, chartVersion: "1.0.0", status: "deployed" });
      expect(await git(repo, "log", "-1", "--format=%s")).toBe("rollback web on staging to 1.0.0 (from 1.1.0)");
      expect(readFileSync(file, "utf8")).toBe(firstRender.replace("# harmony.revision: 1", "# harmony.revision: 3"));
      expect(await git(repo, "status", "--porcelain")).toBe(""); // everything it wrote is committed
    },
    SLOW,
  );

  test.skipIf(!world.available("helm"))(
    "a plain directory (commit: false) renders from a chart archive and rolls back from the kept previous render",
    async () => {
      const helm = await world.helm(3);
      const dir = mkdtempSync(join(tmpdir(), "gitops-dir-"));
      for (const v of ["2.0.0", "2.1.0"]) await runOk([helm.helm, "package", CHART_DIR, "--version", v, "--app-version", v, "-d", dir], { env: helm.env });
      const cd = createGitOpsDelivery({ adapter: "gitops", path: "out", commit: false }, { projectDir: dir, env: helmEnv(helm).env });
      const work = recordingWork();
      const image = { repository: "127.0.0.1:5000/web", tag: "2", digest: `sha256:${"3".repeat(64)}` };
      const deploy = (v: string) => cd.deploy({ app: "web", version: v, target, chart: { name: "deploy-fixture", version: v, location: join(dir, `deploy-fixture-${v}.tgz`), digest: "" }, values: { image } }, work);
      await deploy("2.0.0");
      await deploy("2.1.0");
      const file = join(dir, "out/staging/web.yaml");
      expect(readFileSync(file, "utf8")).toContain('app.kubernetes.io/version: "2.1.0"');
      expect(await cd.rollback(target, work)).toEqual({ revision: 3, chartVersion: "2.0.0", status: "deployed" });
      expect(readFileSync(file, "utf8")).toContain('app.kubernetes.io/version: "2.0.0"');
      expect(existsSync(join(dir, "out/staging/.web.yaml.previous"))).toBe(true);

      // A chart that cannot be rendered changes nothing, so the rollback after it changes nothing.
      const error = await deploy("9.9.9").then(() => undefined, (e: unknown) => e);
      expect((error as HarmonyError).message).toMatch(/^helm template of deploy-fixture 9\.9\.9 failed: /);
      expect(await cd.rollback(target, work)).toEqual({ revision: 3, chartVersion: "2.0.0", status: "deployed" });
      expect(work.lines.at(-1)).toBe("info: staging/web.yaml still holds web 2.0.0: the failed deploy did not change it");
    },
    SLOW,
  );

  test("committing outside a git working copy is a configuration error, before anything is rendered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gitops-nogit-"));
    const cd = createGitOpsDelivery({ adapter: "gitops", path: "out", commit: true }, { projectDir: dir, env: { PATH: process.env.PATH, GIT_CEILING_DIRECTORIES: dir } });
    const error = await cd
      .deploy({ app: "web", version: "1.0.0", target, chart: { name: "c", version: "1.0.0", location: "/nonexistent.tgz", digest: "" }, values: {} }, recordingWork())
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).kind).toBe("config");
    expect((error as HarmonyError).message).toBe(`${join(dir, "out")} is not inside a git working copy, and the gitops adapter commits (commit: true)`);
  });
});
