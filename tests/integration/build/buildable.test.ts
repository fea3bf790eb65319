/**
 * The bun generator's Dockerfile, built and run for real. Nothing can be pulled here, so its two
 * base images are made from this machine: BUN_IMAGE = busybox + this host's glibc + this host's
 * bun binary; BASE = busybox + glibc (a compiled bun executable links glibc dynamically, which is
 * why the generator's default runtime is distroless/base and not busybox).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildableRequest } from "../../../scores/buildable/index.ts";
import { createDockerBuilder } from "../../../topologies/adapters/container-builder/docker.ts";
import { runOk, world, type DockerPart } from "../../world/index.ts";
import { dockerRun, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("docker") || !world.available("registry");

/** The shared libraries `binary` loads, as ldd lists them (loader included). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const out = (await runOk(["ldd", binary])).stdout;
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

async function image(docker: DockerPart, tag: string, dockerfile: string, files: Record<string, string>, buildArgs: string[] = []): Promise<string> {
  const ctx = tempDir("bun-image");
  for (const [inImage, from] of Object.entries(files)) {
    mkdirSync(dirname(join(ctx, "rootfs", inImage)), { recursive: true });
    copyFileSync(realpathSync(from), join(ctx, "rootfs", inImage));
  }
  writeFileSync(join(ctx, "Dockerfile"), dockerfile);
  await runOk([docker.bin, "build", "--network=none", ...buildArgs, "-t", tag, ctx], { env: docker.env });
  return tag;
}

describe("bun generator", () => {
  test.skipIf(needs)("compiles the entry point in a build stage and runs it on a glibc base", async () => {
    const docker = await world.docker();
    const base = await world.baseImage(await world.registry());
    const bun = realpathSync(process.execPath);
    const libs = Object.fromEntries((await sharedLibraries(bun)).map((l) => [l, l]));
    const glibc = await image(docker, "harmony-test/glibc:1", "ARG BASE\nFROM $BASE\nCOPY rootfs/ /\n", libs, ["--build-arg", `BASE=${base}`]);
    const bunImage = await image(docker, "harmony-test/bun:1", `FROM ${glibc}\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/bin\n`, { "/usr/local/bin/bun": bun });

    const app = tempDir("bun-app");
    mkdirSync(join(app, "src"));
    writeFileSync(join(app, "src", "index.ts"), "const who: string = 'bun app';\nconsole.log(`${who} says hi on port ${process.env.PORT} as ${process.getuid?.()}`);\n");
    const request = buildableRequest({
      app: "bun-app",
      projectRoot: app,
      generator: { kind: "bun", entry: "src/index.ts", port: 8080 },
      labels: {},
      buildArgs: { BUN_IMAGE: bunImage, BASE: glibc },
      dockerfileDir: tempDir("bun-dockerfile"),
    });
    const artifact = await createDockerBuilder({ adapter: "docker" }, { projectDir: app, env: { ...process.env, ...docker.env } }).build(request, recordingWork());
    if (artifact.kind !== "daemon") throw new Error("expected a daemon artifact");
    expect(await dockerRun(artifact.imageId)).toBe("bun app says hi on port 8080 as 65534");
  }, SLOW);
});
