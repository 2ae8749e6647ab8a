/**
 * Retry policy: when the next attempt of a transiently failed delivery is due, and when to give
 * up. Pure functions; the random source and the time are passed in (tests fix them).
 * docs/retry.md gives the formula with worked numbers.
 */

/** A subscriber's retry policy (delivery.retry in the hub configuration), defaults applied. */
export interface RetryPolicy {
  /** Attempts in total, the first one included. @defaultValue 10 */
  maxAttempts: number;
  /** Give up once the next attempt would start later than this after the first failure. @defaultValue 86_400_000 (24 h) */
  maxAgeMs: number;
  /** Backoff base: the ceiling of the first retry delay. @defaultValue 1000 */
  initialDelayMs: number;
  /** Growth of the ceiling per attempt. @defaultValue 2 */
  multiplier: number;
  /** Cap of the ceiling. @defaultValue 300_000 (5 min) */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 10,
  maxAgeMs: 86_400_000,
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 300_000,
});

/**
 * The ceiling of the delay after failed attempt number `attempt` (1 = the first attempt failed):
 * min(maxDelayMs, initialDelayMs × multiplier^(attempt−1)).
 */
export function backoffCeiling(policy: RetryPolicy, attempt: number): number {
  const exp = policy.initialDelayMs * Math.pow(policy.multiplier, Math.max(0, attempt - 1));
  return Math.min(policy.maxDelayMs, Number.isFinite(exp) ? exp : policy.maxDelayMs);
}

/**
 * Full jitter (the delay is uniform in [0, ceiling]) so that many events failing together do not
 * come back together; a Retry-After from the subscriber is a floor: we never come back earlier
 * than it asked.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const jittered = Math.floor(random() * backoffCeiling(policy, attempt));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.ceil(retryAfterMs) : jittered;
}

export type RetryDecision =
  | { action: 'retry'; delayMs: number; dueAt: number }
  | { action: 'give-up'; reason: 'max-attempts' | 'max-age' };

/**
 * What to do after a transient failure.
 * @param attempts attempts made so far, the failed one included (≥ 1)
 * @param firstFailedAt when the first attempt failed (ms)
 */
export function decideRetry(
  policy: RetryPolicy,
  attempts: number,
  firstFailedAt: number,
  now: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): RetryDecision {
  if (attempts >= policy.maxAttempts) return { action: 'give-up', reason: 'max-attempts' };
  const delayMs = retryDelay(policy, attempts, random, retryAfterMs);
  if (now + delayMs - firstFailedAt > policy.maxAgeMs) return { action: 'give-up', reason: 'max-age' };
  return { action: 'retry', delayMs, dueAt: now + delayMs };
}
