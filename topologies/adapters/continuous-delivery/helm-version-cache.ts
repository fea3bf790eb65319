/**
 * Which version a helm binary is, remembered across runs: asking (`helm version`) starts helm,
 * about 50 ms on the critical path of every release. The answer is keyed by the binary's identity
 * on disk (device, inode, size, modification time), so an upgraded or replaced helm is asked again.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { harmonyCacheDir, readCacheFile, writeCacheFile } from "../../cache-dir.ts";

type Env = Readonly<Record<string, string | undefined>>;
type Remembered = Record<string, { readonly id: string; readonly version: string }>;

function identity(bin: string): string | undefined {
  try {
    const s = statSync(bin);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function fileOf(env: Env): string | undefined {
  const dir = harmonyCacheDir(env);
  return dir === undefined ? undefined : join(dir, "helm-versions.json");
}

function readAll(file: string): Remembered {
  try {
    return JSON.parse(readCacheFile(file) ?? "{}") as Remembered;
  } catch {
    return {}; // torn by hand: asked again, and rewritten
  }
}

export function rememberedHelmVersion(bin: string, env: Env): string | undefined {
  const file = fileOf(env);
  const id = identity(bin);
  if (file === undefined || id === undefined) return undefined;
  const found = readAll(file)[bin];
  return found?.id === id ? found.version : undefined;
}

export function rememberHelmVersion(bin: string, version: string, env: Env): void {
  const file = fileOf(env);
  const id = identity(bin);
  if (file === undefined || id === undefined) return;
  writeCacheFile(file, JSON.stringify({ ...readAll(file), [bin]: { id, version } }));
}
