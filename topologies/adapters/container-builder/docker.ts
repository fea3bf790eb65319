/**
 * ContainerBuilder on a Docker engine through the docker CLI: the daemon named by DOCKER_HOST in
 * the adapter's environment (or the CLI's default). Builds run with `--network=none` unless the
 * topology allows a network, carry the OCI labels, and with `cacheFromRegistry` (the CI flavour)
 * pull the previous build from the registry first and use it as a layer cache (`--cache-from`),
 * because a fresh CI runner has no local cache. The image stays in the daemon; the OciRegistry
 * adapter pushes it from there.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatImageRef,
  HarmonyError,
  type BuildContext,
  type ContainerBuilder,
  type DockerfileBuild,
  type ImageArtifact,
  type WorkContext,
} from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import type { ContainerBuilderConfig } from "../../config.ts";
import { buildArgsFor } from "./build-args.ts";
import { imageLabels } from "./oci-labels.ts";
import { buildFailed, problemOf, requireTool, runTool, type ToolEnv } from "./tool.ts";

/** The `containerBuilder: { adapter: docker }` settings of harmony.yaml (topologies/config.ts). */
export type DockerBuilderConfig = Extract<ContainerBuilderConfig, { adapter: "docker" }>;

const INSTALL = "install the docker CLI (Debian: docker.io, or docker-ce-cli), or pick another containerBuilder adapter";
/** Legacy builder "Step 2/5 : COPY …" and BuildKit "#5 [2/3] COPY …". */
const PROGRESS = /^(Step \d+\/\d+ :|#\d+ \[[^\]]+\] )/;

/** The local name a build is tagged with: it never leaves the machine under this name. */
export function localTag(app: string): string {
  return `harmony.local/${app}:latest`;
}

export function createDockerBuilder(config: DockerBuilderConfig, env: AdapterEnv): ContainerBuilder {
  const docker = new DockerCli(env.env);
  return {
    adapter: "docker",
    preflight: async (work) => docker.problems(work),
    build: async (request, work) => {
      const built = await dockerBuild(docker, config, dockerfileOnly(request, "docker"), work);
      return { kind: "daemon", imageId: built.imageId };
    },
  };
}

export function dockerfileOnly(request: BuildContext, adapter: string): DockerfileBuild {
  if (request.kind === "dockerfile") return request;
  throw new HarmonyError("config", `${request.app}: the ${adapter} builder builds Dockerfiles; files-on-a-base images need the daemonless builder`, {
    hint: "set containerBuilder.adapter to daemonless for this topology, or give the app a Dockerfile",
  });
}

/** The docker CLI with its environment, and whether its daemon answers. */
export class DockerCli {
  private reachable = false;
  constructor(readonly env: ToolEnv) {}

  bin(): string {
    return requireTool("docker", this.env, INSTALL);
  }

  /** Empty when the CLI is installed and its daemon answers. */
  async problems(work: WorkContext): Promise<string[]> {
    try {
      await this.ensureDaemon(work);
      return [];
    } catch (e) {
      return [problemOf(e)];
    }
  }

  async ensureDaemon(work: WorkContext): Promise<void> {
    if (this.reachable) return;
    const result = await runTool([this.bin(), "version", "--format", "{{.Server.Version}}"], work, { env: this.env, label: "docker", keepStdout: true });
    if (result.code !== 0 || result.stdout.trim() === "") {
      const where = this.env.DOCKER_HOST ?? "the default socket (unix:///var/run/docker.sock)";
      throw new HarmonyError("failed", `cannot reach the Docker daemon at ${where}: ${lastLine(result.tail)}`, {
        hint: "start dockerd, or point DOCKER_HOST at a running engine",
      });
    }
    this.reachable = true;
  }
}

export interface DockerBuildResult {
  readonly imageId: string;
  /** The local tag it carries (see localTag). */
  readonly tag: string;
}

export async function dockerBuild(docker: DockerCli, config: Omit<DockerBuilderConfig, "adapter">, request: DockerfileBuild, work: WorkContext): Promise<DockerBuildResult> {
  if (request.platforms.length > 1) {
    throw new HarmonyError("config", `${request.app}: the docker builder builds one platform at a time, ${request.platforms.length} were asked for`, {
      hint: "use the buildkit or buildah builder for multi-platform images",
    });
  }
  await docker.ensureDaemon(work);
  const cacheFrom = config.cacheFromRegistry ? await pullCaches(docker, request, work) : [];
  const dir = mkdtempSync(join(tmpdir(), "harmony-docker-"));
  try {
    const iidfile = join(dir, "iid");
    const tag = localTag(request.app);
    const args = buildArgsFor(request.buildArgs, docker.env);
    const labels = imageLabels(request.labels, docker.env, { stampCreated: true });
    const argv = [
      docker.bin(), "build",
      `--network=${config.network ?? "none"}`,
      "--file", request.dockerfile,
      "--iidfile", iidfile,
      "--tag", tag,
      ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
      ...args.argv,
      ...(request.target === undefined ? [] : ["--target", request.target]),
      ...request.platforms.flatMap((p) => ["--platform", p]),
      // inline cache metadata lets the next build use this image as --cache-from under BuildKit too
      ...(config.cacheFromRegistry ? ["--build-arg", "BUILDKIT_INLINE_CACHE=1"] : []),
      ...cacheFrom.flatMap((ref) => ["--cache-from", ref]),
      request.contextDir,
    ];
    work.reporter.info(`docker: building ${request.app} from ${request.dockerfile}`);
    const result = await runTool(argv, work, { env: { ...docker.env, ...args.env }, label: "docker", progress: PROGRESS });
    if (result.code !== 0) throw buildFailed(`docker build of ${request.app}`, result);
    const imageId = readFileSync(iidfile, "utf8").trim();
    work.reporter.info(`docker: built ${request.app} as ${imageId.slice(0, 19)} (${tag})`);
    return { imageId, tag };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A missing cache image is normal (first build, pruned registry): it costs speed, never the build. */
async function pullCaches(docker: DockerCli, request: DockerfileBuild, work: WorkContext): Promise<string[]> {
  const pulled: string[] = [];
  for (const ref of request.cacheFrom ?? []) {
    const name = formatImageRef(ref);
    const result = await runTool([docker.bin(), "pull", "--quiet", name], work, { env: docker.env, label: "docker" });
    if (result.code === 0) pulled.push(name);
    else work.reporter.info(`docker: no layer cache from ${name} (${lastLine(result.tail)})`);
  }
  return pulled;
}

export function lastLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").at(-1) ?? "";
}
