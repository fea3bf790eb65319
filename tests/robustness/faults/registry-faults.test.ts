/**
 * Registry faults between dist/harmony and the real registry: a proxy (tests/robustness/support/
 * faults-proxy.ts) resets connections mid-blob, answers 500/503, 429 with Retry-After, or never
 * answers. Where the fault is transient the release completes (through staging, with helm pulling
 * the chart and the kubelet the image through the same proxy, untouched); where it is permanent it
 * fails with exit 1 and a message naming the registry's answer. Whatever happened, the registry,
 * read directly, has no tag pointing at a manifest with a missing blob.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { world } from "../../world/index.ts";
import { ensureBinary } from "../../e2e/binary.ts";
import { faultPlan, requests } from "../support/faults-plan.ts";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../support/faults-proxy.ts";
import { robustProject, type RobustProject } from "../support/faults-project.ts";
import { walkRegistry } from "../support/faults-registry-walk.ts";

const parts = ["docker", "registry", "kube", "helm"] as const;
const ready = parts.every((p) => world.available(p));
/** A stalled request is given up after this long (HARMONY_REGISTRY_TIMEOUT_SECONDS), then retried. */
const TIMEOUT_SECONDS = "2";

let proxy: FaultProxy;
let robust: RobustProject;
let version = 0;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  robust = await robustProject();
  proxy = await startFaultProxy(robust.project.registry.host);
}, 600_000);

afterAll(() => {
  proxy?.stop();
  robust?.project.cleanup();
});

interface Outcome {
  readonly code: number;
  readonly stderr: string;
  readonly json: any;
  readonly repository: string;
  readonly tag: string;
}

/** One release of a fresh version into its own repositories through the proxy, then the registry walk. */
async function releaseThrough(name: string, rule: FaultRule, env: Record<string, string> = {}): Promise<Outcome> {
  const tag = `1.0.${++version}`;
  const prefix = `faults-${name}`;
  robust.useRegistries({ url: `${proxy.host}/${prefix}/apps` }, { url: `${proxy.host}/${prefix}/charts` });
  proxy.scenario(rule);
  const run = await robust.release(["--from-tag", `pipeline-app-v${tag}`, "--until", "staging"], env);
  const c = proxy.counters;
  const kinds = Object.entries(c.byKind).map(([k, n]) => `${n}×${k}`).join(", ");
  const outcome = run.code === 0 ? "succeeded" : `failed (exit ${run.code})`;
  const steps = (run.json?.steps ?? []).map((s: { name: string; durationMs: number }) => `${s.name} ${(s.durationMs / 1000).toFixed(1)}s`).join(", ");
  console.log(`[faults] ${name}: faults: ${c.injected} injected (${kinds || "none"}), ${c.retried} retried, ${c.requests} requests; outcome: ${outcome} in ${run.seconds.toFixed(1)}s${steps ? ` (${steps})` : ""}`);
  const walk = await walkRegistry(robust.project.registry);
  console.log(`[faults] ${name}: registry read directly: ${walk.repositories} repositories, ${walk.tags} tags, ${walk.manifests} manifests, ${walk.blobs} blobs HEADed, ${walk.broken.length} broken`);
  const said = run.json?.error?.message ?? run.stderr.split("\n").find((l) => l.startsWith("error:"));
  if (run.code !== 0) console.log(`[faults] ${name}: harmony said: ${said}`);
  if (walk.broken.length > 0) console.log(`[faults] ${name}: ${c.log.join("; ")}\n${run.stderr.slice(-1500)}`);
  expect(walk.broken).toEqual([]);
  return { code: run.code, stderr: run.stderr, json: run.json, repository: `${prefix}/apps/pipeline-app`, tag };
}

function expectReleased(o: Outcome): void {
  expect(o.code).toBe(0);
  expect(o.json.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(["release:succeeded", "deploy staging:succeeded", "smoke staging:succeeded"]);
  expect(o.json.image.ref).toStartWith(`${proxy.host}/${o.repository}:${o.tag}@sha256:`);
}

describe.skipIf(!ready)("registry faults between harmony and the registry (real registry behind a fault proxy)", () => {
  test("connections reset mid-blob: the upload restarts and the release completes", async () => {
    const o = await releaseThrough("reset", faultPlan([{ match: requests.blobUploadOver(1024), fault: { kind: "reset", afterBodyBytes: 1024 }, times: 3 }]));
    expectReleased(o);
    expect(proxy.counters.byKind.reset).toBe(3);
    expect(proxy.counters.retried).toBe(proxy.counters.injected);
  }, 300_000);

  test("500 and 503 answers on blob checks, upload starts, uploads and the manifest: retried, the release completes", async () => {
    const o = await releaseThrough(
      "5xx",
      faultPlan([
        { match: requests.blobHead, fault: { kind: "status", status: 500 }, times: 2 },
        { match: requests.uploadStart, fault: { kind: "status", status: 503 }, times: 2 },
        { match: requests.blobUpload, fault: { kind: "status", status: 503 }, times: 1 },
        { match: requests.manifestPut, fault: { kind: "status", status: 503 }, times: 2 },
      ]),
    );
    expectReleased(o);
    expect(proxy.counters.injected).toBe(7);
    expect(proxy.counters.retried).toBe(proxy.counters.injected);
  }, 300_000);

  test("429 with Retry-After: waited for and retried, the release completes", async () => {
    const o = await releaseThrough("429", faultPlan([{ match: requests.notProbe, fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, times: 4 }]));
    expectReleased(o);
    expect(proxy.counters.byKind["429"]).toBe(4);
    expect(proxy.counters.retried).toBe(proxy.counters.injected);
  }, 300_000);

  test("a response that never comes: the request times out and is retried, the release completes", async () => {
    const o = await releaseThrough(
      "stall",
      faultPlan([
        { match: requests.blobHead, fault: { kind: "stall" }, times: 1 },
        { match: requests.blobUpload, fault: { kind: "stall" }, times: 1 },
        { match: requests.manifestPut, fault: { kind: "stall" }, times: 1 },
      ]),
      { HARMONY_REGISTRY_TIMEOUT_SECONDS: TIMEOUT_SECONDS },
    );
    expectReleased(o);
    expect(proxy.counters.byKind.stall).toBe(3);
    expect(proxy.counters.retried).toBe(proxy.counters.injected);
  }, 300_000);

  test("every request 503 once pushing starts: exit 1 naming the registry's answer, nothing tagged", async () => {
    const o = await releaseThrough("down", faultPlan([{ match: requests.notProbe, fault: { kind: "status", status: 503 }, times: Infinity }]));
    expect(o.code).toBe(1);
    expect(o.stderr).toContain(`registry ${proxy.host}`);
    expect(o.stderr).toContain("503");
    expect((await walkRegistry(robust.project.registry, "faults-down/")).tags).toBe(0);
  }, 300_000);

  test("every request 503 from the first probe on: refused by preflight (exit 2, nothing changed), naming the registry's answer", async () => {
    const o = await releaseThrough("down-from-start", faultPlan([{ match: requests.any, fault: { kind: "status", status: 503 }, times: Infinity }]));
    expect(o.code).toBe(2);
    expect(o.json.error.message).toStartWith("preflight found 2 problems before any build");
    for (const capability of ["ociRegistry", "helmRegistry"]) {
      expect(o.json.error.message).toContain(`${capability} (registry): registry ${proxy.host}: signing in failed: 503`);
    }
  }, 300_000);

  test("every blob upload reset mid-way: exit 1 after bounded restarts, no tag on a half-pushed image", async () => {
    const o = await releaseThrough("reset-always", faultPlan([{ match: requests.blobUploadOver(1024), fault: { kind: "reset", afterBodyBytes: 1024 }, times: Infinity }]));
    expect(o.code).toBe(1);
    expect(o.stderr).toContain(`registry ${proxy.host}`);
    expect((await walkRegistry(robust.project.registry, "faults-reset-always/")).tags).toBe(0);
  }, 300_000);

  test("every manifest put refused after the blobs went in: exit 1, the tag never appears", async () => {
    const o = await releaseThrough("no-manifest", faultPlan([{ match: requests.manifestPut, fault: { kind: "status", status: 503 }, times: Infinity }]));
    expect(o.code).toBe(1);
    expect(o.stderr).toContain("putting manifest");
    expect(o.stderr).toContain("503");
    expect((await walkRegistry(robust.project.registry, "faults-no-manifest/")).tags).toBe(0);
  }, 300_000);
});
