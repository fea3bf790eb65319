// An image built by the real Docker engine, pushed by harmony's own client (docker save, then
// native uploads), must be what docker and skopeo expect: pulled and run by docker, inspected by
// skopeo, the digest the same everywhere; pushing it again must send no blob bytes.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { MEDIA } from "../../../topologies/oci/media-types.ts";
import { runOk, world } from "../../world/index.ts";
import { adapterEnv, dockerPull, fixtureImage, recordingWork, scratch, skopeoInspect, skopeoRawManifest, SLOW } from "./helpers.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo");

async function registryAdapter(path: string, compression?: "gzip" | "none", extraEnv: Record<string, string> = {}) {
  const reg = await world.registry();
  return createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/${path}`, ...(compression ? { compression } : {}) }, await adapterEnv(extraEnv));
}

describe("pushing an image from the Docker daemon", () => {
  test.skipIf(!parts())(
    "docker pulls and runs it, skopeo inspects it, and both report harmony's digest",
    async () => {
      const imageId = await fixtureImage();
      const registry = await registryAdapter("publish");
      const work = recordingWork();
      const target = { ...registry.repositoryFor("app"), tag: "1.0.0" };
      const published = await registry.push({ kind: "daemon", imageId }, target, work);
      const ref = `${target.registry}/${target.repository}:1.0.0`;

      expect(published.ref).toMatchObject({ registry: target.registry, repository: "publish/app", tag: "1.0.0" });
      expect(await dockerPull(ref)).toBe(published.ref.digest);
      const docker = await world.docker();
      const ran = await runOk([docker.bin, "run", "--rm", "--network=none", "-e", "MESSAGE=pulled", ref], { env: docker.env });
      expect(ran.stdout.trim()).toBe("harmony world app: pulled (built by a RUN step)");
      // the image docker pulled is the image docker built: same config, same ID
      const pulledId = (await runOk([docker.bin, "image", "inspect", "--format", "{{.Id}}", ref], { env: docker.env })).stdout.trim();
      expect(pulledId).toBe(imageId);

      const inspected = await skopeoInspect(`docker://${ref}`);
      expect(inspected.Digest).toBe(published.ref.digest);
      expect(inspected.RepoTags).toContain("1.0.0");
      const raw = await skopeoRawManifest(`docker://${ref}`);
      expect(raw.mediaType).toBe(MEDIA.ociManifest);
      expect(raw.layers.every((l) => l.mediaType === MEDIA.ociLayerGzip)).toBe(true);

      expect(await registry.resolve(target, work)).toBe(published.ref.digest);
      expect(await registry.resolve({ ...target, tag: "absent" }, work)).toBeUndefined();
      // a plain line per layer, with its outcome
      expect(work.lines.filter((l) => /^info: {3}\[\d+\] [0-9a-f]{12} .*: uploaded$/.test(l)).length).toBe(raw.layers.length + 1);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "re-pushing unchanged content uploads 0 blob bytes and yields the same digest, even without the layer cache",
    async () => {
      const imageId = await fixtureImage();
      const first = await registryAdapter("repush");
      const target = { ...first.repositoryFor("app"), tag: "1.0.0" };
      const published = await first.push({ kind: "daemon", imageId }, target, recordingWork());
      expect(first.stats.blobBytesUploaded).toBeGreaterThan(0);

      // same adapter, layer cache warm: nothing is compressed again, nothing sent
      const again = await first.push({ kind: "daemon", imageId }, target, recordingWork());
      expect(again.ref.digest).toBe(published.ref.digest);
      expect(first.stats.blobsPresent).toBe(first.stats.blobsUploaded);

      // a fresh adapter with an empty cache (another machine): compression is deterministic
      const fresh = await registryAdapter("repush");
      const work = recordingWork();
      const third = await fresh.push({ kind: "daemon", imageId }, { ...target, tag: "1.0.1" }, work);
      expect(third.ref.digest).toBe(published.ref.digest);
      expect(fresh.stats).toMatchObject({ blobBytesUploaded: 0, blobsUploaded: 0, blobsMounted: 0, manifestsPut: 1 });
      expect(fresh.stats.blobsPresent).toBeGreaterThan(1);
      expect(work.lines.some((l) => l.includes("already present"))).toBe(true);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "with compression: none the layers go up as docker saved them, and docker still pulls them",
    async () => {
      const imageId = await fixtureImage();
      const registry = await registryAdapter("uncompressed", "none");
      const target = { ...registry.repositoryFor("app"), tag: "1.0.0" };
      const published = await registry.push({ kind: "daemon", imageId }, target, recordingWork());
      const ref = `${target.registry}/${target.repository}:1.0.0`;
      const raw = await skopeoRawManifest(`docker://${ref}`);
      expect(raw.layers.every((l) => l.mediaType === MEDIA.ociLayer)).toBe(true);
      // uncompressed layer digests are the image's diff IDs
      const docker = await world.docker();
      const diffIds = JSON.parse((await runOk([docker.bin, "image", "inspect", "--format", "{{json .RootFS.Layers}}", imageId], { env: docker.env })).stdout) as string[];
      expect((await skopeoInspect(`docker://${ref}`)).Layers).toEqual(diffIds);
      expect(await dockerPull(ref)).toBe(published.ref.digest);
    },
    SLOW,
  );
});

describe("pushing images other builders left elsewhere", () => {
  test.skipIf(!parts())(
    "an OCI layout written by skopeo is pushed as it is: same manifest digest",
    async () => {
      const imageId = await fixtureImage();
      const registry = await registryAdapter("from-layout");
      const seeded = await registry.push({ kind: "daemon", imageId }, { ...registry.repositoryFor("seed"), tag: "1" }, recordingWork());
      const layout = join(scratch("layout"), "app");
      const { env, skopeoArgs } = world.containersEnv();
      await runOk([world.tool("skopeo"), ...skopeoArgs, "copy", `docker://${seeded.ref.registry}/${seeded.ref.repository}:1`, `oci:${layout}:v1`], { env });
      const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: { digest: string }[] };
      const digest = index.manifests[0]!.digest;

      const target = { ...registry.repositoryFor("app"), tag: "2.0.0" };
      const published = await registry.push({ kind: "oci-layout", path: layout, digest }, target, recordingWork());
      expect(published.ref.digest).toBe(digest);
      expect((await skopeoInspect(`docker://${target.registry}/${target.repository}:2.0.0`)).Digest).toBe(digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "an image already in the registry is copied by cross-repository mounts: no blob bytes move",
    async () => {
      const imageId = await fixtureImage();
      const registry = await registryAdapter("mounts");
      const source = await registry.push({ kind: "daemon", imageId }, { ...registry.repositoryFor("source"), tag: "1" }, recordingWork());
      const before = { ...registry.stats };
      const target = { ...registry.repositoryFor("copy"), tag: "1" };
      const work = recordingWork();
      const copied = await registry.push({ kind: "registry", ref: source.ref, digest: source.ref.digest }, target, work);
      expect(copied.ref.digest).toBe(source.ref.digest);
      expect(registry.stats.blobBytesUploaded).toBe(before.blobBytesUploaded);
      expect(registry.stats.blobsMounted - before.blobsMounted).toBeGreaterThan(1);
      expect(work.lines.some((l) => l.endsWith("mounted from mounts/source"))).toBe(true);
      expect(await dockerPull(`${target.registry}/${target.repository}:1`)).toBe(source.ref.digest);
    },
    SLOW,
  );
});
