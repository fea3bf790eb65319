/**
 * ContainerBuilder for LocalDev on k3d without a registry: build with the local Docker engine
 * (the docker builder), then `k3d image import` the image into every node of the named cluster,
 * where pods can use it as long as their pull policy does not insist on a registry. The artifact
 * stays `daemon` (the image is in the local engine too); the topology pairs this with the noop
 * registry.
 *
 * NOT RUN FOR REAL: the test machine has no k3d and no k3d cluster (no nested Docker-in-Docker),
 * so only the argument construction and the error paths (tool missing, cluster unreachable) are
 * tested. The docker half is the docker builder, which is tested against a real engine.
 */
import { HarmonyError, type ContainerBuilder } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import type { ContainerBuilderConfig } from "../../config.ts";
import { DockerCli, dockerBuild, dockerfileOnly, lastLine } from "./docker.ts";
import { problemOf, requireTool, runTool, type RunResult } from "./tool.ts";

/** The `containerBuilder: { adapter: k3d }` settings of harmony.yaml (topologies/config.ts). */
export type K3dBuilderConfig = Extract<ContainerBuilderConfig, { adapter: "k3d" }>;

const INSTALL = "install k3d (https://k3d.io), or pick another containerBuilder adapter";

export function k3dImportArgs(cluster: string, image: string): string[] {
  // mode direct: stream the tarball into each node, no helper container (works without a registry)
  return ["image", "import", "--cluster", cluster, "--mode", "direct", image];
}

/** k3d's ways of saying the cluster is not there or not running. */
export function clusterMissing(tail: string): boolean {
  return /no nodes found|failed to get cluster|cluster .* not found|No such container/i.test(tail);
}

export function createK3dBuilder(config: K3dBuilderConfig, env: AdapterEnv): ContainerBuilder {
  const docker = new DockerCli(env.env);
  const clusterError = (result: RunResult) =>
    new HarmonyError("failed", `k3d cluster "${config.cluster}" is not reachable: ${lastLine(result.tail)}`, {
      hint: `create or start it (k3d cluster start ${config.cluster}), or fix containerBuilder.cluster`,
    });
  return {
    adapter: "k3d",
    preflight: async (work) => {
      const problems = await docker.problems(work);
      try {
        const bin = requireTool("k3d", env.env, INSTALL);
        const result = await runTool([bin, "cluster", "get", config.cluster], work, { env: env.env, label: "k3d" });
        if (result.code !== 0) problems.push(problemOf(clusterError(result)));
      } catch (e) {
        problems.push(problemOf(e));
      }
      return problems;
    },
    build: async (request, work) => {
      const dockerfile = dockerfileOnly(request, "k3d");
      const bin = requireTool("k3d", env.env, INSTALL); // before building: fail fast, not after minutes
      const built = await dockerBuild(docker, { network: config.network }, dockerfile, work);
      work.reporter.info(`k3d: importing ${built.tag} into cluster ${config.cluster}`);
      const result = await runTool([bin, ...k3dImportArgs(config.cluster, built.tag)], work, { env: env.env, label: "k3d" });
      if (result.code !== 0) throw clusterMissing(result.tail) ? clusterError(result) : new HarmonyError("failed", `k3d image import of ${built.tag} failed: ${lastLine(result.tail)}`);
      return { kind: "daemon", imageId: built.imageId };
    },
  };
}
