/**
 * The README's first command on a machine with no docker, registry or cluster: dist/harmony
 * releases the demo worker with the `local` topology — daemonless build into an OCI layout, the
 * chart archive in a folder, manifests rendered per target — with an empty PATH and DOCKER_HOST
 * pointing nowhere, so any attempt to use docker, a registry or a cluster would fail the run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOk, world } from "../world/index.ts";
import { ensureBinary, harmony, ROOT } from "./binary.ts";

const ready = world.available("helm") && world.available("skopeo");
let project: string;
let emptyPath: string;

beforeAll(async () => {
  await ensureBinary();
  project = mkdtempSync(join(tmpdir(), "harmony-zero-"));
  cpSync(join(ROOT, "fixtures/demo"), project, { recursive: true });
  rmSync(join(project, ".harmony"), { recursive: true, force: true });
  emptyPath = mkdtempSync(join(tmpdir(), "harmony-empty-path-"));
}, 120_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(emptyPath, { recursive: true, force: true });
});

describe.skipIf(!ready)("zero-infrastructure default", () => {
  test("release writes the OCI layout, the chart archive and the rendered manifests; cluster checks are skipped", async () => {
    const helm = await world.helm(3);
    const env = { ...helm.env, PATH: emptyPath, HARMONY_HELM: helm.helm, DOCKER_HOST: "unix:///nonexistent/docker.sock", KUBECONFIG: "/nonexistent" };
    const run = await harmony(["release", "--from-tag", "demo-worker-v0.1.0", "--topology", "local", "--json"], { cwd: project, env });
    if (run.code !== 0) console.error(run.stderr);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "release:succeeded",
      "deploy staging:succeeded",
      "smoke staging:skipped",
      "deploy production:succeeded",
      "smoke production:skipped",
    ]);
    expect(doc.steps[2].summary).toContain("nothing runs until it is applied");

    const layout = join(project, ".harmony/images/demo-worker");
    const inspect = await runOk([world.tool("skopeo"), "inspect", `oci:${layout}:0.1.0`]);
    expect(JSON.parse(inspect.stdout).Digest).toBe(doc.image.digest);

    expect(existsSync(join(project, ".harmony/charts/demo-worker-0.1.0.tgz"))).toBe(true);
    const rendered = readdirSync(join(project, ".harmony/deploy"), { recursive: true }).map(String).filter((f) => f.endsWith(".yaml"));
    expect(rendered.length).toBeGreaterThanOrEqual(2);
    const text = rendered.map((f) => readFileSync(join(project, ".harmony/deploy", f), "utf8")).join("\n");
    expect(text).toContain(doc.image.digest);
  }, 180_000);
});
