/**
 * ContainerBuilder on a remote BuildKit daemon through `buildctl` (BUILDKIT_HOST, e.g.
 * `tcp://buildkitd:1234`): the context is streamed to the daemon, the result comes back as an OCI
 * layout or is pushed straight to a registry (`pushTo`). Multi-platform builds are BuildKit's
 * strength, so this builder accepts several platforms.
 *
 * NOT RUN FOR REAL: the test machine has neither buildkitd nor buildctl, so only the argument
 * construction and the error paths (tool missing, daemon unreachable) are tested. buildctl takes
 * build args only as `--opt build-arg:K=V`, so their values are visible in the process table:
 * do not pass secrets as build args with this builder (BuildKit has `--secret` for that).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import {
  formatImageRef,
  HarmonyError,
  parseImageRef,
  withTag,
  type ContainerBuilder,
  type DockerfileBuild,
  type ImageArtifact,
  type ImageRef,
} from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import type { ContainerBuilderConfig } from "../../config.ts";
import { dockerfileOnly, lastLine } from "./docker.ts";
import { imageLabels } from "./oci-labels.ts";
import { buildFailed, problemOf, requireTool, runTool, type RunResult } from "./tool.ts";

/** The `containerBuilder: { adapter: buildkit }` settings of harmony.yaml (topologies/config.ts). */
export type BuildkitBuilderConfig = Extract<ContainerBuilderConfig, { adapter: "buildkit" }>;

const INSTALL = "install buildctl (from the moby/buildkit release archive), or pick another containerBuilder adapter";
/** "#5 [2/3] COPY …" */
const PROGRESS = /^#\d+ \[[^\]]+\] /;

export type BuildkitOutput = { readonly kind: "oci-layout"; readonly dir: string } | { readonly kind: "push"; readonly ref: ImageRef };

export function buildctlArgs(
  config: Pick<BuildkitBuilderConfig, "host" | "network">,
  request: DockerfileBuild,
  output: BuildkitOutput,
  metadataFile: string,
  labels: Readonly<Record<string, string>>,
): string[] {
  const opt = (k: string, v: string) => ["--opt", `${k}=${v}`];
  return [
    "--addr", config.host,
    "build",
    "--frontend", "dockerfile.v0",
    "--local", `context=${request.contextDir}`,
    "--local", `dockerfile=${dirname(request.dockerfile)}`,
    ...opt("filename", basename(request.dockerfile)),
    ...Object.entries(request.buildArgs).flatMap(([k, v]) => opt(`build-arg:${k}`, v)),
    ...Object.entries(labels).flatMap(([k, v]) => opt(`label:${k}`, v)),
    ...(request.target === undefined ? [] : opt("target", request.target)),
    ...(request.platforms.length === 0 ? [] : opt("platform", request.platforms.join(","))),
    ...opt("force-network-mode", config.network ?? "none"),
    ...(request.cacheFrom ?? []).flatMap((ref) => ["--import-cache", `type=registry,ref=${formatImageRef(ref)}`]),
    // inline cache: the pushed image itself carries what the next build's --import-cache needs
    "--export-cache", "type=inline",
    "--metadata-file", metadataFile,
    "--output", output.kind === "push" ? `type=image,name=${formatImageRef(output.ref)},push=true` : `type=oci,dest=${output.dir},tar=false`,
  ];
}

/** buildctl's way of saying it could not reach buildkitd, as opposed to a failed build. */
export function unreachable(tail: string): boolean {
  return /connection refused|failed to dial|no such file or directory.*sock|connection error|context deadline exceeded|dial (tcp|unix)/i.test(tail);
}

export function createBuildkitBuilder(config: BuildkitBuilderConfig, env: AdapterEnv): ContainerBuilder {
  const tools = env.env;
  const outputRoot = config.outputDir === undefined ? join(tmpdir(), "harmony-build") : resolve(env.projectDir, config.outputDir);
  const unreachableError = (result: RunResult) =>
    new HarmonyError("failed", `cannot reach buildkitd at ${config.host}: ${lastLine(result.tail)}`, {
      hint: "start buildkitd there, or fix containerBuilder.host (BUILDKIT_HOST)",
    });
  return {
    adapter: "buildkit",
    preflight: async (work) => {
      try {
        const bin = requireTool("buildctl", tools, INSTALL, "buildkit");
        const result = await runTool([bin, "--addr", config.host, "debug", "workers"], work, { env: tools, label: "buildctl" });
        return result.code === 0 ? [] : [problemOf(unreachableError(result))];
      } catch (e) {
        return [problemOf(e)];
      }
    },
    build: async (request, work) => {
      const dockerfile = dockerfileOnly(request, "buildkit");
      const bin = requireTool("buildctl", tools, INSTALL, "buildkit");
      const scratch = mkdtempSync(join(tmpdir(), "harmony-buildctl-"));
      try {
        const output: BuildkitOutput = config.pushTo !== undefined
          ? { kind: "push", ref: withTag(parseImageRef(`${config.pushTo}/${dockerfile.app}`), "build") }
          : { kind: "oci-layout", dir: join(outputRoot, dockerfile.app) };
        if (output.kind === "oci-layout") {
          rmSync(output.dir, { recursive: true, force: true });
          mkdirSync(output.dir, { recursive: true });
        }
        const metadata = join(scratch, "metadata.json");
        const labels = imageLabels(dockerfile.labels, tools, { stampCreated: true });
        work.reporter.info(`buildkit: building ${dockerfile.app} on ${config.host}`);
        const result = await runTool([bin, ...buildctlArgs(config, dockerfile, output, metadata, labels)], work, { env: tools, label: "buildctl", progress: PROGRESS });
        if (result.code !== 0) throw unreachable(result.tail) ? unreachableError(result) : buildFailed(`buildctl build of ${dockerfile.app}`, result);
        return artifactFrom(output, metadata);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}

function artifactFrom(output: BuildkitOutput, metadataFile: string): ImageArtifact {
  const metadata = JSON.parse(readFileSync(metadataFile, "utf8")) as Record<string, unknown>;
  const digest = metadata["containerimage.digest"];
  if (typeof digest !== "string") throw new HarmonyError("failed", "buildctl reported no image digest (containerimage.digest) in its metadata file");
  return output.kind === "push" ? { kind: "registry", ref: output.ref, digest } : { kind: "oci-layout", path: output.dir, digest };
}
