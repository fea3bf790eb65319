/**
 * A reproducible layer from files: the same files give the same bytes, hence the same digest, on
 * every run and every checkout. Entries are sorted; owner is root (0:0, no names); every mtime is
 * the epoch; modes are normalised to 0755 (directories and anything executable) or 0644, because a
 * checkout's umask must not change the image; the gzip header carries no time or name. Parent
 * directories of the destination are included, as `COPY` creates them.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { layerTarget } from "../../../../scores/content-key/index.ts";

export interface LayerEntry {
  /** Path in the image without the leading `/`. */
  readonly path: string;
  readonly type: "file" | "directory" | "symlink";
  readonly mode: number;
  /** Absolute source path (files). */
  readonly source?: string;
  readonly size?: number;
  readonly linkname?: string;
}

export interface WrittenLayer {
  /** Digest and size of the gzipped blob (the manifest's layer descriptor). */
  readonly digest: string;
  readonly size: number;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids). */
  readonly diffId: string;
}

const EPOCH = new Date(0);
/** Above this size a file is streamed into the tar instead of read whole. */
const STREAM_OVER = 8 * 1024 * 1024;

/** What copying `from` (file or directory) to `to` in the image puts in the layer, in tar order. */
export async function planLayer(from: string, to: string): Promise<LayerEntry[]> {
  const info = await lstat(from);
  const target = layerTarget(from, to, info.isDirectory()).replace(/^\/+/, "");
  const entries = new Map<string, LayerEntry>();
  const addParents = (path: string) => {
    const parts = path.replace(/\/$/, "").split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (dir !== "" && !entries.has(dir)) entries.set(dir, { path: dir, type: "directory", mode: 0o755 });
    }
  };
  if (!info.isDirectory()) {
    addParents(target);
    entries.set(target, await entryFor(from, target));
  } else {
    const root = target.replace(/\/$/, "");
    if (root !== "") {
      addParents(root);
      entries.set(root, { path: root, type: "directory", mode: 0o755 });
    }
    for (const rel of await walk(from)) {
      const path = root === "" ? rel : `${root}/${rel}`;
      entries.set(path, await entryFor(join(from, rel), path));
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

async function entryFor(source: string, path: string): Promise<LayerEntry> {
  const s = await lstat(source);
  if (s.isSymbolicLink()) return { path, type: "symlink", mode: 0o777, linkname: await readlink(source) };
  if (s.isDirectory()) return { path, type: "directory", mode: 0o755 };
  if (!s.isFile()) throw new Error(`${source}: only files, directories and symlinks can go in a layer`);
  return { path, type: "file", mode: s.mode & 0o111 ? 0o755 : 0o644, source, size: s.size };
}

/** Writes the gzipped layer to `file` and returns its digests (the caller names the blob by them). */
export async function writeLayer(entries: readonly LayerEntry[], file: string): Promise<WrittenLayer> {
  const pack = tar.pack();
  const diff = hashing();
  const blob = hashing();
  const written = pipeline(pack, diff.stream, createGzip({ level: 6 }), blob.stream, createWriteStream(file));
  const fed = feed(pack, entries).catch((e: unknown) => {
    pack.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  });
  await Promise.all([written, fed]);
  return { digest: blob.digest(), size: blob.size(), diffId: diff.digest() };
}

async function feed(pack: tar.Pack, entries: readonly LayerEntry[]): Promise<void> {
  for (const e of entries) {
    const header: Partial<tar.Header> & { name: string } = {
      name: e.type === "directory" ? `${e.path}/` : e.path,
      type: e.type,
      mode: e.mode,
      mtime: EPOCH,
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
      ...(e.type === "file" ? { size: e.size ?? 0 } : {}),
      ...(e.type === "symlink" ? { linkname: e.linkname ?? "" } : {}),
    };
    if (e.type !== "file" || e.source === undefined) {
      await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
    } else if ((e.size ?? 0) <= STREAM_OVER) {
      const bytes = Buffer.from(await Bun.file(e.source).bytes());
      if (bytes.length !== e.size) throw new Error(`${e.source} changed while the layer was written`);
      await new Promise<void>((resolve, reject) => pack.entry(header, bytes, (err) => (err ? reject(err) : resolve())));
    } else {
      const sink = pack.entry(header);
      await pipeline(createReadStream(e.source), sink);
    }
  }
  pack.finalize();
}

function hashing() {
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  let hex: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      hasher.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return {
    stream,
    size: () => size,
    digest: () => `sha256:${(hex ??= hasher.digest("hex"))}`,
  };
}
