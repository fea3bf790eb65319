/**
 * Where the daemonless builder reads its base image from. Deliberately the two calls it needs and
 * no more, shaped like the registry client's `getManifest`/`fetchBlob` (topologies/oci/client.ts)
 * so that client satisfies it as is; this module adds a reader of OCI layouts on disk, which a
 * local topology (and the tests) use as a base-image source without any registry.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, type WorkContext } from "../../../../capabilities/index.ts";

export interface ManifestBytes {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Uint8Array;
}

export interface BlobSource {
  /** The manifest or index `reference` (tag or digest) names in `repository`, or undefined. */
  getManifest(repository: string, reference: string, work: WorkContext): Promise<ManifestBytes | undefined>;
  /** A blob's bytes, streamed; the caller verifies the digest. */
  fetchBlob(repository: string, digest: string, work: WorkContext): Promise<ReadableStream<Uint8Array>>;
}

/** Picks the BlobSource for a base image's registry host. */
export type BlobSourceFor = (registry: string) => BlobSource;

const REF_NAME = "org.opencontainers.image.ref.name";

/**
 * An OCI image layout as a BlobSource: tags are index.json's ref.name annotations, the repository
 * is ignored (a layout holds one). What `skopeo copy docker://… oci:DIR:TAG` writes.
 */
export function layoutBlobSource(dir: string): BlobSource {
  if (!existsSync(join(dir, "oci-layout"))) throw new HarmonyError("failed", `${dir} is not an OCI image layout (no oci-layout file)`);
  const blobPath = (digest: string) => join(dir, "blobs", ...digest.split(":"));
  return {
    getManifest: async (_repository, reference) => {
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: { mediaType: string; digest: string; annotations?: Record<string, string> }[] };
      const found = reference.includes(":")
        ? (index.manifests.find((m) => m.digest === reference) ?? { mediaType: "", digest: reference })
        : index.manifests.find((m) => m.annotations?.[REF_NAME] === reference);
      if (found === undefined || !existsSync(blobPath(found.digest))) return undefined;
      const bytes = readFileSync(blobPath(found.digest));
      const mediaType = found.mediaType || (JSON.parse(bytes.toString("utf8")) as { mediaType?: string }).mediaType || "application/vnd.oci.image.manifest.v1+json";
      return { mediaType, digest: found.digest, bytes };
    },
    fetchBlob: async (_repository, digest) => {
      if (!existsSync(blobPath(digest))) throw new HarmonyError("failed", `blob ${digest} is missing from the OCI layout ${dir}`);
      return Bun.file(blobPath(digest)).stream();
    },
  };
}
