import { describe, expect, test } from "bun:test";
import { DEFAULT_RETRY, isRetryableStatus, nextDelay, parseRetryAfter, sleep } from "../../../topologies/oci/retry.ts";
import { HarmonyError } from "../../../capabilities/index.ts";

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 5000 };
const half = () => 0.5;

describe("retry policy", () => {
  test("connection-level and server errors retry, client errors do not", () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409].some(isRetryableStatus)).toBe(false);
  });

  test("backoff doubles with jitter and stops after the last attempt", () => {
    expect(nextDelay(policy, 0, 0, undefined, half)).toBe(75); // 100/2 + 0.5*50
    expect(nextDelay(policy, 1, 0, undefined, half)).toBe(150);
    expect(nextDelay(policy, 2, 0, undefined, half)).toBe(300);
    expect(nextDelay(policy, 3, 0, undefined, half)).toBeUndefined();
  });

  test("delays are capped, and no retry starts past the time budget", () => {
    const long = { ...policy, attempts: 20 };
    expect(nextDelay(long, 10, 0, undefined, () => 1)).toBe(1000);
    expect(nextDelay(long, 1, 4950, undefined, half)).toBeUndefined();
  });

  test("Retry-After is honoured, in seconds or as a date, within the budget", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:02 GMT", now)).toBe(2000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(nextDelay(policy, 0, 0, 2000, half)).toBe(2000);
    expect(nextDelay(policy, 0, 0, 60_000, half)).toBeUndefined();
  });

  test("the default policy gives up within about a minute", () => {
    let elapsed = 0;
    let attempt = 0;
    for (let d = nextDelay(DEFAULT_RETRY, attempt, elapsed, undefined, () => 1); d !== undefined; d = nextDelay(DEFAULT_RETRY, ++attempt, elapsed, undefined, () => 1)) elapsed += d;
    expect(attempt).toBe(DEFAULT_RETRY.attempts - 1);
    expect(elapsed).toBeLessThanOrEqual(DEFAULT_RETRY.budgetMs);
  });

  test("a sleep ends early, as interrupted, when the run is cancelled", async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    const error = await sleeping.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).kind).toBe("interrupted");
  });
});
