/**
 * dist/harmony against a registry serving TLS with a certificate from a CA made for this run:
 * refused without that CA, refused with the wrong CA, released through staging with it (helm pulls
 * the chart verifying the same CA). Traffic goes through a pass-through proxy (no faults) that
 * counts plain-HTTP requests: a silent fall back to HTTP would show up there, and never does.
 *
 * helm 4 deploys here: helm 3.17's OCI resolver speaks plain HTTP to any loopback registry whatever
 * --ca-file says (containerd's MatchLocalhost), so it cannot pull from a TLS registry on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { world, type RegistryPart } from "../../world/index.ts";
import { ensureBinary } from "../../e2e/binary.ts";
import { startFaultProxy, type FaultProxy } from "../support/faults-proxy.ts";
import { robustProject, type RegistrySettings, type RobustProject } from "../support/faults-project.ts";
import { walkRegistry } from "../support/faults-registry-walk.ts";

const parts = ["docker", "registry", "kube", "helm"] as const;
const ready = parts.every((p) => world.available(p));

let robust: RobustProject;
let registry: RegistryPart;
let proxy: FaultProxy;
let scratch: string;
let otherCa: string;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  [robust, registry] = await Promise.all([robustProject({ helmMajor: 4 }), world.registry({ tls: true })]);
  proxy = await startFaultProxy(registry.host);
  scratch = mkdtempSync(join(tmpdir(), "harmony-tls-"));
  // A CA that signed nothing this registry serves: trusted by the topology, wrong for the registry.
  otherCa = join(scratch, "other-ca.crt");
  const openssl = Bun.spawn(["openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", join(scratch, "other-ca.key"), "-out", otherCa, "-subj", "/CN=not the registry's CA", "-days", "1"], { stdout: "pipe", stderr: "pipe" });
  if ((await openssl.exited) !== 0) throw new Error(`openssl: ${await new Response(openssl.stderr).text()}`);
}, 600_000);

afterAll(() => {
  proxy?.stop();
  robust?.project.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A release whose registries are the TLS registry behind the counting proxy, with `trust` added to both. */
async function releaseWith(name: string, trust: Omit<RegistrySettings, "url">, args: string[]) {
  robust.useRegistries({ url: `${proxy.host}/${name}/apps`, ...trust }, { url: `${proxy.host}/${name}/charts`, ...trust });
  proxy.scenario(() => undefined);
  const run = await robust.release(args);
  const message: string = run.json?.error?.message ?? run.stderr;
  const hint: string = run.json?.error?.hint ?? "";
  const walk = await walkRegistry(registry, `${name}/`);
  const pushed = walk.tags;
  console.log(`[tls] ${name}: exit ${run.code} in ${run.seconds.toFixed(1)}s; through the proxy: ${proxy.counters.passthrough} TLS connections, ${proxy.counters.requests} plain-HTTP requests; tags pushed: ${pushed}${run.code === 0 ? "" : `; said: ${message.split("\n").join(" ")}`}`);
  expect(walk.broken).toEqual([]);
  return { ...run, message, hint, pushed, tagged: walk.tagged };
}

describe.skipIf(!ready)("a TLS registry (run CA) through dist/harmony", () => {
  test("no CA configured: refused before any build, naming the certificate problem and caFile; no plain HTTP tried", async () => {
    const run = await releaseWith("no-ca", {}, ["--from-tag", "pipeline-app-v2.0.0", "--until", "staging"]);
    expect(run.code).toBe(2);
    expect(run.message).toContain(`registry ${proxy.host}: TLS certificate not trusted`);
    expect(run.message).toContain("set caFile to the registry's CA certificate");
    expect(proxy.counters.passthrough).toBeGreaterThan(0);
    expect(proxy.counters.requests).toBe(0);
    expect(run.pushed).toBe(0);
  }, 300_000);

  test("the wrong CA: refused, saying that CA does not sign the registry's certificate; no fall back to HTTP", async () => {
    const run = await releaseWith("wrong-ca", { caFile: otherCa }, ["--from-tag", "pipeline-app-v2.0.1", "--until", "staging"]);
    expect(run.code).toBe(2);
    expect(run.message).toContain(`registry ${proxy.host}: TLS certificate not trusted`);
    expect(run.message).toContain(`${otherCa} does not sign this registry's certificate`);
    expect(proxy.counters.passthrough).toBeGreaterThan(0);
    expect(proxy.counters.requests).toBe(0);
    expect(run.pushed).toBe(0);
  }, 300_000);

  test("caFile set: released through staging, helm verifying the same CA; every connection TLS", async () => {
    const run = await releaseWith("with-ca", { caFile: registry.caFile! }, ["--from-tag", "pipeline-app-v2.0.2", "--until", "staging"]);
    expect(run.code).toBe(0);
    expect(run.json.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(["release:succeeded", "deploy staging:succeeded", "smoke staging:succeeded"]);
    expect(run.json.chart.location).toBe(`oci://${proxy.host}/with-ca/charts/pipeline-app`);
    // The image and the chart, read back over TLS with the CA (beside the build's cache tag).
    expect(run.tagged).toEqual(expect.arrayContaining(["with-ca/apps/pipeline-app:2.0.2", "with-ca/charts/pipeline-app:2.0.2"]));
    expect(proxy.counters.requests).toBe(0);
  }, 300_000);
});
