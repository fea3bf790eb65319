// Shared set-up of the deploy tests: the fixture chart packaged and pushed to the world's
// registry by the real helm CLI, the world's busybox image pinned by digest, adapter envs that
// point at the world's helm binaries, and recording work contexts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter, type DeployableChart, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../../topologies/create.ts";
import { runOk, world, type HelmPart, type RegistryPart } from "../../world/index.ts";

export const CHART_DIR = join(import.meta.dir, "../../../fixtures/deploy/chart");
export const SLOW = 420_000;

export function recordingWork(): WorkContext & { lines: string[]; abort: () => void } {
  const reporter = recordingReporter();
  const controller = new AbortController();
  return { reporter, signal: controller.signal, lines: reporter.lines, abort: () => controller.abort() };
}

export function helmEnv(helm: HelmPart, extra: Record<string, string> = {}): AdapterEnv {
  return { projectDir: process.cwd(), env: { ...process.env, ...helm.env, HARMONY_HELM: helm.helm, ...extra } };
}

const pushed = new Map<string, Promise<DeployableChart>>();

/** The fixture chart at `version`, pushed once per registry to oci://HOST/charts/deploy-fixture. */
export function publishedChart(helm: HelmPart, registry: RegistryPart, version: string): Promise<DeployableChart> {
  const key = `${registry.host}:${version}`;
  let p = pushed.get(key);
  if (p === undefined) {
    p = (async () => {
      const dir = mkdtempSync(join(tmpdir(), "deploy-chart-"));
      await runOk([helm.helm, "package", CHART_DIR, "--version", version, "--app-version", version, "-d", dir], { env: helm.env });
      const archive = join(dir, `deploy-fixture-${version}.tgz`);
      const out = await runOk([helm.helm, "push", archive, `oci://${registry.host}/charts`, "--plain-http"], { env: helm.env });
      const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(out.stdout + out.stderr)?.[1] ?? "";
      return { name: "deploy-fixture", version, location: `oci://${registry.host}/charts/deploy-fixture`, digest, access: { plainHttp: true } };
    })();
    pushed.set(key, p);
  }
  return p;
}

/** The world's busybox image as DeployScore passes it: repository, tag and digest. */
export async function imageValues(registry: RegistryPart): Promise<{ repository: string; tag: string; digest: string }> {
  const ref = await world.baseImage(registry); // HOST/base/busybox:1
  const res = await fetch(`${registry.url}/v2/base/busybox/manifests/1`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
  });
  const digest = res.headers.get("docker-content-digest");
  if (!digest) throw new Error(`no digest for ${ref}`);
  return { repository: ref.replace(/:1$/, ""), tag: "1", digest };
}

export async function httpGet(url: string): Promise<string> {
  const res = await fetch(url);
  return (await res.text()).trim();
}
