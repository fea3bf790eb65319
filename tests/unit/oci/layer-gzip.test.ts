import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { recordingReporter } from "../../../capabilities/index.ts";
import { hashFile, sha256 } from "../../../topologies/oci/digest.ts";
import { BLOCK_SIZE, GzipPool } from "../../../topologies/oci/gzip-pool.ts";
import { cachedCompression, gzipLayer } from "../../../topologies/oci/layer-gzip.ts";

const work = () => ({ reporter: recordingReporter(), signal: new AbortController().signal });

async function layer(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "gzip-"));
  const path = join(dir, "layer.tar");
  writeFileSync(path, bytes);
  return { dir, path, ...(await hashFile(path)) };
}

describe("layer compression", () => {
  test("the same bytes whatever the number of workers; a valid (multi-member) gzip of the layer", async () => {
    // text-like and random parts, more than two blocks, not a whole number of blocks
    const input = Buffer.concat([Buffer.from("hello layer ".repeat(200_000)), randomBytes(BLOCK_SIZE + 12345)]);
    const { dir, path, digest, size } = await layer(input);
    const results = [];
    for (const workers of [1, 2, 3]) {
      const pool = new GzipPool(workers);
      try {
        results.push(await gzipLayer({ path, offset: 0, length: size }, digest, join(dir, `out-${workers}.gz`), pool, undefined, work()));
      } finally {
        pool.close();
      }
    }
    expect(new Set(results.map((r) => r.digest)).size).toBe(1);
    const compressed = readFileSync(join(dir, "out-2.gz"));
    expect(sha256(compressed)).toBe(results[0]!.digest);
    expect(compressed.byteLength).toBeLessThan(size);
    expect(sha256(gunzipSync(compressed))).toBe(digest);
  });

  test("an empty layer is one empty gzip member; a layer that is not its diff ID fails", async () => {
    const empty = await layer(new Uint8Array(0));
    const pool = new GzipPool(1);
    const out = await gzipLayer({ path: empty.path, offset: 0, length: 0 }, empty.digest, join(empty.dir, "e.gz"), pool, undefined, work());
    expect(gunzipSync(readFileSync(join(empty.dir, "e.gz"))).byteLength).toBe(0);
    expect(out.size).toBeGreaterThan(0);
    const other = await layer(Buffer.from("content"));
    await expect(gzipLayer({ path: other.path, offset: 0, length: other.size }, sha256("else"), join(other.dir, "x.gz"), pool, undefined, work())).rejects.toThrow(/expected sha256:/);
    pool.close();
  });

  test("the cache remembers the compressed digest of a diff ID", async () => {
    const { dir, path, digest, size } = await layer(Buffer.from("cached layer ".repeat(1000)));
    const cache = join(dir, "cache");
    expect(cachedCompression(cache, digest)).toBeUndefined();
    const pool = new GzipPool(1);
    const out = await gzipLayer({ path, offset: 0, length: size }, digest, join(dir, "c.gz"), pool, cache, work());
    pool.close();
    expect(cachedCompression(cache, digest)).toEqual(out);
  });
});
