/**
 * Layers leave `docker save` uncompressed; registries and pulls are better served gzipped, as
 * `docker push` does. Compression is deterministic (same zlib, same level: same bytes) so the same
 * image gets the same digest on every push, and a small cache maps an uncompressed layer (its
 * diff ID) to its compressed digest, so a re-push of a layer the registry already holds compresses
 * nothing and uploads nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import type { WorkContext } from "../../capabilities/index.ts";
import { digestHex, readRange, type FileRange } from "./digest.ts";

/** Fast and still a good ratio on typical layers; level 6 costs ~2× the time for a few percent. */
export const GZIP_LEVEL = 1;

export interface CompressedLayer {
  readonly digest: string;
  readonly size: number;
}

/** Where compressed digests are remembered: `$XDG_CACHE_HOME/harmony/layers` or `~/.cache/harmony/layers`. */
export function layerCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  return base ? join(base, "harmony", "layers") : undefined;
}

function cacheKey(diffId: string): string {
  return `${digestHex(diffId)}.gzip-${GZIP_LEVEL}.json`;
}

export function cachedCompression(cacheDir: string | undefined, diffId: string): CompressedLayer | undefined {
  if (!cacheDir) return undefined;
  const file = join(cacheDir, cacheKey(diffId));
  if (!existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as CompressedLayer;
    return typeof entry.digest === "string" && typeof entry.size === "number" ? entry : undefined;
  } catch {
    return undefined; // a damaged entry only costs a recompression
  }
}

function remember(cacheDir: string | undefined, diffId: string, layer: CompressedLayer): void {
  if (!cacheDir) return;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const file = join(cacheDir, cacheKey(diffId));
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(layer));
    renameSync(tmp, file);
  } catch {
    // the cache is an optimisation; a read-only home must not fail a push
  }
}

/**
 * Gzips the uncompressed layer at `range` into `out`, verifying on the way that it hashes to
 * `diffId` and hashing the compressed bytes for the layer's digest.
 */
export async function gzipLayer(range: FileRange, diffId: string, out: string, cacheDir: string | undefined, work: WorkContext): Promise<CompressedLayer> {
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  const hash = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  const source = Readable.fromWeb(readRange(range, diffId).stream as import("node:stream/web").ReadableStream<Uint8Array>);
  await pipeline(source, createGzip({ level: GZIP_LEVEL }), hash, createWriteStream(out), { signal: work.signal });
  const layer = { digest: `sha256:${hasher.digest("hex")}`, size };
  remember(cacheDir, diffId, layer);
  return layer;
}
