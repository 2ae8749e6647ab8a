/**
 * Retry policy: when the next attempt of a transiently failed delivery is due, and when to give
 * up. Pure functions; the random source and the time are passed in (tests fix them).
 * docs/retry.md gives the formula with worked numbers.
 */
import { defaultsOf } from '../core/config/defaults';
import { DELIVERY_CONFIG_SCHEMA } from './config-schema';

/**
 * A subscriber's retry policy (delivery.retry in the hub configuration), defaults applied. The
 * defaults are DELIVERY_CONFIG_SCHEMA's (docs/configuration.md lists them).
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included. @defaultValue the schema's */
  maxAttempts: number;
  /** Give up once the next attempt would start later than this after the first failure. @defaultValue the schema's */
  maxAgeMs: number;
  /** Backoff base: the ceiling of the first retry delay. @defaultValue the schema's */
  initialDelayMs: number;
  /** Growth of the ceiling per attempt. @defaultValue the schema's */
  multiplier: number;
  /** Cap of the ceiling. @defaultValue the schema's */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = defaultsOf(
  DELIVERY_CONFIG_SCHEMA.properties.retry,
);

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
