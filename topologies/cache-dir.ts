/**
 * Where harmony keeps what it learned and can learn again (a cluster's OpenAPI document, which
 * version a helm binary is): $XDG_CACHE_HOME/harmony, else ~/.cache/harmony (the account's home
 * when HOME is unset, as in a stripped CI environment). Everything in it is an optimisation; a
 * missing or read-only cache only costs time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function harmonyCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "harmony");
  const home = env.HOME || homedir();
  return home ? join(home, ".cache", "harmony") : undefined;
}

/** A cached file's text, or undefined when it is not there (or cannot be read). */
export function readCacheFile(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Writes through a temporary file of this process and a rename, so no reader — another harmony
 * run included — ever sees half a file. A read-only cache only costs the next run the work again.
 */
export function writeCacheFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    // read-only or full: nothing is kept
  }
}
