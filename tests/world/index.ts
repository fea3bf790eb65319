// The test world: real parts on this machine, loopback only, each started lazily once
// per `bun test` run and torn down by the afterAll in tests/world/preload.ts.
//
//   import { world } from "../world";
//   test.skipIf(!world.available("docker"))("builds", async () => {
//     const docker = await world.docker(); // throws with the dockerd log if it cannot start
//   });
//
// With CI=true, available() is always true, so a missing part fails its tests.
import { buildah, containersEnv, tool } from "./containers.ts";
import { type DockerPart, startDocker } from "./docker.ts";
import { type HelmPart, startHelm } from "./helm.ts";
import { pushBaseImage } from "./image.ts";
import { type KubePart, startKube } from "./kube.ts";
import { available, close, inCI, missing, once, type Part } from "./parts.ts";
import { freePort } from "./proc.ts";
import { type RegistryOptions, type RegistryPart, startRegistry } from "./registry.ts";
import { teardown } from "./state.ts";

export type { BuildahPart, ContainersEnv } from "./containers.ts";
export type { DockerPart, HelmPart, KubePart, Part, RegistryOptions, RegistryPart };
export { WorldError } from "./parts.ts";
export { run, runOk, type RunResult } from "./proc.ts";
export { FIXTURES } from "./paths.ts";

export const world = {
  /** True when CI=true: missing parts fail instead of skipping. */
  inCI,

  /** For test.skipIf(!world.available(part)); always true in CI. */
  available,

  /** Reasons `part` cannot run here (empty when it can). */
  missing,

  /** A private dockerd (own socket, exec-root, data root; no bridge/iptables). */
  docker(): Promise<DockerPart> {
    return once("docker", startDocker);
  },

  /** A distribution registry on 127.0.0.1; each flavour is started once and shared. */
  registry(opts: RegistryOptions = {}): Promise<RegistryPart> {
    const o = { auth: opts.auth ?? "none", tls: opts.tls ?? false } as const;
    return once(`registry:${o.auth}:${o.tls}`, () => startRegistry(o));
  },

  /** The Kubernetes 1.20 cluster, its kubelet running pods through world.docker(). */
  kube(): Promise<KubePart> {
    return once("kube", async () => startKube(await world.docker()));
  },

  /** helm 3.17 + kubectl 1.31, or helm 4.1 + kubectl 1.35. */
  helm(major: 3 | 4): Promise<HelmPart> {
    return once(`helm:${major}`, () => startHelm(major));
  },

  /** Path of buildah or skopeo (Debian packages). */
  tool,

  /** buildah path + env/args for rootful, daemonless use (vfs storage in the run dir, chroot). */
  buildah,

  /** Env for skopeo/buildah: per-run storage.conf and registries.conf (no docker.io). */
  containersEnv,

  /** `${registry.host}/base/busybox:1`: a busybox image pushed to `registry` (build arg BASE). */
  async baseImage(registry: RegistryPart): Promise<string> {
    const docker = await world.docker();
    return once(`base:${registry.host}`, () => pushBaseImage(docker, registry));
  },

  /** A free TCP port on 127.0.0.1 (e.g. for a hostNetwork pod). */
  freePort,

  /** Stops everything this run started and removes its temp dirs (preload's afterAll). Final. */
  async teardown(): Promise<void> {
    await close();
    await teardown();
  },
};

export type World = typeof world;
