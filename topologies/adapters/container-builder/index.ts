/**
 * The ContainerBuilder adapters by the name harmony.yaml gives them, for the FACTORIES table in
 * topologies/create.ts. Each takes its `containerBuilder` settings and the AdapterEnv.
 */
import { createBuildahBuilder } from "./buildah.ts";
import { createBuildkitBuilder } from "./buildkit.ts";
import { createDaemonlessBuilder } from "./daemonless/daemonless.ts";
import { createDockerBuilder } from "./docker.ts";
import { createK3dBuilder } from "./k3d.ts";

export const CONTAINER_BUILDERS = {
  docker: createDockerBuilder,
  buildah: createBuildahBuilder,
  buildkit: createBuildkitBuilder,
  k3d: createK3dBuilder,
  // the third parameter (where bases are read from) defaults to the native registry client
  daemonless: (config: Parameters<typeof createDaemonlessBuilder>[0], env: Parameters<typeof createDaemonlessBuilder>[1]) => createDaemonlessBuilder(config, env),
} as const;

export { directoryKeyHistory, registryKeyHistory, registryKeyHistoryFor, LAST_BUILD_TAG } from "./key-history.ts";
export { layoutBlobSource, type BlobSource, type BlobSourceFor } from "./daemonless/blob-source.ts";
