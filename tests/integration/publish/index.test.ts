// A multi-platform image (an OCI index written by buildah into a layout) is pushed as it is:
// every manifest the index names goes up (by digest) before the index takes the tag, and the
// registry serves the index with the layout's digest; each platform resolves to its own image.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { sha256 } from "../../../topologies/oci/digest.ts";
import { MEDIA } from "../../../topologies/oci/media-types.ts";
import { runOk, world } from "../../world/index.ts";
import { adapterEnv, dockerPull, fixtureImage, recordingWork, scratch, skopeoInspect, SLOW } from "./helpers.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo") && world.available("buildah");

describe("image indexes", () => {
  test.skipIf(!parts())(
    "an OCI layout holding an index for two platforms is pushed whole, index last",
    async () => {
      const reg = await world.registry();
      const base = await world.baseImage(reg);
      const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/index` }, await adapterEnv());
      const app = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, { ...registry.repositoryFor("app"), tag: "1" }, recordingWork());

      // buildah, another builder, writes the index: base as linux/amd64, the app as linux/arm64
      const b = world.buildah();
      const list = `harmony-index-${crypto.randomUUID().slice(0, 8)}`;
      const buildah = (args: string[]) => runOk([b.bin, ...b.args, ...args], { env: b.env });
      await buildah(["manifest", "create", list]);
      await buildah(["manifest", "add", "--tls-verify=false", list, `docker://${base}`]);
      await buildah(["manifest", "add", "--tls-verify=false", "--arch", "arm64", "--os", "linux", list, `docker://${app.ref.registry}/${app.ref.repository}:1`]);
      const layout = join(scratch("index"), "layout");
      await buildah(["manifest", "push", "--all", list, `oci:${layout}:multi`]);
      await buildah(["manifest", "rm", list]);
      const digest = (JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: { digest: string }[] }).manifests[0]!.digest;

      const work = recordingWork();
      const target = { ...registry.repositoryFor("multi"), tag: "1" };
      const published = await registry.push({ kind: "oci-layout", path: layout, digest }, target, work);
      expect(published.ref.digest).toBe(digest);

      const { env, skopeoArgs } = world.containersEnv();
      const raw = (await runOk([world.tool("skopeo"), ...skopeoArgs, "inspect", "--raw", `docker://${reg.host}/index/multi:1`], { env })).stdout;
      expect(sha256(raw)).toBe(digest);
      const index = JSON.parse(raw) as { mediaType: string; manifests: { platform: { architecture: string } }[] };
      expect(index.mediaType).toBe(MEDIA.ociIndex);
      expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(["amd64", "arm64"]);
      // each platform is complete in the registry
      const arm = await skopeoInspect(`docker://${reg.host}/index/multi:1`, ["--override-arch", "arm64"]);
      expect(arm.Layers).toEqual((await skopeoInspect(`docker://${app.ref.registry}/${app.ref.repository}:1`)).Layers);
      expect(await dockerPull(`${reg.host}/index/multi:1`)).toBe(digest);
      // the manifests went up before the index that names them
      const puts = work.lines.filter((l) => /^debug: PUT .*\/manifests\//.test(l));
      expect(puts).toHaveLength(3);
      expect(puts.at(-1)).toContain("/manifests/1 →");
    },
    SLOW,
  );
});
