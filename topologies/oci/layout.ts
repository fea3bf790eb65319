/**
 * OCI image layouts (image-spec `image-layout.md`): `oci-layout`, `index.json` and
 * `blobs/sha256/<hex>`. A layout is read as a source (a builder wrote it) or written as a sink (the
 * zero-infrastructure registry). Tags are `org.opencontainers.image.ref.name` annotations in
 * index.json, which is what `skopeo inspect oci:DIR:TAG` looks up.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { digestHex, readRange, sha256 } from "./digest.ts";
import type { ImageSink, ImageSource } from "./image-copy.ts";
import { MEDIA, manifestMediaType, type Descriptor, type ImageIndex } from "./media-types.ts";

export const REF_NAME = "org.opencontainers.image.ref.name";

function blobPath(dir: string, digest: string): string {
  return join(dir, "blobs", "sha256", digestHex(digest));
}

function readIndex(dir: string): ImageIndex {
  const path = join(dir, "index.json");
  if (!existsSync(path)) return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ImageIndex;
  } catch (cause) {
    throw new HarmonyError("failed", `${path} is not a valid OCI index`, { cause });
  }
}

/** The digest a tag names in the layout at `dir`, or undefined. */
export function layoutTag(dir: string, tag: string): Descriptor | undefined {
  return readIndex(dir).manifests.find((d) => d.annotations?.[REF_NAME] === tag);
}

/** Writes `path` so that readers see the old or the new file, never half of one. */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export class LayoutSource implements ImageSource {
  readonly name: string;

  constructor(
    readonly dir: string,
    readonly digest: string,
  ) {
    this.name = `oci-layout:${dir}@${digest}`;
    if (!existsSync(join(dir, "oci-layout"))) throw new HarmonyError("failed", `${dir} is not an OCI image layout (no oci-layout file)`);
  }

  async root(): Promise<ManifestBytes> {
    const listed = readIndex(this.dir).manifests.find((d) => d.digest === this.digest);
    return this.manifest(listed ?? { mediaType: "", digest: this.digest, size: 0 });
  }

  async manifest(descriptor: Descriptor): Promise<ManifestBytes> {
    const path = blobPath(this.dir, descriptor.digest);
    if (!existsSync(path)) throw new HarmonyError("failed", `${this.name}: manifest ${descriptor.digest} is missing from the layout`);
    const bytes = readFileSync(path);
    if (sha256(bytes) !== descriptor.digest) throw new HarmonyError("failed", `${path} does not match its digest: the layout is corrupt`);
    const mediaType = descriptor.mediaType || manifestMediaType(JSON.parse(bytes.toString("utf8")) as { mediaType?: string });
    return { mediaType, digest: descriptor.digest, bytes };
  }

  blob(descriptor: Descriptor): BlobContent {
    const path = blobPath(this.dir, descriptor.digest);
    const size = existsSync(path) ? statSync(path).size : -1;
    if (size !== descriptor.size) throw new HarmonyError("failed", `${this.name}: blob ${descriptor.digest} is ${size < 0 ? "missing" : `${size} bytes, expected ${descriptor.size}`}`);
    return { kind: "file", range: { path, offset: 0, length: size } };
  }
}

export class LayoutSink implements ImageSink {
  readonly name: string;

  constructor(readonly dir: string) {
    this.name = `oci-layout:${dir}`;
  }

  private ensureLayout(): void {
    mkdirSync(join(this.dir, "blobs", "sha256"), { recursive: true });
    const marker = join(this.dir, "oci-layout");
    if (!existsSync(marker)) writeAtomically(marker, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  }

  async hasBlob(digest: string): Promise<boolean> {
    // Blobs are renamed into place only after verification, so existing means complete.
    return existsSync(blobPath(this.dir, digest));
  }

  async writeBlob(blob: Descriptor, content: BlobContent, _mountFrom: string | undefined, onBytes: (n: number) => void, work: WorkContext): Promise<"uploaded"> {
    this.ensureLayout();
    const final = blobPath(this.dir, blob.digest);
    const tmp = `${final}.tmp-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const source = content.kind === "file" ? readRange(content.range, content.verified ? undefined : blob.digest).stream : await content.open(work);
    const counted = source.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => (onBytes(chunk.byteLength), c.enqueue(chunk)) }));
    try {
      await Bun.write(tmp, new Response(counted));
      renameSync(tmp, final);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    return "uploaded";
  }

  async putManifest(reference: string, manifest: ManifestBytes): Promise<void> {
    this.ensureLayout();
    const path = blobPath(this.dir, manifest.digest);
    if (!existsSync(path)) writeAtomically(path, manifest.bytes);
    if (reference.startsWith("sha256:")) return;
    const index = readIndex(this.dir);
    const others = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== reference);
    const entry: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.byteLength, annotations: { [REF_NAME]: reference } };
    writeAtomically(join(this.dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [...others, entry] }));
  }
}
