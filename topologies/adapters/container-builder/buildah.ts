/**
 * ContainerBuilder on buildah: daemonless, as root. `--isolation chroot` runs RUN steps without an
 * OCI runtime (works inside containers and CI runners), with the vfs storage driver (works on any
 * file system, overlay included). chroot isolation cannot take a network namespace, so its RUN
 * steps see the host network; `isolation: oci` (needs runc) builds with `--network none`. The
 * image is written as an OCI layout (`buildah push <id> oci:DIR`) for the OciRegistry adapter.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarmonyError, type ContainerBuilder, type DockerfileBuild, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import type { ContainerBuilderConfig } from "../../config.ts";
import { buildArgsFor } from "./build-args.ts";
import { dockerfileOnly, lastLine, localTag } from "./docker.ts";
import { imageLabels } from "./oci-labels.ts";
import { buildFailed, problemOf, requireTool, runTool } from "./tool.ts";

/** The `containerBuilder: { adapter: buildah }` settings of harmony.yaml (topologies/config.ts). */
export type BuildahBuilderConfig = Extract<ContainerBuilderConfig, { adapter: "buildah" }>;

const INSTALL = "install buildah (Debian/Ubuntu: apt-get install buildah), or pick another containerBuilder adapter";
const PROGRESS = /^STEP \d+\/\d+: /;

export function createBuildahBuilder(config: BuildahBuilderConfig, env: AdapterEnv): ContainerBuilder {
  const tools = env.env;
  const outputRoot = config.outputDir === undefined ? join(tmpdir(), "harmony-build") : resolve(env.projectDir, config.outputDir);
  return {
    adapter: "buildah",
    preflight: async () => {
      const problems: string[] = [];
      try {
        requireTool("buildah", tools, INSTALL);
        if (config.isolation === "oci") requireTool("runc", tools, "install runc, or use isolation: chroot", "buildah (isolation: oci)");
      } catch (e) {
        problems.push(problemOf(e));
      }
      return problems;
    },
    build: async (request, work) => {
      const dockerfile = dockerfileOnly(request, "buildah");
      const bin = requireTool("buildah", tools, INSTALL);
      const dir = mkdtempSync(join(tmpdir(), "harmony-buildah-"));
      try {
        const iidfile = join(dir, "iid");
        const args = buildArgsFor(dockerfile.buildArgs, tools);
        const argv = [bin, ...globalArgs(config), "bud", ...budArgs(config, dockerfile, iidfile, args.argv, imageLabels(dockerfile.labels, tools, { stampCreated: true }))];
        work.reporter.info(`buildah: building ${dockerfile.app} from ${dockerfile.dockerfile}`);
        const built = await runTool(argv, work, { env: { ...tools, ...args.env }, label: "buildah", progress: PROGRESS });
        if (built.code !== 0) throw buildFailed(`buildah bud of ${dockerfile.app}`, built);
        const imageId = readFileSync(iidfile, "utf8").trim();
        return await exportLayout(bin, config, imageId, join(outputRoot, dockerfile.app), dir, work, tools);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Flags before the verb: where images are stored and with which driver. */
export function globalArgs(config: Omit<BuildahBuilderConfig, "adapter">): string[] {
  return [
    "--storage-driver", config.storageDriver ?? "vfs",
    ...(config.root === undefined ? [] : ["--root", config.root]),
    ...(config.runroot === undefined ? [] : ["--runroot", config.runroot]),
  ];
}

export function budArgs(
  config: Omit<BuildahBuilderConfig, "adapter">,
  request: DockerfileBuild,
  iidfile: string,
  buildArgs: readonly string[],
  labels: Readonly<Record<string, string>>,
): string[] {
  const isolation = config.isolation ?? "chroot";
  if (request.platforms.length > 1) {
    throw new HarmonyError("config", `${request.app}: the buildah builder builds one platform at a time, ${request.platforms.length} were asked for`, {
      hint: "use the buildkit builder for multi-platform images",
    });
  }
  if (isolation === "chroot" && config.network !== undefined && config.network !== "host") {
    throw new HarmonyError("config", `buildah: network "${config.network}" needs isolation: oci (chroot isolation always shares the host network)`, {
      hint: "set isolation: oci (needs runc), or drop the network setting",
    });
  }
  return [
    "--isolation", isolation,
    ...(isolation === "oci" ? ["--network", config.network ?? "none"] : []),
    "--file", request.dockerfile,
    "--iidfile", iidfile,
    "--tag", localTag(request.app),
    ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
    ...buildArgs,
    ...(request.target === undefined ? [] : ["--target", request.target]),
    ...request.platforms.flatMap((p) => ["--platform", p]),
    // request.cacheFrom is not passed: buildah's --cache-from reads its own cache format
    // (written by --cache-to), not a previously pushed image
    request.contextDir,
  ];
}

async function exportLayout(
  bin: string,
  config: Omit<BuildahBuilderConfig, "adapter">,
  imageId: string,
  layout: string,
  scratch: string,
  work: WorkContext,
  env: AdapterEnv["env"],
) {
  // one build per layout directory: a stale index.json would name images of an earlier build
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(layout, { recursive: true });
  const digestfile = join(scratch, "digest");
  const pushed = await runTool([bin, ...globalArgs(config), "push", "--digestfile", digestfile, imageId, `oci:${layout}:latest`], work, { env, label: "buildah" });
  if (pushed.code !== 0) throw buildFailed(`buildah push to the OCI layout ${layout}`, pushed, `is ${layout} writable? ${lastLine(pushed.tail)}`);
  const digest = readFileSync(digestfile, "utf8").trim();
  work.reporter.info(`buildah: built ${imageId.slice(0, 12)}, OCI layout ${layout} (${digest.slice(0, 19)})`);
  return { kind: "oci-layout" as const, path: layout, digest };
}
