/**
 * An image exported by `docker save` (both the classic layout and the OCI layout Docker 25+
 * writes; both list their files in manifest.json) as a source for copyImage. Layers are read in
 * place inside the archive. The pushed manifest is an OCI image manifest built from the image's
 * config and layers, so the same image always yields the same digest.
 */
import { join } from "node:path";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { digestHex, sha256, type FileRange } from "./digest.ts";
import type { ImageSource } from "./image-copy.ts";
import { cachedCompression, gzipLayer } from "./layer-gzip.ts";
import { MEDIA, type Descriptor } from "./media-types.ts";
import { indexTar, memberRange } from "./tar-index.ts";

export type LayerCompression = "gzip" | "none";

export interface DockerArchiveOptions {
  readonly compression: LayerCompression;
  /** Where compressed layers are written while the push runs (removed by the caller). */
  readonly scratchDir: string;
  /** Remembers compressed digests across runs; undefined disables it. */
  readonly cacheDir?: string;
}

interface ArchiveEntry {
  Config: string;
  Layers: string[];
}

const COMPRESS_CONCURRENCY = 2;

export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  private readonly content = new Map<string, FileRange>();

  private constructor(
    private readonly archive: string,
    private readonly config: { readonly range: FileRange; readonly bytes: Uint8Array; readonly diffIds: readonly string[] },
    private readonly layers: readonly FileRange[],
    private readonly options: DockerArchiveOptions,
  ) {
    this.name = `docker image ${sha256(config.bytes)}`;
  }

  static async open(archive: string, options: DockerArchiveOptions): Promise<DockerArchiveSource> {
    const members = await indexTar(archive);
    const read = async (range: FileRange) => new Uint8Array(await Bun.file(range.path).slice(range.offset, range.offset + range.length).arrayBuffer());
    const entries = JSON.parse(new TextDecoder().decode(await read(memberRange(archive, members, "manifest.json")))) as ArchiveEntry[];
    const entry = entries[0];
    if (!entry) throw new HarmonyError("failed", `${archive}: manifest.json lists no image`);
    const configRange = memberRange(archive, members, entry.Config);
    const configBytes = await read(configRange);
    const config = JSON.parse(new TextDecoder().decode(configBytes)) as { rootfs?: { diff_ids?: string[] } };
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== entry.Layers.length) {
      throw new HarmonyError("failed", `${archive}: the image config names ${diffIds.length} layers, manifest.json ${entry.Layers.length}`);
    }
    const layers = entry.Layers.map((name) => memberRange(archive, members, name));
    return new DockerArchiveSource(archive, { range: configRange, bytes: configBytes, diffIds }, layers, options);
  }

  async root(work: WorkContext, has: (digest: string) => Promise<boolean>): Promise<ManifestBytes> {
    const configDigest = sha256(this.config.bytes);
    this.content.set(configDigest, this.config.range);
    const layers: Descriptor[] = new Array(this.layers.length);
    let next = 0;
    const worker = async () => {
      while (next < this.layers.length) {
        const i = next++;
        layers[i] = await this.layer(i, has, work);
      }
    };
    await Promise.all(Array.from({ length: Math.min(COMPRESS_CONCURRENCY, this.layers.length) }, worker));
    // Key order as Go's image-spec types marshal, so the bytes match what other OCI tools write.
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: this.config.bytes.byteLength },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    return { mediaType: MEDIA.ociManifest, digest: sha256(bytes), bytes };
  }

  private async layer(i: number, has: (digest: string) => Promise<boolean>, work: WorkContext): Promise<Descriptor> {
    const range = this.layers[i]!;
    const diffId = this.config.diffIds[i]!;
    if (this.options.compression === "none") {
      this.content.set(diffId, range);
      return { mediaType: MEDIA.ociLayer, digest: diffId, size: range.length };
    }
    const cached = cachedCompression(this.options.cacheDir, diffId);
    if (cached && (await has(cached.digest))) return { mediaType: MEDIA.ociLayerGzip, ...cached };
    const out = join(this.options.scratchDir, `${digestHex(diffId)}.gz`);
    work.reporter.debug(`compressing layer ${diffId} (${range.length} bytes)`);
    const compressed = await gzipLayer(range, diffId, out, this.options.cacheDir, work);
    this.content.set(compressed.digest, { path: out, offset: 0, length: compressed.size });
    return { mediaType: MEDIA.ociLayerGzip, ...compressed };
  }

  async manifest(descriptor: Descriptor): Promise<ManifestBytes> {
    throw new HarmonyError("failed", `${this.archive}: a docker archive holds one manifest, not ${descriptor.digest}`);
  }

  blob(descriptor: Descriptor): BlobContent {
    const range = this.content.get(descriptor.digest);
    if (!range) throw new HarmonyError("failed", `${this.name}: no content for blob ${descriptor.digest}`);
    return { kind: "file", range };
  }
}
