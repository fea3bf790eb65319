/**
 * When and how long to wait before trying a registry request again: connection errors, 5xx and
 * 429, with exponential backoff and jitter, `Retry-After` honoured, bounded in attempts and in
 * total time so a dead registry fails the release in about a minute, not an hour.
 */
import { HarmonyError } from "../../capabilities/index.ts";

export interface RetryPolicy {
  /** Total tries, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No retry starts after this much time has passed since the first try. */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000, budgetMs: 60_000 };

/**
 * How long a registry may stay silent after a request went out before that try counts as failed:
 * well under the retry budget, so a stalled try still leaves time for another.
 */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

/** The response timeout, overridden by HARMONY_REGISTRY_TIMEOUT_SECONDS (a registry slow to commit large blobs). */
export function responseTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.HARMONY_REGISTRY_TIMEOUT_SECONDS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_RESPONSE_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new HarmonyError("config", `HARMONY_REGISTRY_TIMEOUT_SECONDS=${raw} is not a positive number of seconds`, { hint: "unset it for the default (30)" });
  }
  return seconds * 1000;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before try number `attempt + 1` (attempt counts from 0), or undefined when the policy
 * says to stop: out of attempts, or the wait would end past the time budget.
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attempt + 1 >= policy.attempts) return undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = backoff / 2 + random() * (backoff / 2);
  const delay = retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered / 4) : jittered;
  if (elapsedMs + delay > policy.budgetMs) return undefined;
  return delay;
}

/** Sleeps, waking early with an "interrupted" error when the run is cancelled. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function interrupted(): HarmonyError {
  return new HarmonyError("interrupted", "interrupted while talking to the registry");
}
