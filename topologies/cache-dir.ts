/**
 * Where harmony keeps what it learned and can learn again (a cluster's OpenAPI document, which
 * version a helm binary is): $XDG_CACHE_HOME/harmony, else ~/.cache/harmony (the account's home
 * when HOME is unset, as in a stripped CI environment). Everything in it is an optimisation; a
 * missing or read-only cache only costs time.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export function harmonyCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "harmony");
  const home = env.HOME || homedir();
  return home ? join(home, ".cache", "harmony") : undefined;
}
