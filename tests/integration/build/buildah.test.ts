/**
 * The buildah builder, daemonless and rootful (chroot isolation, vfs storage in the test world's
 * run dir): the fixture app becomes an OCI layout that skopeo accepts, that goes to the real
 * registry, and that `docker run` runs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { createBuildahBuilder } from "../../../topologies/adapters/container-builder/buildah.ts";
import { runOk, world } from "../../world/index.ts";
import { BUILD_FIXTURES, dockerRun, helloRequest, pushLayout, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("buildah") || !world.available("skopeo") || !world.available("docker") || !world.available("registry");

describe("buildah builder", () => {
  test.skipIf(needs)("builds the fixture app to an OCI layout that skopeo accepts and docker runs", async () => {
    const registry = await world.registry();
    const base = await world.baseImage(registry);
    const buildah = world.buildah();
    // the world's storage.conf/registries.conf (vfs root in the run dir, the local registry insecure)
    const env = { projectDir: BUILD_FIXTURES, env: { ...process.env, ...buildah.env } };
    const outputDir = tempDir("buildah-out");
    const builder = createBuildahBuilder({ adapter: "buildah", outputDir }, env);
    const work = recordingWork();
    expect(await builder.preflight!(work)).toEqual([]);
    const artifact = await builder.build(helloRequest(join(BUILD_FIXTURES, "hello"), base), work);
    if (artifact.kind !== "oci-layout") throw new Error(`expected an OCI layout, got ${artifact.kind}`);
    expect(artifact.path).toBe(join(outputDir, "hello"));
    expect(existsSync(join(artifact.path, "index.json"))).toBe(true);
    expect(work.lines.some((l) => /^info: buildah: STEP \d+\/\d+: RUN chmod/.test(l))).toBe(true);

    const { env: cenv, skopeoArgs } = world.containersEnv();
    const inspect = JSON.parse((await runOk([world.tool("skopeo"), ...skopeoArgs, "inspect", `oci:${artifact.path}:latest`], { env: cenv })).stdout) as { Digest: string; Labels: Record<string, string> };
    expect(inspect.Digest).toBe(artifact.digest);
    expect(inspect.Labels["org.opencontainers.image.title"]).toBe("hello");

    const ref = `${registry.host}/build/hello-buildah:1.0.0`;
    await pushLayout(artifact.path, ref);
    const docker = await world.docker();
    await runOk([docker.bin, "pull", ref], { env: docker.env });
    // GREETING reached the RUN step through the environment (`--build-arg GREETING` without a value)
    expect(await dockerRun(ref)).toBe("hello app: built by harmony (1)");
  }, SLOW);

  test("asking chroot isolation for a network it cannot isolate is a config error", async () => {
    const builder = createBuildahBuilder({ adapter: "buildah", isolation: "chroot", network: "none" }, { projectDir: "/", env: process.env });
    const failure = await builder.build(helloRequest(join(BUILD_FIXTURES, "hello"), "x"), recordingWork()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarmonyError);
    expect(failure).toMatchObject({ kind: "config", hint: "set isolation: oci (needs runc), or drop the network setting" });
  });

  test("a missing buildah is a config error naming the fix", async () => {
    const builder = createBuildahBuilder({ adapter: "buildah" }, { projectDir: "/", env: { PATH: tempDir("empty-path") } });
    expect(await builder.preflight!(recordingWork())).toEqual([expect.stringContaining("buildah not found on PATH")]);
    const failure = await builder.build(helloRequest(join(BUILD_FIXTURES, "hello"), "x"), recordingWork()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: "config", message: "buildah not found on PATH: the buildah builder cannot run here" });
  });
});
