// The zero-infrastructure registry: images written as OCI image layouts on disk, one per app,
// that skopeo reads (`oci:<dir>:<tag>`) and copies into a real registry with the digest unchanged.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOciLayoutRegistry } from "../../../topologies/adapters/oci-registry/oci-layout.ts";
import { runOk, world } from "../../world/index.ts";
import { adapterEnv, dockerPull, fixtureImage, recordingWork, skopeoInspect, SLOW } from "./helpers.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo");

describe("oci-layout registry", () => {
  test.skipIf(!parts())(
    "an image from the Docker daemon lands in <path>/<app>, readable by skopeo under its tag",
    async () => {
      const env = await adapterEnv();
      const layouts = createOciLayoutRegistry({ adapter: "oci-layout", path: ".harmony/images" }, env);
      const target = { ...layouts.repositoryFor("fleet-operator"), tag: "1.4.0_build.1" };
      expect(target).toMatchObject({ registry: "localhost", repository: "fleet-operator" });
      const work = recordingWork();
      const published = await layouts.push({ kind: "daemon", imageId: await fixtureImage() }, target, work);
      const dir = join(env.projectDir, ".harmony/images/fleet-operator");

      expect(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
      expect((await skopeoInspect(`oci:${dir}:1.4.0_build.1`)).Digest).toBe(published.ref.digest);
      expect(await layouts.resolve(target, work)).toBe(published.ref.digest);
      expect(await layouts.resolve({ ...target, tag: "other" }, work)).toBeUndefined();

      // a second tag of the same image adds an index entry and no blob
      const before = layouts.stats.blobBytesUploaded;
      await layouts.push({ kind: "daemon", imageId: await fixtureImage() }, { ...target, tag: "latest" }, recordingWork());
      expect(layouts.stats.blobBytesUploaded).toBe(before);
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: { annotations: Record<string, string> }[] };
      expect(index.manifests.map((m) => m.annotations["org.opencontainers.image.ref.name"]).sort()).toEqual(["1.4.0_build.1", "latest"]);

      // what the layout holds is a real image: skopeo copies it to a registry, docker pulls it, digest unchanged
      const reg = await world.registry();
      const { env: cenv, skopeoArgs } = world.containersEnv();
      await runOk([world.tool("skopeo"), ...skopeoArgs, "copy", `oci:${dir}:1.4.0_build.1`, `docker://${reg.host}/from-layout/fleet:1`], { env: cenv });
      expect(await dockerPull(`${reg.host}/from-layout/fleet:1`)).toBe(published.ref.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "an image docker pushed to a registry is copied in with OCI media types, which layout readers need",
    async () => {
      const reg = await world.registry();
      const base = await world.baseImage(reg); // pushed by `docker push`: a Docker schema 2 manifest
      const inRegistry = await skopeoInspect(`docker://${base}`);
      const env = await adapterEnv();
      const layouts = createOciLayoutRegistry({ adapter: "oci-layout", path: join(env.projectDir, "images") }, env);
      const [registry, ...path] = base.split("/");
      const repository = path.join("/").split(":")[0]!;
      const artifact = { kind: "registry", ref: { registry: registry!, repository }, digest: inRegistry.Digest } as const;
      const published = await layouts.push(artifact, { ...layouts.repositoryFor("base"), tag: "1" }, recordingWork());

      const ours = await skopeoInspect(`oci:${join(env.projectDir, "images", "base")}:1`);
      expect(ours.Digest).toBe(published.ref.digest);
      expect(published.ref.digest).not.toBe(inRegistry.Digest); // the manifest was retyped...
      expect(ours.Layers).toEqual(inRegistry.Layers); // ...its blobs are the same bytes
      const raw = JSON.parse(readFileSync(join(env.projectDir, "images", "base", "blobs", "sha256", published.ref.digest.slice(7)), "utf8"));
      expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    },
    SLOW,
  );
});
