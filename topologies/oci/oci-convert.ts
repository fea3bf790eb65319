/**
 * Docker schema 2 manifests rewritten with OCI media types, for destinations that only know OCI:
 * an OCI image layout read by skopeo/containers-image ignores index entries of Docker types. Blobs
 * are untouched (same bytes, same digests); the manifests get new digests, as `skopeo copy
 * docker://… oci:…` gives them.
 */
import type { WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { sha256 } from "./digest.ts";
import type { ImageSink, ImageSource } from "./image-copy.ts";
import { MEDIA, type Descriptor } from "./media-types.ts";

const TO_OCI: Readonly<Record<string, string>> = {
  [MEDIA.dockerManifest]: MEDIA.ociManifest,
  [MEDIA.dockerManifestList]: MEDIA.ociIndex,
  [MEDIA.dockerConfig]: MEDIA.ociConfig,
  [MEDIA.dockerLayer]: MEDIA.ociLayer,
  [MEDIA.dockerLayerGzip]: MEDIA.ociLayerGzip,
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
};

type Json = { mediaType?: string; config?: Json; layers?: Json[]; manifests?: Json[]; digest?: string; size?: number };

const retype = (d: Json): Json => (d.mediaType && TO_OCI[d.mediaType] ? { ...d, mediaType: TO_OCI[d.mediaType] } : d);

export function ociSource(source: ImageSource): ImageSource {
  const converted = new Map<string, ManifestBytes>();

  const convert = async (m: ManifestBytes, work: WorkContext): Promise<ManifestBytes> => {
    if (!TO_OCI[m.mediaType]) return m;
    const doc = JSON.parse(new TextDecoder().decode(m.bytes)) as Json;
    let out: Json;
    if (doc.manifests) {
      const children = await Promise.all(
        doc.manifests.map(async (child) => {
          const bytes = await convert(await source.manifest(child as Descriptor, work), work);
          converted.set(bytes.digest, bytes);
          return { ...child, mediaType: bytes.mediaType, digest: bytes.digest, size: bytes.bytes.byteLength };
        }),
      );
      out = { ...doc, mediaType: MEDIA.ociIndex, manifests: children };
    } else {
      out = { ...doc, mediaType: MEDIA.ociManifest, ...(doc.config ? { config: retype(doc.config) } : {}), layers: (doc.layers ?? []).map(retype) };
    }
    const bytes = new TextEncoder().encode(JSON.stringify(out));
    return { mediaType: out.mediaType!, digest: sha256(bytes), bytes };
  };

  return {
    name: source.name,
    async root(work, has) {
      return convert(await source.root(work, has), work);
    },
    async manifest(descriptor: Descriptor, work: WorkContext) {
      return converted.get(descriptor.digest) ?? source.manifest(descriptor, work);
    },
    blob(descriptor: Descriptor, work: WorkContext): BlobContent {
      return source.blob(descriptor, work);
    },
    ...(source.mountFrom ? { mountFrom: (sink: ImageSink) => source.mountFrom!(sink) } : {}),
  };
}
