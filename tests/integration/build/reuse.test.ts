/**
 * Never building the same thing twice, against the real registry: a first release builds (docker)
 * and tags its image `cache-<key>`; a second release of the same content finds that tag and
 * re-tags instead of building; a changed file builds again and the reason names it.
 *
 * The registry side of the release (resolve, push, re-tag) is the OciRegistry capability, whose
 * adapters are another issue's: here the docker CLI and skopeo stand in for it, talking to the
 * real distribution registry.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatImageRef, withTag, type ContainerBuilder, type ImageArtifact, type ImageRef, type OciRegistry } from "../../../capabilities/index.ts";
import { computeContentKey, decideBuild, recordBuild } from "../../../scores/content-key/index.ts";
import { createDockerBuilder } from "../../../topologies/adapters/container-builder/docker.ts";
import { directoryKeyHistory } from "../../../topologies/adapters/container-builder/key-history.ts";
import { run, runOk, world } from "../../world/index.ts";
import { copyFixture, helloRequest, recordingWork, removeTemps, SLOW, tempDir } from "./helpers.ts";

afterAll(removeTemps);
const needs = !world.available("docker") || !world.available("registry") || !world.available("skopeo");

/** resolve and push over the real registry, with skopeo and docker (see the file comment). */
async function cliRegistry(): Promise<Pick<OciRegistry, "resolve" | "push">> {
  const docker = await world.docker();
  const registry = await world.registry();
  const { env, skopeoArgs } = world.containersEnv();
  const skopeo = [world.tool("skopeo"), ...skopeoArgs];
  const resolve = async (ref: ImageRef) => {
    const raw = await run([...skopeo, "inspect", "--raw", "--tls-verify=false", `docker://${formatImageRef(ref)}`], { env });
    return raw.code === 0 ? `sha256:${new Bun.CryptoHasher("sha256").update(raw.stdout).digest("hex")}` : undefined;
  };
  return {
    resolve: async (ref) => resolve(ref),
    push: async (artifact: ImageArtifact, to: ImageRef) => {
      if (artifact.kind === "daemon") {
        await runOk([docker.bin, "tag", artifact.imageId, formatImageRef(to)], { env: docker.env });
        await runOk([docker.bin, "push", formatImageRef(to)], { env: { ...docker.env, DOCKER_CONFIG: registry.dockerConfigDir } });
      } else if (artifact.kind === "registry") {
        const from = formatImageRef({ registry: artifact.ref.registry, repository: artifact.ref.repository, digest: artifact.digest });
        await runOk([...skopeo, "copy", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${from}`, `docker://${formatImageRef(to)}`], { env });
      } else {
        throw new Error("not needed here");
      }
      const digest = await resolve(to);
      if (digest === undefined) throw new Error(`${formatImageRef(to)} did not arrive`);
      return { ref: { ...to, digest } };
    },
  };
}

function counting(builder: ContainerBuilder): ContainerBuilder & { builds: number } {
  const counted = { adapter: builder.adapter, builds: 0, build: async (...args: Parameters<ContainerBuilder["build"]>) => {
    counted.builds++;
    return builder.build(...args);
  } };
  return counted;
}

describe("content-key reuse with the real registry", () => {
  test.skipIf(needs)("build once, re-tag the second time, rebuild with a reason when a file changes", async () => {
    const docker = await world.docker();
    const reg = await world.registry();
    const base = await world.baseImage(reg);
    const registry = await cliRegistry();
    const history = directoryKeyHistory(tempDir("history"));
    const builder = counting(createDockerBuilder({ adapter: "docker" }, { projectDir: "/", env: { ...process.env, ...docker.env } }));
    const repository: ImageRef = { registry: reg.host, repository: `reuse/hello-${crypto.randomUUID().slice(0, 8)}` };
    const ctx = copyFixture("hello");

    /** What the lead's release score does around ContainerBuilder.build. */
    async function release(version: string) {
      const work = recordingWork();
      const request = helloRequest(ctx, base, { labels: { "org.opencontainers.image.version": version } });
      const key = await computeContentKey(request, { builder: builder.adapter });
      const decision = await decideBuild({ key, repository, registry, history }, work);
      const target = withTag(repository, version);
      if (decision.action === "reuse") return { decision, published: await registry.push(decision.artifact, target, work), work };
      const artifact = await builder.build({ ...request, cacheFrom: decision.cacheFrom }, work);
      const published = await registry.push(artifact, target, work);
      await recordBuild({ key, decision, published, registry, history }, work);
      return { decision, published, work };
    }

    const first = await release("1.0.0");
    expect(first.decision).toMatchObject({ action: "build", reasons: ["no previous build recorded for this image"] });
    expect(builder.builds).toBe(1);

    const second = await release("1.0.1");
    expect(second.decision.action).toBe("reuse");
    expect(builder.builds).toBe(1); // no build
    expect(second.published.ref.digest).toBe(first.published.ref.digest); // the very same image, re-tagged
    expect(second.work.lines.some((l) => l.startsWith("info: content unchanged") && l.includes("instead of building"))).toBe(true);

    writeFileSync(join(ctx, "src", "hello.sh"), "#!/bin/sh\necho changed\n");
    const third = await release("1.0.2");
    expect(third.decision).toMatchObject({ action: "build", reasons: ["src/hello.sh changed"] });
    expect(third.decision.action === "build" && third.decision.cacheFrom.map(formatImageRef)).toEqual([
      formatImageRef(withTag(repository, first.decision.action === "build" ? first.decision.cacheRef.tag! : "")),
    ]);
    expect(builder.builds).toBe(2);
    expect(third.published.ref.digest).not.toBe(first.published.ref.digest);
  }, SLOW);
});
