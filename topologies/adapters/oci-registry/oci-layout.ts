/**
 * OciRegistry as OCI image layouts on disk, the zero-infrastructure default of the `local`
 * topology. One layout per app, `<path>/<app>/` (index.json, blobs/sha256/…), each tag an
 * `org.opencontainers.image.ref.name` annotation, so `skopeo inspect oci:<path>/<app>:<tag>` and
 * `skopeo copy oci:<path>/<app>:<tag> docker://…` read it. One layout per app (not one shared)
 * keeps tags unambiguous (a ref.name is just the tag) and lets an app's images be deleted with
 * its directory. References are `localhost/<app>:<tag>`, podman's convention for local images.
 * Docker-typed manifests (an image copied from a registry that docker pushed to) are stored with
 * OCI media types, as skopeo does, since layout readers ignore other types: their digest changes.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { HarmonyError, type ImageArtifact, type ImageRef, type PublishedImage, type WorkContext } from "../../../capabilities/index.ts";
import type { OciRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { clientsByHost, requireTag } from "../../oci/connect.ts";
import { digestHex } from "../../oci/digest.ts";
import { LayoutSink, layoutTag } from "../../oci/layout.ts";
import { newTransferStats } from "../../oci/progress.ts";
import { pushArtifact } from "../../oci/push-artifact.ts";
import type { CountingOciRegistry } from "../../oci/registry-publisher.ts";

export type OciLayoutSettings = Extract<OciRegistryConfig, { adapter: "oci-layout" }>;

export const LOCAL_REGISTRY = "localhost";

export function createOciLayoutRegistry(config: OciLayoutSettings, env: AdapterEnv): CountingOciRegistry {
  const root = isAbsolute(config.path) ? config.path : resolve(env.projectDir, config.path);
  const stats = newTransferStats();
  const context = { env: env.env, stats, compression: config.compression ?? "gzip", clientFor: clientsByHost(env.projectDir, env.env), ociOnly: true };
  const layoutOf = (ref: ImageRef) => {
    if (ref.registry !== LOCAL_REGISTRY) throw new HarmonyError("failed", `the oci-layout registry holds ${LOCAL_REGISTRY}/… images, not ${ref.registry}/${ref.repository}`);
    return join(root, ref.repository);
  };
  return {
    adapter: "oci-layout",
    stats,
    repositoryFor: (app: string): ImageRef => ({ registry: LOCAL_REGISTRY, repository: app }),
    async push(artifact: ImageArtifact, to: ImageRef, work: WorkContext): Promise<PublishedImage> {
      const tag = requireTag(to);
      // A re-tag of an image this store already holds (a build-cache hit) names it as a layout, not a registry.
      const source: ImageArtifact = artifact.kind === "registry" && artifact.ref.registry === LOCAL_REGISTRY ? { kind: "oci-layout", path: layoutOf(artifact.ref), digest: artifact.digest } : artifact;
      const rootManifest = await pushArtifact(source, new LayoutSink(layoutOf(to)), tag, context, work);
      return { ref: { registry: to.registry, repository: to.repository, tag, digest: rootManifest.digest } };
    },
    async resolve(ref: ImageRef): Promise<string | undefined> {
      const dir = layoutOf(ref);
      if (ref.digest !== undefined) return existsSync(join(dir, "blobs", "sha256", digestHex(ref.digest))) ? ref.digest : undefined;
      return layoutTag(dir, ref.tag ?? "latest")?.digest;
    },
  };
}
