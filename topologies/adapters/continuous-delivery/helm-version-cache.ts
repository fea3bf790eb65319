/**
 * Which version a helm binary is, remembered across runs: asking (`helm version`) starts helm,
 * about 50 ms on the critical path of every release. The answer is keyed by the binary's identity
 * on disk (device, inode, size, modification time), so an upgraded or replaced helm is asked again.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { harmonyCacheDir } from "../../cache-dir.ts";

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
    return JSON.parse(readFileSync(file, "utf8")) as Remembered;
  } catch {
    return {};
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
  try {
    mkdirSync(join(file, ".."), { recursive: true });
    const all = { ...readAll(file), [bin]: { id, version } };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all));
    renameSync(tmp, file);
  } catch {
    // a read-only cache only means asking helm next time
  }
}
