import {
  backoffCeiling,
  decideRetry,
  retryDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from '../../../retry/policy';

const policy: RetryPolicy = {
  maxAttempts: 6,
  maxAgeMs: 60_000,
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 8000,
};

describe('retry policy', () => {
  it('ceiling grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffCeiling(policy, a))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffCeiling(policy, 10_000)).toBe(8000);
  });

  it('full jitter: the delay is uniform in [0, ceiling]', () => {
    expect(retryDelay(policy, 3, () => 0)).toBe(0);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(2000);
    expect(retryDelay(policy, 3, () => 0.999999)).toBe(3999);
    for (let i = 0; i < 1000; i++) {
      const d = retryDelay(policy, 4, Math.random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('Retry-After is a floor over the jittered delay', () => {
    expect(retryDelay(policy, 1, () => 0.5, 3000)).toBe(3000);
    expect(retryDelay(policy, 4, () => 0.5, 1000)).toBe(4000);
  });

  it('gives up at max attempts', () => {
    expect(decideRetry(policy, 5, 0, 10, () => 0.5)).toEqual({ action: 'retry', delayMs: 4000, dueAt: 4010 });
    expect(decideRetry(policy, 6, 0, 10, () => 0.5)).toEqual({ action: 'give-up', reason: 'max-attempts' });
  });

  it('gives up when the next attempt would start after max age', () => {
    expect(decideRetry(policy, 2, 0, 59_500, () => 0.5)).toEqual({ action: 'give-up', reason: 'max-age' });
    expect(decideRetry(policy, 2, 0, 57_000, () => 0.5)).toEqual({
      action: 'retry',
      delayMs: 1000,
      dueAt: 58_000,
    });
  });

  it('the documented worked example (docs/retry.md) holds for the defaults', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: 10,
      maxAgeMs: 86_400_000,
      initialDelayMs: 1000,
      multiplier: 2,
      maxDelayMs: 300_000,
    });
    const ceilings = Array.from({ length: 9 }, (_, i) => backoffCeiling(DEFAULT_RETRY_POLICY, i + 1));
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000]);
    expect(ceilings.reduce((a, b) => a + b, 0)).toBe(511_000);
  });
});
