/**
 * An image in a Docker daemon as a source for copyImage, read from `docker save` as it streams
 * (classic and Docker 25+ OCI archives alike; both list their files in manifest.json at the end).
 * Each layer is written to scratch space while it is hashed (its digest must be the diff ID the
 * image config names), then compressed in the background while the archive keeps streaming, and
 * handed to the copy as soon as it is ready, so export, compression and upload overlap. The pushed
 * manifest is an OCI image manifest of the image's own config and layers: the same image always
 * yields the same digest.
 */
import { createWriteStream } from "node:fs";
import { join, posix } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { sha256, type FileRange } from "./digest.ts";
import { spawnDockerSave } from "./docker-save.ts";
import type { ImageSource } from "./image-copy.ts";
import { GzipPool } from "./gzip-pool.ts";
import { cachedCompression, gzipLayer } from "./layer-gzip.ts";
import { MEDIA, type Descriptor } from "./media-types.ts";

export type LayerCompression = "gzip" | "none";

export interface DaemonImageOptions {
  readonly compression: LayerCompression;
  /** Where layers are written while the push runs (removed by the caller). */
  readonly scratchDir: string;
  /** Remembers compressed digests across runs; undefined disables it. */
  readonly cacheDir?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface SavedFile {
  readonly range: FileRange;
  readonly digest: string;
}

/** Small members (manifest.json, configs) are kept in memory; anything above this goes to disk. */
const IN_MEMORY_LIMIT = 4 << 20;
/** In a Docker 25+ archive, blobs this large are almost surely layers: compress them early. */
const LIKELY_LAYER = 1 << 20;

const normalize = (name: string) => posix.normalize(name).replace(/^\.\//, "").replace(/\/$/, "");

export class DaemonImageSource implements ImageSource {
  readonly name: string;
  private readonly content = new Map<string, BlobContent>();
  private readonly prepared = new Map<string, Promise<Descriptor>>();
  private written = 0;
  private compressing: Promise<unknown> = Promise.resolve();
  private pool: GzipPool | undefined;

  constructor(
    private readonly imageId: string,
    private readonly options: DaemonImageOptions,
  ) {
    this.name = `docker image ${imageId}`;
  }

  async root(work: WorkContext, has: (digest: string) => Promise<boolean>, ready?: (blob: Descriptor) => void): Promise<ManifestBytes> {
    const files = new Map<string, SavedFile>();
    const small = new Map<string, Uint8Array>();
    const links = new Map<string, string>();
    const save = spawnDockerSave(this.imageId, this.options.env, work);
    try {
      try {
        await this.readArchive(save.stdout, { files, small, links }, has, work, ready);
      } catch (error) {
        await save.done; // a failed docker save explains a truncated archive better than the tar reader
        throw error;
      }
      await save.done;
      return await this.assemble(files, small, links, has, work, ready);
    } finally {
      this.pool?.close();
    }
  }

  private async assemble(
    files: Map<string, SavedFile>,
    small: Map<string, Uint8Array>,
    links: Map<string, string>,
    has: (digest: string) => Promise<boolean>,
    work: WorkContext,
    ready?: (blob: Descriptor) => void,
  ): Promise<ManifestBytes> {
    const resolve = (name: string) => {
      let at = normalize(name);
      for (let hops = 0; links.has(at) && hops < 8; hops++) at = links.get(at)!;
      return at;
    };
    const read = async (name: string): Promise<Uint8Array> => {
      const at = resolve(name);
      const file = files.get(at);
      if (file) return new Uint8Array(await Bun.file(file.range.path).arrayBuffer());
      const bytes = small.get(at);
      if (!bytes) throw new HarmonyError("failed", `docker save of ${this.imageId}: no "${name}" in the archive`);
      return bytes;
    };
    const listed = (JSON.parse(new TextDecoder().decode(await read("manifest.json"))) as { Config: string; Layers: string[] }[])[0];
    if (!listed) throw new HarmonyError("failed", `docker save of ${this.imageId}: manifest.json lists no image`);
    const config = await read(listed.Config);
    const diffIds = (JSON.parse(new TextDecoder().decode(config)) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
    if (diffIds.length !== listed.Layers.length) {
      throw new HarmonyError("failed", `docker save of ${this.imageId}: the config names ${diffIds.length} layers, manifest.json ${listed.Layers.length}`);
    }
    const layers = await Promise.all(
      listed.Layers.map((layerName, i) => {
        const file = files.get(resolve(layerName));
        if (!file) throw new HarmonyError("failed", `docker save of ${this.imageId}: layer "${layerName}" is missing from the archive`);
        if (file.digest !== diffIds[i]) {
          throw new HarmonyError("failed", `docker save of ${this.imageId}: layer ${i + 1} hashes to ${file.digest}, the image config says ${diffIds[i]}`);
        }
        return this.prepare(file, has, work, ready);
      }),
    );
    const configFile = files.get(resolve(listed.Config));
    const configDigest = sha256(config);
    // An image ID is its config's digest: anything else means the daemon exported another image.
    if (this.imageId.startsWith("sha256:") && configDigest !== this.imageId) {
      throw new HarmonyError("failed", `docker save of ${this.imageId} produced image ${configDigest}`);
    }
    this.content.set(configDigest, configFile ? { kind: "file", range: configFile.range, verified: true } : { kind: "stream", open: async () => new Response(config).body! });
    // Key order as Go's image-spec types marshal, so the bytes match what other OCI tools write.
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.byteLength },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    return { mediaType: MEDIA.ociManifest, digest: sha256(bytes), bytes };
  }

  private async readArchive(
    stdout: ReadableStream<Uint8Array>,
    into: { files: Map<string, SavedFile>; small: Map<string, Uint8Array>; links: Map<string, string> },
    has: (digest: string) => Promise<boolean>,
    work: WorkContext,
    ready?: (blob: Descriptor) => void,
  ): Promise<void> {
    const entries = extract();
    const input = Readable.fromWeb(stdout as import("node:stream/web").ReadableStream<Uint8Array>);
    input.on("error", (error) => entries.destroy(error));
    input.pipe(entries);
    for await (const entry of entries) {
      const name = normalize(entry.header.name);
      const size = entry.header.size ?? 0;
      if (entry.header.type === "symlink" || entry.header.type === "link") {
        const target = entry.header.linkname ?? "";
        into.links.set(name, normalize(entry.header.type === "symlink" ? posix.join(posix.dirname(name), target) : target));
        entry.resume();
      } else if (entry.header.type !== "file" && entry.header.type !== "contiguous-file") {
        entry.resume();
      } else if (name.endsWith("/layer.tar") || name.startsWith("blobs/sha256/") || size > IN_MEMORY_LIMIT) {
        const file = await this.writeHashing(entry as unknown as Readable, work);
        into.files.set(name, file);
        if (name.endsWith("/layer.tar") || size >= LIKELY_LAYER) void this.prepare(file, has, work, ready).catch(() => {});
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        into.small.set(name, Buffer.concat(chunks));
      }
    }
  }

  async manifest(descriptor: Descriptor): Promise<ManifestBytes> {
    throw new HarmonyError("failed", `${this.name} has one manifest, not ${descriptor.digest}`);
  }

  blob(descriptor: Descriptor): BlobContent {
    const content = this.content.get(descriptor.digest);
    if (!content) throw new HarmonyError("failed", `${this.name}: no content for blob ${descriptor.digest}`);
    return content;
  }

  /** Streams one archive member to scratch space, hashing it on the way. */
  private async writeHashing(entry: Readable, work: WorkContext): Promise<SavedFile> {
    const path = join(this.options.scratchDir, `member-${this.written++}`);
    const hasher = new Bun.CryptoHasher("sha256");
    let length = 0;
    const hash = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hasher.update(chunk);
        length += chunk.byteLength;
        done(null, chunk);
      },
    });
    await pipeline(entry, hash, createWriteStream(path), { signal: work.signal });
    return { range: { path, offset: 0, length }, digest: `sha256:${hasher.digest("hex")}` };
  }

  /**
   * The layer as it will be pushed, once per diff ID: itself (compression none), or gzipped unless
   * the cache names a compressed digest the destination already has. Layers are compressed one
   * after the other (each one across the worker pool), behind the archive still streaming in.
   */
  private prepare(file: SavedFile, has: (digest: string) => Promise<boolean>, work: WorkContext, ready?: (blob: Descriptor) => void): Promise<Descriptor> {
    let prepared = this.prepared.get(file.digest);
    if (prepared) return prepared;
    const { compression, cacheDir } = this.options;
    prepared = (async (): Promise<Descriptor> => {
      if (compression === "none") {
        this.content.set(file.digest, { kind: "file", range: file.range, verified: true });
        return { mediaType: MEDIA.ociLayer, digest: file.digest, size: file.range.length };
      }
      const cached = cachedCompression(cacheDir, file.digest);
      if (cached && (await has(cached.digest))) return { mediaType: MEDIA.ociLayerGzip, ...cached };
      const turn = this.compressing.then(async () => {
        work.reporter.debug(`compressing layer ${file.digest} (${file.range.length} bytes)`);
        const out = `${file.range.path}.gz`;
        this.pool ??= new GzipPool();
        const compressed = await gzipLayer(file.range, file.digest, out, this.pool, cacheDir, work, { verified: true });
        this.content.set(compressed.digest, { kind: "file", range: { path: out, offset: 0, length: compressed.size }, verified: true });
        return { mediaType: MEDIA.ociLayerGzip, ...compressed };
      });
      this.compressing = turn.catch(() => {});
      return turn;
    })();
    prepared.then((d) => ready?.(d), () => {});
    this.prepared.set(file.digest, prepared);
    return prepared;
  }
}
