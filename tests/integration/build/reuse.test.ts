/**
 * Never building the same thing twice, against the real registry with the real OciRegistry
 * adapter and key history: a first release builds (docker) and tags its image `cache-<key>`; a
 * second release of the same content, on a "fresh runner" (new adapters, nothing local carried
 * over), finds that tag, re-tags instead of building and uploads 0 blob bytes; a changed file
 * builds again and the reason names it — read from the key record the first release left in the
 * registry.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { withTag, type ContainerBuilder, type ImageRef } from "../../../capabilities/index.ts";
import { computeContentKey, decideBuild, recordBuild } from "../../../scores/content-key/index.ts";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { createDockerBuilder } from "../../../topologies/adapters/container-builder/docker.ts";
import { LAST_BUILD_TAG, registryKeyHistoryFor } from "../../../topologies/adapters/container-builder/key-history.ts";
import { runOk, world } from "../../world/index.ts";
import { copyFixture, helloRequest, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("docker") || !world.available("registry") || !world.available("skopeo");

describe("content-key reuse with the real registry", () => {
  test.skipIf(needs)("build once, re-tag the second time (0 bytes uploaded), rebuild with a reason when a file changes", async () => {
    const docker = await world.docker();
    const reg = await world.registry();
    const base = await world.baseImage(reg);
    const env = { projectDir: tempDir("project"), env: { ...process.env, ...docker.env, HOME: tempDir("home"), DOCKER_CONFIG: undefined } };
    const app = `hello-${crypto.randomUUID().slice(0, 8)}`;
    const ctx = copyFixture("hello");
    let builds = 0;

    /** What the lead's release score does around ContainerBuilder.build, on a fresh runner each time. */
    async function release(version: string) {
      const work = recordingWork();
      const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/reuse` }, env);
      const history = registryKeyHistoryFor(env);
      const docker: ContainerBuilder = createDockerBuilder({ adapter: "docker" }, env);
      const repository: ImageRef = registry.repositoryFor(app);
      const request = helloRequest(ctx, base, { app, labels: { "org.opencontainers.image.version": version } });
      const key = await computeContentKey(request, { builder: docker.adapter });
      const decision = await decideBuild({ key, repository, registry, history }, work);
      const target = withTag(repository, version);
      if (decision.action === "reuse") return { decision, published: await registry.push(decision.artifact, target, work), stats: registry.stats, work };
      builds++;
      const artifact = await docker.build({ ...request, cacheFrom: decision.cacheFrom }, work);
      const published = await registry.push(artifact, target, work);
      await recordBuild({ key, decision, published, registry, history }, work);
      return { decision, published, stats: registry.stats, work };
    }

    const first = await release("1.0.0");
    expect(first.decision).toMatchObject({ action: "build", reasons: ["no previous build recorded for this image"] });
    expect(first.stats.blobBytesUploaded).toBeGreaterThan(0);
    if (first.decision.action !== "build") throw new Error("unreachable");
    // the key record is an artifact in the app's repository, where the next runner finds it
    const { env: cenv, skopeoArgs } = world.containersEnv();
    const tags = JSON.parse((await runOk([world.tool("skopeo"), ...skopeoArgs, "list-tags", "--tls-verify=false", `docker://${reg.host}/reuse/${app}`], { env: cenv })).stdout) as { Tags: string[] };
    expect(tags.Tags.sort()).toEqual(["1.0.0", first.decision.cacheRef.tag!, LAST_BUILD_TAG].sort());

    const second = await release("1.0.1");
    expect(second.decision.action).toBe("reuse");
    expect(builds).toBe(1);
    expect(second.published.ref.digest).toBe(first.published.ref.digest);
    expect(second.stats.blobBytesUploaded).toBe(0);
    expect(second.work.lines.some((l) => l.startsWith("info: content unchanged") && l.includes("instead of building"))).toBe(true);

    writeFileSync(join(ctx, "src", "hello.sh"), "#!/bin/sh\necho changed\n");
    const third = await release("1.0.2");
    expect(third.decision).toMatchObject({ action: "build", reasons: ["src/hello.sh changed"], cacheFrom: [first.decision.cacheRef] });
    expect(builds).toBe(2);
    expect(third.published.ref.digest).not.toBe(first.published.ref.digest);
  }, SLOW);
});
