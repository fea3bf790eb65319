/**
 * The product end to end: dist/harmony against the real Docker engine, registry, kube-apiserver
 * (with a kubelet running the pods) and helm. The smoke checks hit the real app on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { world } from "../world/index.ts";
import { ensureBinary } from "./binary.ts";
import { helmHistory, helmReleases, pipelineProject, type PipelineProject } from "./pipeline-project.ts";

const parts = ["docker", "registry", "kube", "helm"] as const;
const ready = parts.every((p) => world.available(p));
let project: PipelineProject;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  project = await pipelineProject(3);
}, 600_000);

afterAll(() => project?.cleanup());

describe.skipIf(!ready)("harmony --release from a tag to production (real parts)", () => {
  test("every step green; chart pinned to the image digest; both namespaces at the version", async () => {
    const run = await project.release(["--from-tag", "pipeline-app-v0.1.0"]);
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    const doc = run.json;
    expect(doc.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "release:succeeded",
      "deploy staging:succeeded",
      "smoke staging:succeeded",
      "deploy production:succeeded",
      "smoke production:succeeded",
    ]);
    expect(doc.image.ref).toStartWith(`${project.registry.host}/apps/pipeline-app:0.1.0@sha256:`);
    // The chart in the registry renders the image by that digest (helm pulls it, not us).
    const show = Bun.spawnSync([project.helm.helm, "template", "x", `oci://${project.registry.host}/charts/pipeline-app`, "--version", "0.1.0", "--plain-http"], { env: project.env });
    expect(show.stdout.toString()).toContain(`@${doc.image.digest}`);
    for (const namespace of Object.values(project.namespaces)) {
      const [release] = await helmReleases(project, namespace);
      expect(release).toMatchObject({ name: "pipeline-app", chart: "pipeline-app-0.1.0", status: "deployed" });
    }
    // The real app answers on each target's port.
    expect(await (await fetch(`http://127.0.0.1:${project.ports.production}/`)).text()).toContain("pipeline-app");
  }, 600_000);

  test("a failing staging smoke check rolls staging back, leaves production untouched, exits 1", async () => {
    project.writeManifest({ stagingBody: "this-text-is-never-served" });
    const run = await project.release(["--from-tag", "pipeline-app-v0.2.0"]);
    project.writeManifest();
    expect(run.code).toBe(1);
    expect(run.json.outcome).toBe("failed");
    expect(run.json.notRun).toEqual(["deploy production", "smoke production"]);
    const smoke = run.json.steps.find((s: { name: string }) => s.name === "smoke staging");
    expect(smoke.summary).toContain("rolled back to revision");
    const staging = await helmHistory(project, project.namespaces.staging, "pipeline-app");
    expect(staging.at(-1)).toMatchObject({ chart: "pipeline-app-0.1.0", status: "deployed" });
    expect(staging.map((h) => h.chart)).toContain("pipeline-app-0.2.0");
    const production = await helmHistory(project, project.namespaces.production, "pipeline-app");
    expect(production.map((h) => [h.revision, h.chart])).toEqual([[1, "pipeline-app-0.1.0"]]);
  }, 600_000);

  test("a production value its cluster would refuse fails before staging changes: exit 1, both releases as they were", async () => {
    // helm upgrade would refuse the field on this cluster (no server-side field validation before
    // Kubernetes 1.27) — but only when production's turn came, after staging was already deployed.
    project.writeManifest({ productionContainer: { imagePullPolicyy: "Always" } });
    const run = await project.release(["--from-tag", "pipeline-app-v0.2.1"]);
    project.writeManifest();
    expect(run.code).toBe(1);
    expect(run.json.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(["release:succeeded", "deploy staging:failed"]);
    const summary: string = run.json.steps[1].summary;
    expect(summary).toContain("nothing was changed");
    expect(summary).toMatch(/production: pipeline-app\/templates\/deployment\.yaml: Deployment pipeline-app: spec\.template\.spec\.containers\[0\]\.imagePullPolicyy: unknown field/);
    expect(summary).not.toContain("staging:");
    for (const namespace of Object.values(project.namespaces)) {
      const history = await helmHistory(project, namespace, "pipeline-app");
      expect(history.at(-1)).toMatchObject({ chart: "pipeline-app-0.1.0", status: "deployed" });
      expect(history.map((h) => h.chart)).not.toContain("pipeline-app-0.2.1");
    }
  }, 600_000);

  test("--until staging then --promote: production gets the same digest, nothing rebuilt or pushed", async () => {
    const staged = await project.release(["--from-tag", "pipeline-app-v0.3.0", "--until", "staging"]);
    expect(staged.code).toBe(0);
    expect(staged.json.steps.map((s: { name: string }) => s.name)).toEqual(["release", "deploy staging", "smoke staging"]);
    const promoted = await project.release(["--from-tag", "pipeline-app-v0.3.0", "--promote"]);
    expect(promoted.code).toBe(0);
    expect(promoted.json.steps.map((s: { name: string }) => s.name)).toEqual(["verify-published", "deploy production", "smoke production"]);
    expect(promoted.json.image.digest).toBe(staged.json.image.digest);
    const [production] = await helmReleases(project, project.namespaces.production);
    expect(production).toMatchObject({ chart: "pipeline-app-0.3.0", status: "deployed" });
  }, 600_000);

  test("re-running a released tag skips what is in place and says so", async () => {
    const again = await project.release(["--from-tag", "pipeline-app-v0.3.0"]);
    expect(again.code).toBe(0);
    const summaries = again.json.steps.map((s: { name: string; summary: string }) => `${s.name}: ${s.summary.split(":")[0]}`);
    expect(summaries).toEqual([
      "release: already published",
      "deploy staging: already deployed",
      expect.stringMatching(/^smoke staging: 1 passed/),
      "deploy production: already deployed",
      expect.stringMatching(/^smoke production: 1 passed/),
    ]);
  }, 600_000);
});
