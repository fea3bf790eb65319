/**
 * Where harmony keeps what it learned and can learn again (a cluster's OpenAPI document, which
 * version a helm binary is): $XDG_CACHE_HOME/harmony, else ~/.cache/harmony. Everything in it is
 * an optimisation; a missing or read-only cache only costs time.
 */
import { join } from "node:path";

export function harmonyCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  return base === undefined ? undefined : join(base, "harmony");
}
