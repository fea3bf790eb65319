/**
 * The docker builder against the test world's real dockerd: fixture builds that run, labels,
 * build args through the environment, .dockerignore as Docker applies it, the CI flavour's layer
 * cache from the registry, cancellation, and the errors for a missing CLI or daemon.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, parseImageRef } from "../../../capabilities/index.ts";
import { buildableRequest } from "../../../scores/buildable/index.ts";
import { computeContentKey } from "../../../scores/content-key/index.ts";
import { createDockerBuilder } from "../../../topologies/adapters/container-builder/docker.ts";
import { run, runOk, world } from "../../world/index.ts";
import { BUILD_FIXTURES, copyFixture, dockerRun, helloRequest, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("docker") || !world.available("registry");

async function setup() {
  const docker = await world.docker();
  const registry = await world.registry();
  const base = await world.baseImage(registry);
  const env = { projectDir: BUILD_FIXTURES, env: { ...process.env, ...docker.env } };
  return { docker, registry, base, env };
}

describe("docker builder", () => {
  test.skipIf(needs)("builds the fixture app; the image runs, carries its labels, and pushes", async () => {
    const { docker, registry, base, env } = await setup();
    const work = recordingWork();
    const builder = createDockerBuilder({ adapter: "docker" }, env);
    expect(await builder.preflight!(work)).toEqual([]);
    const artifact = await builder.build(helloRequest(join(BUILD_FIXTURES, "hello"), base), work);
    if (artifact.kind !== "daemon") throw new Error(`expected a daemon artifact, got ${artifact.kind}`);
    expect(artifact.imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await dockerRun(artifact.imageId)).toBe("hello app: built by harmony (1)");
    const labels = JSON.parse((await runOk([docker.bin, "image", "inspect", "--format", "{{json .Config.Labels}}", artifact.imageId], { env: docker.env })).stdout) as Record<string, string>;
    expect(labels["org.opencontainers.image.title"]).toBe("hello");
    expect(labels["org.opencontainers.image.version"]).toBe("1.0.0");
    expect(labels["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // progress reached the user, the rest went to debug
    expect(work.lines.filter((l) => l.startsWith("info: docker: Step ")).length).toBeGreaterThanOrEqual(5);
    expect(work.lines.some((l) => l.startsWith("debug: docker: "))).toBe(true);
    // and the image goes to the real registry
    const ref = `${registry.host}/build/hello:1.0.0`;
    await runOk([docker.bin, "tag", artifact.imageId, ref], { env: docker.env });
    await runOk([docker.bin, "push", ref], { env: { ...docker.env, DOCKER_CONFIG: registry.dockerConfigDir } });
    const inspected = await run([world.tool("skopeo"), ...world.containersEnv().skopeoArgs, "inspect", "--tls-verify=false", `docker://${ref}`], { env: world.containersEnv().env });
    expect(inspected.code).toBe(0);
  }, SLOW);

  test.skipIf(needs)("build-arg values travel in the environment, not in the arguments", async () => {
    const { base, env } = await setup();
    const work = recordingWork();
    const secretish = `value-${crypto.randomUUID()}`;
    const artifact = await createDockerBuilder({ adapter: "docker" }, env).build(helloRequest(join(BUILD_FIXTURES, "hello"), base, { buildArgs: { BASE: base, GREETING: secretish } }), work);
    expect(artifact.kind === "daemon" && (await dockerRun(artifact.imageId))).toBe(`hello app: ${secretish} (1)`);
    // the argv is echoed nowhere; the value shows only where the build itself prints it (the RUN step)
    expect(work.lines.filter((l) => l.includes(secretish)).every((l) => !l.includes("--build-arg"))).toBe(true);
  }, SLOW);

  test.skipIf(needs)("the content key lists exactly the files Docker sends (.dockerignore with ** and !)", async () => {
    const { base, env } = await setup();
    const ctx = copyFixture("hello");
    writeFileSync(join(ctx, "List.Dockerfile"), "ARG BASE\nFROM $BASE\nCOPY . /ctx/\nCMD [\"find\", \"/ctx\", \"-type\", \"f\"]\n");
    const request = helloRequest(ctx, base, { dockerfile: join(ctx, "List.Dockerfile"), buildArgs: { BASE: base } });
    const artifact = await createDockerBuilder({ adapter: "docker" }, env).build(request, recordingWork());
    if (artifact.kind !== "daemon") throw new Error("expected a daemon artifact");
    const sent = (await dockerRun(artifact.imageId)).split("\n").map((p) => p.replace(/^\/ctx\//, "")).sort();
    const key = await computeContentKey(request, { builder: "docker" });
    const keyed = Object.keys(key.files).filter((p) => !p.endsWith("/"));
    // the Dockerfile is keyed by its bytes rather than listed, but COPY . copies it too
    expect(sent).toEqual([...keyed, "List.Dockerfile"].sort());
    expect(sent).toContain("notes/keep.md");
    expect(sent.some((p) => p.startsWith("vendor/") || p === "notes/draft.md" || p.endsWith(".tmp"))).toBe(false);
  }, SLOW);

  test.skipIf(needs)("the static-site generator's image serves its site", async () => {
    const { docker, base, env } = await setup();
    const request = buildableRequest({
      app: "site",
      projectRoot: join(BUILD_FIXTURES, "static-site"),
      generator: { kind: "static-site", dir: "site", port: 8080 },
      labels: {},
      buildArgs: { BASE: base },
      dockerfileDir: tempDir("site"),
    });
    const artifact = await createDockerBuilder({ adapter: "docker" }, env).build(request, recordingWork());
    if (artifact.kind !== "daemon") throw new Error("expected a daemon artifact");
    const id = (await runOk([docker.bin, "run", "-d", "--network=none", artifact.imageId], { env: docker.env })).stdout.trim();
    try {
      // inside the container's own loopback: the generated ENTRYPOINT serves /www on 8080
      let page = "";
      for (let i = 0; i < 50 && !page.includes("static-site"); i++) {
        page = (await run([docker.bin, "exec", id, "wget", "-qO-", "http://127.0.0.1:8080/"], { env: docker.env })).stdout;
        if (!page) await Bun.sleep(100);
      }
      expect(page).toContain("hello from the static-site generator");
      const user = (await runOk([docker.bin, "exec", id, "id", "-u"], { env: docker.env })).stdout.trim();
      expect(user).toBe("65534");
    } finally {
      await run([docker.bin, "rm", "-f", id], { env: docker.env });
    }
  }, SLOW);

  test.skipIf(needs)("CI flavour: pulls the previous build from the registry and reuses its layers", async () => {
    const { docker, registry, base, env } = await setup();
    const ctx = copyFixture("hello");
    // content no other build shares, so no local intermediate image can serve as cache
    writeFileSync(join(ctx, "src", "unique.txt"), crypto.randomUUID());
    const first = await createDockerBuilder({ adapter: "docker" }, env).build(helloRequest(ctx, base), recordingWork());
    if (first.kind !== "daemon") throw new Error("expected a daemon artifact");
    const cache = `${registry.host}/build/hello:cache-${crypto.randomUUID().slice(0, 8)}`;
    await runOk([docker.bin, "tag", first.imageId, cache], { env: docker.env });
    await runOk([docker.bin, "push", cache], { env: { ...docker.env, DOCKER_CONFIG: registry.dockerConfigDir } });
    // a fresh runner: the image and its intermediate layers are gone from the daemon
    await runOk([docker.bin, "rmi", "-f", cache, first.imageId], { env: docker.env });
    expect((await run([docker.bin, "image", "inspect", first.imageId], { env: docker.env })).code).not.toBe(0);
    const work = recordingWork();
    const ci = createDockerBuilder({ adapter: "docker", cacheFromRegistry: true }, { ...env, env: { ...env.env, DOCKER_CONFIG: registry.dockerConfigDir } });
    const second = await ci.build(helloRequest(ctx, base, { cacheFrom: [parseImageRef(cache)] }), work);
    // the COPY of content only this test has, and the RUN after it, came from the pulled image
    for (const step of ["COPY src/ /app/", "RUN chmod"]) {
      const at = work.lines.findIndex((l) => l.startsWith("info: docker: Step ") && l.includes(step));
      expect(work.lines[at + 1]).toBe("debug: docker:  ---> Using cache");
    }
    expect(second.kind === "daemon" && (await dockerRun(second.imageId))).toBe("hello app: built by harmony (1)");
  }, SLOW);

  test.skipIf(needs)("a missing cache image costs speed, not the build", async () => {
    const { registry, base, env } = await setup();
    const work = recordingWork();
    const ci = createDockerBuilder({ adapter: "docker", cacheFromRegistry: true }, env);
    const built = await ci.build(helloRequest(join(BUILD_FIXTURES, "hello"), base, { cacheFrom: [parseImageRef(`${registry.host}/build/none:cache-x`)] }), work);
    expect(built.kind).toBe("daemon");
    expect(work.lines.some((l) => l.startsWith(`info: docker: no layer cache from ${registry.host}/build/none:cache-x`))).toBe(true);
  }, SLOW);

  test.skipIf(needs)("aborting the work stops the build", async () => {
    const { base, env } = await setup();
    const ctx = tempDir("slow");
    writeFileSync(join(ctx, "Dockerfile"), "ARG BASE\nFROM $BASE\nRUN sleep 60\n");
    const controller = new AbortController();
    const work = recordingWork(controller.signal);
    const original = work.reporter.info;
    work.reporter.info = (m) => {
      original(m);
      if (m.includes("RUN sleep 60")) controller.abort();
    };
    const failure = await createDockerBuilder({ adapter: "docker" }, env).build(helloRequest(ctx, base, { buildArgs: { BASE: base } }), work).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarmonyError);
    // interrupted, not failed or succeeded: the build was stopped while its RUN step slept
    expect((failure as HarmonyError).kind).toBe("interrupted");
  }, SLOW);

  test.skipIf(!world.available("docker"))("an unreachable daemon is a clear error, in preflight and in build", async () => {
    const env = { projectDir: BUILD_FIXTURES, env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/harmony-test.sock" } };
    const builder = createDockerBuilder({ adapter: "docker" }, env);
    const problems = await builder.preflight!(recordingWork());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("cannot reach the Docker daemon at unix:///nonexistent/harmony-test.sock");
    const failure = await builder.build(helloRequest(join(BUILD_FIXTURES, "hello"), "x"), recordingWork()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarmonyError);
    expect(failure).toMatchObject({ kind: "failed", hint: "start dockerd, or point DOCKER_HOST at a running engine" });
  });
});
