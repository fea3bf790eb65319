/**
 * Resolves the base image of a files-on-base build: its manifest for our platform (picking from an
 * index when the base is multi-platform) and its config. Docker schema 2 and OCI manifests are
 * both accepted; the image we write is OCI, with the base's layer blobs re-described under OCI
 * media types (same bytes, same digests).
 */
import { formatImageRef, HarmonyError, type ImageRef, type WorkContext } from "../../../../capabilities/index.ts";
import type { BlobSource, ManifestBytes } from "./blob-source.ts";
import type { ConfigJson } from "./image-config.ts";
import type { Descriptor } from "./layout-writer.ts";

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];
const LAYER_TYPES: Record<string, string> = {
  "application/vnd.oci.image.layer.v1.tar+gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar": "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
};

export interface BaseImage {
  readonly ref: ImageRef;
  /** Digest of the manifest used (the platform's, when the base is an index). */
  readonly digest: string;
  readonly config: ConfigJson;
  /** The base's layers under OCI media types. */
  readonly layers: readonly Descriptor[];
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return { os: "linux", architecture: arch[process.arch] ?? process.arch };
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split("/");
  if (!os || !architecture) throw new HarmonyError("config", `platform "${text}" is not os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `FROM scratch`, as docker spells it: no base at all, only the layers the build adds. */
export function isScratch(ref: ImageRef): boolean {
  return ref.registry === "docker.io" && ref.repository === "library/scratch" && ref.digest === undefined && (ref.tag === undefined || ref.tag === "latest");
}

/** The empty base: nothing to fetch, so a files-only image needs no registry at all. */
export function scratchBase(ref: ImageRef, platform: Platform): BaseImage {
  const config: ConfigJson = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: "layers", diff_ids: [] },
  };
  return { ref, digest: "scratch", config, layers: [] };
}

export async function resolveBase(source: BlobSource, ref: ImageRef, platform: Platform, work: WorkContext): Promise<BaseImage> {
  const name = formatImageRef(ref);
  let manifest = await fetchManifest(source, ref, ref.digest ?? ref.tag ?? "latest", work);
  if (INDEX_TYPES.includes(manifest.mediaType)) {
    const index = parse<{ manifests: (Descriptor & { platform?: Platform })[] }>(manifest);
    const match = index.manifests.find((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture && (platform.variant === undefined || m.platform.variant === platform.variant));
    if (match === undefined) {
      const have = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : "?")).join(", ");
      throw new HarmonyError("failed", `base image ${name} has no ${platform.os}/${platform.architecture} image (it has: ${have})`);
    }
    manifest = await fetchManifest(source, ref, match.digest, work);
  }
  const parsed = parse<{ config: Descriptor; layers: Descriptor[] }>(manifest);
  const configBytes = await readAll(await source.fetchBlob(ref.repository, parsed.config.digest, work));
  const configDigest = `sha256:${new Bun.CryptoHasher("sha256").update(configBytes).digest("hex")}`;
  if (configDigest !== parsed.config.digest) throw new HarmonyError("failed", `base image ${name}: config arrived as ${configDigest}, expected ${parsed.config.digest}`);
  const config = JSON.parse(new TextDecoder().decode(configBytes)) as ConfigJson;
  const layers = parsed.layers.map((layer) => {
    const mediaType = LAYER_TYPES[layer.mediaType];
    if (mediaType === undefined) throw new HarmonyError("failed", `base image ${name}: layer type ${layer.mediaType} is not supported`);
    return { mediaType, digest: layer.digest, size: layer.size };
  });
  if (config.os !== undefined && config.os !== platform.os) {
    throw new HarmonyError("failed", `base image ${name} is for ${config.os}/${config.architecture ?? "?"}, not ${platform.os}/${platform.architecture}`);
  }
  return { ref, digest: manifest.digest, config, layers };
}

async function fetchManifest(source: BlobSource, ref: ImageRef, reference: string, work: WorkContext): Promise<ManifestBytes> {
  const found = await source.getManifest(ref.repository, reference, work);
  if (found === undefined) {
    throw new HarmonyError("failed", `base image ${formatImageRef(ref)} not found (${reference})`, { hint: "push the base image first, or fix `base` in harmony.yaml" });
  }
  return found;
}

function parse<T>(m: ManifestBytes): T {
  return JSON.parse(new TextDecoder().decode(m.bytes)) as T;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
