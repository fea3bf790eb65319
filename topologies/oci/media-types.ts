/**
 * The OCI image-spec and Docker schema 2 document shapes this client reads and writes, and the
 * media types that tell them apart.
 */

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  helmConfig: "application/vnd.cncf.helm.config.v1+json",
  helmChart: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
} as const;

/** Every manifest kind we accept from a registry, best first (sent as Accept). */
export const MANIFEST_MEDIA_TYPES = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerManifestList, MEDIA.dockerManifest] as const;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly architecture: string; readonly os: string; readonly variant?: string };
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerManifestList;
}

export function isManifestMediaType(mediaType: string): boolean {
  return (MANIFEST_MEDIA_TYPES as readonly string[]).includes(mediaType);
}

/**
 * The media type a manifest document declares; OCI allows omitting it, then the shape decides
 * (an index has `manifests`, an image manifest has `config`).
 */
export function manifestMediaType(document: { mediaType?: string; manifests?: unknown }): string {
  if (document.mediaType) return document.mediaType;
  return document.manifests === undefined ? MEDIA.ociManifest : MEDIA.ociIndex;
}

/** The blobs an image manifest names (config first), or the child manifests an index names. */
export function referencedBlobs(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
