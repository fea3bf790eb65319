/**
 * Writes an OCI image layout (image-spec image-layout.md): `oci-layout`, `blobs/sha256/<hex>` and an
 * `index.json` naming the image under a tag (`org.opencontainers.image.ref.name`), which is what
 * `skopeo copy oci:DIR:TAG …` and the OciRegistry adapters read. Blobs are written under a temp
 * name and renamed into place, so a blob file that exists is always complete.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, type WorkContext } from "../../../../capabilities/index.ts";

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export class LayoutWriter {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  }

  blobPath(digest: string): string {
    return join(this.dir, "blobs", ...digest.split(":"));
  }

  has(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** A JSON document (config, manifest) as a blob; its bytes are exactly what is hashed. */
  writeJson(mediaType: string, value: unknown): Descriptor {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const digest = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
    this.place(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Copies a blob from a stream, checking it has the digest and size it claims. */
  async copyBlob(descriptor: Descriptor, stream: ReadableStream<Uint8Array>, work: WorkContext): Promise<void> {
    if (this.has(descriptor.digest)) {
      await stream.cancel();
      return;
    }
    const hasher = new Bun.CryptoHasher("sha256");
    const tmp = `${this.blobPath(descriptor.digest)}.partial`;
    const sink = Bun.file(tmp).writer();
    let size = 0;
    for await (const chunk of stream) {
      if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted while copying the base image");
      hasher.update(chunk);
      size += chunk.length;
      sink.write(chunk);
    }
    await sink.end();
    const digest = `sha256:${hasher.digest("hex")}`;
    if (digest !== descriptor.digest || size !== descriptor.size) {
      throw new HarmonyError("failed", `base image blob ${descriptor.digest} arrived as ${digest} (${size} bytes, expected ${descriptor.size})`);
    }
    renameSync(tmp, this.blobPath(descriptor.digest));
  }

  /** The layout's index: this one manifest, tagged. */
  writeIndex(manifest: Descriptor, tag: string): void {
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }],
    };
    const path = join(this.dir, "index.json");
    writeFileSync(`${path}.partial`, JSON.stringify(index));
    renameSync(`${path}.partial`, path);
  }

  private place(digest: string, bytes: Uint8Array): void {
    const path = this.blobPath(digest);
    if (existsSync(path)) return;
    writeFileSync(`${path}.partial`, bytes);
    renameSync(`${path}.partial`, path);
  }
}
