/**
 * Preflight through dist/harmony: each problem is caught before any build starts (no "release …"
 * step line, nothing pushed), with exit 2 and a message naming it. The time each took is printed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { world, type RegistryPart } from "../world/index.ts";
import { ensureBinary, harmony, ROOT } from "./binary.ts";

const ready = ["docker", "registry", "kube", "helm"].every((p) => world.available(p as "docker"));
let dir: string;
let emptyPath: string;
let anonymous: RegistryPart;
let locked: RegistryPart;
let env: Record<string, string>;
let kubeconfig: string;
let context: string;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  const [docker, kube, helm] = await Promise.all([world.docker(), world.kube(), world.helm(3)]);
  [anonymous, locked] = await Promise.all([world.registry(), world.registry({ auth: "htpasswd" })]);
  kubeconfig = kube.kubeconfig;
  context = kube.context;
  dir = mkdtempSync(join(tmpdir(), "harmony-preflight-"));
  cpSync(join(ROOT, "fixtures/pipeline"), dir, { recursive: true });
  emptyPath = mkdtempSync(join(tmpdir(), "harmony-no-tools-"));
  env = { ...docker.env, ...helm.env, HARMONY_HELM: helm.helm, PATH: `${join(docker.bin, "..")}:${process.env.PATH}` };
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (emptyPath) rmSync(emptyPath, { recursive: true, force: true });
});

function manifest(ci: Record<string, unknown>, target: { kubeconfig: string; context?: string }): void {
  const t = (namespace: string) => ({ namespace, ...target });
  writeFileSync(
    join(dir, "harmony.yaml"),
    stringify({
      apps: [{ name: "pipeline-app", projectRoot: "app", image: { dockerfile: { buildArgs: { BASE: "unused" } } }, chart: { directory: "chart" } }],
      targets: { staging: t("preflight-staging"), production: t("preflight-production") },
      topologies: { ci },
    }),
  );
}

const complete = (registry: RegistryPart, extra: Record<string, unknown> = {}) => ({
  containerBuilder: { adapter: "docker" },
  ociRegistry: { adapter: "registry", url: `${registry.host}/apps`, ...extra },
  helmRegistry: { adapter: "registry", url: `${registry.host}/charts`, ...extra },
  continuousDelivery: { adapter: "helm" },
});

async function release(extraEnv: Record<string, string> = {}) {
  const started = performance.now();
  const run = await harmony(["release", "--from-tag", "pipeline-app-v9.9.9", "--topology", "ci"], { cwd: dir, env: { ...env, ...extraEnv } });
  return { ...run, ms: Math.round(performance.now() - started) };
}

function expectCaughtBeforeBuild(run: { code: number; stderr: string; ms: number }, label: string, fragment: string | RegExp): void {
  console.log(`preflight: ${label} caught in ${run.ms} ms (exit ${run.code})`);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(fragment);
  expect(run.stderr).not.toContain("release …");
}

describe.skipIf(!ready)("preflight, before any build", () => {
  test("a missing tool (docker not on PATH)", async () => {
    manifest(complete(anonymous), { kubeconfig, context });
    const run = await release({ PATH: emptyPath, DOCKER_HOST: "" });
    expectCaughtBeforeBuild(run, "missing tool", /containerBuilder \(docker\): .*docker/);
  }, 60_000);

  test("a wrong registry password", async () => {
    manifest(complete(locked, { username: locked.username, passwordEnv: "PREFLIGHT_REGISTRY_PASSWORD" }), { kubeconfig, context });
    const run = await release({ PREFLIGHT_REGISTRY_PASSWORD: "not-the-password" });
    expectCaughtBeforeBuild(run, "wrong registry password", /ociRegistry \(registry\): registry [0-9.:]+ refused the credentials from settings/);
    expect(run.stderr).not.toContain("not-the-password");
  }, 60_000);

  test("an unreachable kube context", async () => {
    const dead = join(dir, "dead.kubeconfig");
    writeFileSync(dead, stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "dead", cluster: { server: "https://127.0.0.1:1" } }],
      users: [{ name: "u", user: { token: "x" } }],
      contexts: [{ name: "dead", context: { cluster: "dead", user: "u" } }],
      "current-context": "dead",
    }));
    manifest(complete(anonymous), { kubeconfig: dead, context: "dead" });
    const run = await release();
    expectCaughtBeforeBuild(run, "unreachable kube context", /target staging: the cluster \(context dead at https:\/\/127\.0\.0\.1:1\) does not answer/);
  }, 60_000);

  test("a topology lacking a capability", async () => {
    const { ociRegistry: _dropped, ...partial } = complete(anonymous);
    manifest(partial, { kubeconfig, context });
    const run = await release();
    expectCaughtBeforeBuild(run, "topology lacking a capability", /ociRegistry: no adapter declared \(topologies\.ci\.ociRegistry\)/);
  }, 60_000);

  test("doctor reports a ready topology", async () => {
    manifest(complete(anonymous), { kubeconfig, context });
    const run = await harmony(["doctor", "--topology", "ci"], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok\s+containerBuilder\s+docker/);
    expect(run.stdout).toMatch(/ok\s+continuousDelivery\s+helm/);
  }, 60_000);
});
