/**
 * When to try a request again: exponential backoff with jitter, never sooner than GitLab's Retry-After, never past
 * the scan's deadline. Pure functions; the client injects sleep, clock and randomness so tests assert the schedule
 * without waiting.
 */
export interface RetryPolicy {
  /** Tries in total for a request that may be resent (1 = no retry). */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  /** A single wait longer than this (a long Retry-After) is not waited out: the request fails instead. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseMs: 500, capMs: 20_000, maxWaitMs: 60_000 };

/** Retry-After in milliseconds: seconds ("120") or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * The wait before retry number `failures` (1 after the first failure): half of base·2^(failures-1) fixed, half
 * random ("equal jitter"), capped, and at least what Retry-After asks.
 */
export function backoffDelay(failures: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number): number {
  const expo = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  const jittered = expo / 2 + random() * (expo / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};
