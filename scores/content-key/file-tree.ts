/**
 * Hashes a directory tree into a manifest `path → fingerprint`: what a build would copy, and
 * nothing that changes without changing the image's content. Modes count (COPY keeps them);
 * modification times do not (a fresh CI checkout stamps every file "now", and a key that moved
 * with them would never hit). Files are read concurrently and hashed with Bun's native sha256.
 */
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { IgnoreMatcher } from "./dockerignore.ts";

/** Relative path (slash-separated; directories end with `/`) → `<mode>:<sha256>`, `link:<target>` or `dir:<mode>`. */
export type FileManifest = Record<string, string>;

export interface TreeOptions {
  /** Paths the build context leaves out. */
  readonly ignore?: IgnoreMatcher;
  /** Relative paths not to list (e.g. the Dockerfile, whose bytes are keyed on their own). */
  readonly skip?: ReadonlySet<string>;
  /** Prepended to every manifest path (e.g. the destination of a layer in the image). */
  readonly prefix?: string;
}

/** Above this size a file is streamed through the hasher instead of read whole. */
const STREAM_OVER = 4 * 1024 * 1024;
const CONCURRENCY = 64;

interface Found {
  readonly rel: string;
  readonly abs: string;
}

export async function hashTree(root: string, options: TreeOptions = {}): Promise<FileManifest> {
  const info = await lstat(root);
  const prefix = options.prefix ?? "";
  if (!info.isDirectory()) {
    // a single file copied on its own: its manifest path is the prefix itself
    return { [prefix]: await fingerprint(root, info.mode, info.size, info.isSymbolicLink()) };
  }
  const manifest: FileManifest = {};
  const files: Found[] = [];
  const pending: string[] = [""];
  while (pending.length > 0) {
    const dirs = pending.splice(0, CONCURRENCY);
    const listings = await Promise.all(dirs.map((d) => readdir(join(root, d), { withFileTypes: true })));
    for (const [i, entries] of listings.entries()) {
      const dir = dirs[i]!;
      for (const entry of entries) {
        const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (options.skip?.has(rel)) continue;
        if (entry.isDirectory()) {
          if (options.ignore?.skipsDirectory(rel)) continue;
          pending.push(rel);
          // listed like a file, so an emptied or re-moded directory still changes the key
          if (!options.ignore?.ignores(rel)) files.push({ rel: `${rel}/`, abs: join(root, rel) });
        } else if (!options.ignore?.ignores(rel)) {
          files.push({ rel, abs: join(root, rel) });
        }
      }
    }
  }
  await pool(files, CONCURRENCY, async (f) => {
    const s = await lstat(f.abs);
    manifest[prefix + f.rel] = s.isDirectory() ? `dir:${mode(s.mode)}` : await fingerprint(f.abs, s.mode, s.size, s.isSymbolicLink());
  });
  return manifest;
}

function mode(m: number): string {
  return (m & 0o7777).toString(8);
}

async function fingerprint(abs: string, m: number, size: number, symlink: boolean): Promise<string> {
  if (symlink) return `link:${await readlink(abs)}`;
  const hasher = new Bun.CryptoHasher("sha256");
  const file = Bun.file(abs);
  if (size > STREAM_OVER) {
    for await (const chunk of file.stream()) hasher.update(chunk);
  } else {
    hasher.update(await file.bytes());
  }
  return `${mode(m)}:${hasher.digest("hex")}`;
}

async function pool<T>(items: readonly T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
