/**
 * The daemonless builder: a base image read from the real registry by the native client, files
 * laid on it as reproducible layers, written as an OCI layout that skopeo accepts and `docker run`
 * runs. A base can also come from an OCI layout on disk (here: one skopeo copied).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, parseImageRef, type FilesOnBaseBuild } from "../../../capabilities/index.ts";
import { layoutBlobSource } from "../../../topologies/adapters/container-builder/daemonless/blob-source.ts";
import { createDaemonlessBuilder } from "../../../topologies/adapters/container-builder/daemonless/daemonless.ts";
import { runOk, world } from "../../world/index.ts";
import { BUILD_FIXTURES, copyFixture, dockerRun, helloRequest, pushLayout, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("skopeo") || !world.available("docker") || !world.available("registry");

/** The world's base image, copied by skopeo from the registry into a layout (layoutBlobSource reads it). */
async function baseInLayout(): Promise<{ base: string; source: string }> {
  const registry = await world.registry();
  const base = await world.baseImage(registry);
  const source = tempDir("base");
  const { env, skopeoArgs } = world.containersEnv();
  const tag = parseImageRef(base).tag!;
  await runOk([world.tool("skopeo"), ...skopeoArgs, "copy", "--src-tls-verify=false", `docker://${base}`, `oci:${source}:${tag}`], { env });
  return { base, source };
}

function workerRequest(root: string, base: string): FilesOnBaseBuild {
  return {
    kind: "files",
    app: "worker",
    base: parseImageRef(base),
    layers: [
      { from: join(root, "bin"), to: "/app/bin" },
      { from: join(root, "etc", "worker.conf"), to: "/etc/worker.conf" },
    ],
    config: { entrypoint: ["/app/bin/worker.sh"], env: { MESSAGE: "from daemonless" }, user: "65534", workdir: "/app", ports: [8080] },
    labels: { "org.opencontainers.image.title": "worker" },
  };
}

describe("daemonless builder", () => {
  test.skipIf(needs)("files on the registry's base: skopeo accepts it, docker runs it, and it is reproducible", async () => {
    const base = await world.baseImage(await world.registry());
    // a private HOME: no user's docker config; the world's registry needs no credentials
    const env = { projectDir: BUILD_FIXTURES, env: { ...process.env, HOME: tempDir("home"), DOCKER_CONFIG: undefined, SOURCE_DATE_EPOCH: undefined } };
    const work = recordingWork();
    const builder = createDaemonlessBuilder({ adapter: "daemonless", outputDir: tempDir("out-a") }, env);
    const artifact = await builder.build(workerRequest(join(BUILD_FIXTURES, "files"), base), work);
    if (artifact.kind !== "oci-layout") throw new Error(`expected an OCI layout, got ${artifact.kind}`);

    const { env: cenv, skopeoArgs } = world.containersEnv();
    const skopeo = world.tool("skopeo");
    const inspect = JSON.parse((await runOk([skopeo, ...skopeoArgs, "inspect", `oci:${artifact.path}:latest`], { env: cenv })).stdout) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
    expect(inspect.Digest).toBe(artifact.digest);
    expect(inspect.Layers).toHaveLength(3); // busybox + bin + worker.conf
    expect(inspect.Labels).toEqual({ "org.opencontainers.image.title": "worker" });
    const config = JSON.parse((await runOk([skopeo, ...skopeoArgs, "inspect", "--config", `oci:${artifact.path}:latest`], { env: cenv })).stdout) as { created: string; config: Record<string, unknown> };
    expect(config.created).toBe("1970-01-01T00:00:00Z");
    expect(config.config).toMatchObject({ Entrypoint: ["/app/bin/worker.sh"], User: "65534", WorkingDir: "/app", ExposedPorts: { "8080/tcp": {} }, Env: ["PATH=/bin", "MESSAGE=from daemonless"] });
    expect(config.config.Cmd ?? null).toBeNull(); // a new entrypoint drops the base's CMD, as in a Dockerfile

    const ref = `${(await world.registry()).host}/build/worker:1.0.0`;
    await pushLayout(artifact.path, ref);
    const docker = await world.docker();
    await runOk([docker.bin, "pull", ref], { env: docker.env });
    expect(await dockerRun(ref)).toBe("worker: from daemonless (as 65534)");

    // same files elsewhere, with other mtimes and a sloppier umask: the same image, byte for byte
    const copy = copyFixture("files");
    utimesSync(join(copy, "bin", "worker.sh"), new Date(2020, 0, 1), new Date(2020, 0, 1));
    chmodSync(join(copy, "etc", "worker.conf"), 0o664);
    const again = await createDaemonlessBuilder({ adapter: "daemonless", outputDir: tempDir("out-b") }, env).build(workerRequest(copy, base), recordingWork());
    expect(again.kind === "oci-layout" && again.digest).toBe(artifact.digest);

    // one changed file changes its layer only
    writeFileSync(join(copy, "etc", "worker.conf"), "mode=changed\n");
    const changed = await createDaemonlessBuilder({ adapter: "daemonless", outputDir: tempDir("out-c") }, env).build(workerRequest(copy, base), recordingWork());
    if (changed.kind !== "oci-layout") throw new Error("expected an OCI layout");
    const changedLayers = (JSON.parse((await runOk([skopeo, ...skopeoArgs, "inspect", `oci:${changed.path}:latest`], { env: cenv })).stdout) as { Layers: string[] }).Layers;
    expect(changedLayers.slice(0, 2)).toEqual(inspect.Layers.slice(0, 2));
    expect(changedLayers[2]).not.toBe(inspect.Layers[2]);
  }, SLOW);

  test.skipIf(needs)("a base from an OCI layout on disk; a second build into the same layout reuses its blobs", async () => {
    const { base, source } = await baseInLayout();
    const builder = createDaemonlessBuilder({ adapter: "daemonless", outputDir: tempDir("out-d") }, { projectDir: "/", env: {} }, () => layoutBlobSource(source));
    const first = recordingWork();
    await builder.build(workerRequest(join(BUILD_FIXTURES, "files"), base), first);
    expect(first.lines.some((l) => /fetched \d+ bytes of base/.test(l))).toBe(true);
    const second = recordingWork();
    await builder.build(workerRequest(join(BUILD_FIXTURES, "files"), base), second);
    expect(second.lines.some((l) => l.includes("base already local"))).toBe(true);
  }, SLOW);

  test.skipIf(needs)("a missing base image is a clear error", async () => {
    const registry = await world.registry();
    const builder = createDaemonlessBuilder({ adapter: "daemonless", outputDir: tempDir("out-e") }, { projectDir: "/", env: { HOME: tempDir("home") } });
    const failure = await builder.build(workerRequest(join(BUILD_FIXTURES, "files"), `${registry.host}/base/nothing:1`), recordingWork()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarmonyError);
    expect(failure).toMatchObject({ kind: "failed", message: `base image ${registry.host}/base/nothing:1 not found (1)` });
  }, SLOW);

  test("refuses Dockerfiles: no RUN steps without a runtime", async () => {
    const builder = createDaemonlessBuilder({ adapter: "daemonless" }, { projectDir: "/", env: {} });
    const dockerfile = await builder.build(helloRequest("/nowhere", "x"), recordingWork()).catch((e: unknown) => e);
    expect(dockerfile).toBeInstanceOf(HarmonyError);
    expect(dockerfile).toMatchObject({ kind: "config" });
    expect((dockerfile as HarmonyError).message).toContain("cannot run a Dockerfile (no RUN steps)");
  });
});
