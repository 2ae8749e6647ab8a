import { batchSize } from '../../../dlq/replay/runner';
import { TokenBucket } from '../../../dlq/replay/token-bucket';

describe('replay rate limit: token bucket', () => {
  it('starts with one token, then one every 1/rate seconds', () => {
    const b = new TokenBucket(4, 0);
    expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.waitMs(0)).toBe(250);
    expect(b.waitMs(100)).toBe(150);
    expect(b.take(249)).toBe(false);
    expect(b.take(250)).toBe(true);
  });

  it('never hands out more than burst + t × rate in t seconds', () => {
    for (const [rate, burst] of [
      [50, 1],
      [3, 1],
      [7.5, 2],
      [1000, 5],
    ] as const) {
      const b = new TokenBucket(rate, 0, burst);
      let taken = 0;
      for (let now = 0; now <= 10_000; now += 1) if (b.take(now)) taken++;
      expect(taken).toBeLessThanOrEqual(burst + 10 * rate);
      expect(taken).toBeGreaterThanOrEqual(10 * rate);
    }
  });

  it('does not save up idle time beyond its burst', () => {
    const b = new TokenBucket(10, 0);
    b.take(0);
    expect(b.take(60_000)).toBe(true);
    expect(b.take(60_000)).toBe(false);
  });

  it('takes a batch of tokens at once, never more than its burst at a time', () => {
    const b = new TokenBucket(100, 0, 10);
    expect(b.take(0, 10)).toBe(true);
    expect(b.waitMs(0, 10)).toBe(100);
    expect(b.take(50, 10)).toBe(false);
    expect(b.waitMs(50, 3)).toBe(0);
    expect(b.take(50, 3)).toBe(true);
    expect(b.take(100, 10)).toBe(false);
    expect(b.take(130, 10)).toBe(true);
  });

  it('the runner batches a fifth of a second of sends', () => {
    expect([1, 5, 9, 10, 50, 100, 999, 5000].map(batchSize)).toEqual([1, 1, 1, 2, 10, 20, 199, 200]);
  });

  it('refuses a rate of 0 or less and a burst below 1', () => {
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(-1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0.5)).toThrow(RangeError);
  });
});
