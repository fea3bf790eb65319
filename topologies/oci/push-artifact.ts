/**
 * Pushes whatever a ContainerBuilder handed over, the same way for every kind: an image in a
 * Docker daemon is exported (`docker save`) and pushed natively, so dedupe and progress are ours;
 * an OCI layout is read in place; an image already in a registry is mounted or streamed across.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageArtifact, WorkContext } from "../../capabilities/index.ts";
import type { ManifestBytes, RegistryClient } from "./client.ts";
import { DaemonImageSource, type LayerCompression } from "./docker-export.ts";
import { copyImage, type ImageSink, type ImageSource } from "./image-copy.ts";
import { layerCacheDir } from "./layer-gzip.ts";
import { LayoutSource } from "./layout.ts";
import { ociSource } from "./oci-convert.ts";
import type { TransferStats } from "./progress.ts";
import { RegistrySource } from "./registry-image.ts";

export interface PushContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stats: TransferStats;
  readonly compression: LayerCompression;
  /** Client for the registry a `registry` artifact is in. */
  clientFor(host: string): RegistryClient;
  /** Rewrite Docker-typed manifests with OCI media types (an OCI layout destination needs it). */
  readonly ociOnly?: boolean;
}

export async function pushArtifact(artifact: ImageArtifact, sink: ImageSink, tag: string, context: PushContext, work: WorkContext): Promise<ManifestBytes> {
  const copy = (source: ImageSource) => copyImage(context.ociOnly ? ociSource(source) : source, sink, tag, context.stats, work);
  switch (artifact.kind) {
    case "oci-layout":
      return copy(new LayoutSource(artifact.path, artifact.digest));
    case "registry":
      return copy(new RegistrySource(context.clientFor(artifact.ref.registry), artifact.ref.repository, artifact.digest));
    case "daemon": {
      // Scratch space for the exported layers: as large as the image, gone afterwards, also when
      // the process exits mid-push (a CLI exiting on a signal does not unwind this function).
      const scratchDir = mkdtempSync(join(context.env.TMPDIR || tmpdir(), "harmony-push-"));
      const remove = () => rmSync(scratchDir, { recursive: true, force: true });
      process.once("exit", remove);
      try {
        return await copy(new DaemonImageSource(artifact.imageId, { compression: context.compression, scratchDir, cacheDir: layerCacheDir(context.env), env: context.env }));
      } finally {
        process.off("exit", remove);
        remove();
      }
    }
  }
}
