// Which parts exist here, and the CI rule: on a laptop a test may skip a missing part
// (with a printed reason); with CI=true a missing or broken part is a failure, never a skip.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HELM_LAYERS, K8S_BIN } from "./paths.ts";
import { tail } from "./proc.ts";

export type Part = "docker" | "registry" | "kube" | "helm" | "buildah" | "skopeo";

export const inCI = process.env.CI === "true";

const INSTALL_HINT = "run `bash tests/world/install.sh` (as root) to install it";

/** Why `part` cannot run on this machine; empty when it can. Synchronous, for skipIf. */
export function missing(part: Part): string[] {
  const why: string[] = [];
  const need = (bin: string) => Bun.which(bin) || why.push(`${bin} not found on PATH`);
  const root = () => process.getuid?.() === 0 || why.push("needs root");
  switch (part) {
    case "docker":
      need("dockerd");
      need("docker");
      root();
      break;
    case "registry":
      need("docker-registry");
      need("htpasswd");
      need("openssl");
      break;
    case "kube":
      why.push(...missing("docker"));
      need("etcd");
      for (const b of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"]) {
        if (!existsSync(join(K8S_BIN, b))) why.push(`${join(K8S_BIN, b)} not built`);
      }
      break;
    case "helm":
      need("unzip");
      for (const zip of Object.values(HELM_LAYERS)) if (!existsSync(zip)) why.push(`${zip} missing (npm install)`);
      break;
    case "buildah":
    case "skopeo":
      need(part);
      break;
  }
  return why;
}

const reported = new Set<Part>();

/**
 * For `test.skipIf(!world.available(part))`. Always true in CI, so the test runs and
 * fails loudly when the part is missing. On a laptop prints the skip reason once.
 */
export function available(part: Part): boolean {
  if (inCI) return true;
  const why = missing(part);
  if (why.length && !reported.has(part)) {
    reported.add(part);
    console.warn(`[world] skipping tests that need ${part}: ${why.join("; ")} — ${INSTALL_HINT}`);
  }
  return why.length === 0;
}

export class WorldError extends Error {
  constructor(
    readonly part: string,
    message: string,
  ) {
    super(`[world:${part}] ${message}`);
    this.name = "WorldError";
  }
}

/** Throws a WorldError when `part` is not installed (in CI and on laptops alike). */
export function ensure(part: Part): void {
  const why = missing(part);
  if (why.length) throw new WorldError(part, `unavailable: ${why.join("; ")} — ${INSTALL_HINT}`);
}

/** Runs a part's start-up; any failure becomes a WorldError carrying the tail of its logs. */
export async function starting<T>(part: string, logs: string[], start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    const started = await start();
    // one line per part and run: CI logs then show what the world cost
    console.error(`[world] ${part} ready in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    return started;
  } catch (e) {
    if (e instanceof WorldError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const tails = logs.map((l) => `--- ${l} (tail) ---\n${tail(l)}`).join("\n");
    throw new WorldError(part, `failed to start: ${msg}\n${tails}`);
  }
}

const memo = new Map<string, Promise<unknown>>();
const inflight = new Set<Promise<unknown>>();
let closed = false;

/** Starts a part once per run; a failed start stays failed (no retry storm of slow starts). */
export function once<T>(key: string, start: () => Promise<T>): Promise<T> {
  // After teardown began (end of run, or Ctrl-C while a test still runs) nothing may
  // start again: it would outlive the run.
  if (closed) return Promise.reject(new WorldError(key, "the test world has been torn down"));
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    const started = start();
    inflight.add(started);
    const done = () => inflight.delete(started);
    started.then(done, done);
    memo.set(key, started);
    p = started;
  }
  return p;
}

/**
 * No more starts; resolves when the starts still under way have finished, so teardown
 * does not race e.g. a half-done `k8s.sh up` (which would leave processes behind).
 */
export async function close(): Promise<void> {
  closed = true;
  await Promise.allSettled([...inflight]);
  memo.clear();
}
