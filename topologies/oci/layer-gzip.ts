/**
 * Layers leave `docker save` uncompressed; registries and pulls are better served gzipped, as
 * `docker push` does. Compression is deterministic (see gzip-pool.ts) so the same image gets the
 * same digest on every push, and a small cache maps an uncompressed layer (its diff ID) to its
 * compressed digest, so a re-push of a layer the registry already holds compresses nothing and
 * uploads nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { digestHex, readRange, type FileRange } from "./digest.ts";
import { BLOCK_SIZE, GZIP_SCHEME, type GzipPool } from "./gzip-pool.ts";

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
  return `${digestHex(diffId)}.${GZIP_SCHEME}.json`;
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

/** Re-cuts a stream into blocks of exactly `size` bytes (the last may be shorter), so output never depends on read sizes. */
async function* blocks(source: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let block = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(size - filled, chunk.byteLength - at);
      block.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        yield block;
        block = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield block.subarray(0, filled);
}

/**
 * Gzips the uncompressed layer at `range` into `out`, verifying on the way that it hashes to
 * `diffId` and hashing the compressed bytes for the layer's digest. Blocks are compressed in the
 * pool, a few ahead, and written in order.
 */
export async function gzipLayer(
  range: FileRange,
  diffId: string,
  out: string,
  pool: GzipPool,
  cacheDir: string | undefined,
  work: WorkContext,
  /** The range was hashed to `diffId` as it was written: skip hashing it again. */
  options: { verified?: boolean } = {},
): Promise<CompressedLayer> {
  const hasher = new Bun.CryptoHasher("sha256");
  const sink = Bun.file(out).writer();
  let size = 0;
  const inFlight: Promise<Uint8Array>[] = [];
  const writeNext = async () => {
    const member = await inFlight.shift()!;
    hasher.update(member);
    size += member.byteLength;
    sink.write(member);
    await sink.flush();
  };
  try {
    let any = false;
    for await (const block of blocks(readRange(range, options.verified ? undefined : diffId).stream, BLOCK_SIZE)) {
      if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted while compressing");
      any = true;
      inFlight.push(pool.compress(block));
      if (inFlight.length >= pool.size * 2) await writeNext();
    }
    if (!any) inFlight.push(pool.compress(new Uint8Array(0))); // an empty layer is still one gzip member
    while (inFlight.length > 0) await writeNext();
  } finally {
    inFlight.forEach((p) => p.catch(() => {}));
    await sink.end();
  }
  const layer = { digest: `sha256:${hasher.digest("hex")}`, size };
  remember(cacheDir, diffId, layer);
  return layer;
}
