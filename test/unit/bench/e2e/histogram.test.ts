import { bucketOf, bucketRange, Histogram, SUB_BITS } from '../../../../bench/e2e/histogram';

describe('e2e histogram (log-linear, HdrHistogram-like)', () => {
  it('keeps values below 2^SUB_BITS exact', () => {
    for (const v of [0, 1, 7, 1000, 2 ** SUB_BITS - 1]) expect(bucketRange(bucketOf(v))).toEqual([v, v]);
  });

  it('puts every value in a bucket that holds it, no wider than 1/1024 of the value', () => {
    for (const v of [2048, 2049, 4095, 4096, 12345, 999_999, 2 ** 31 + 17, 86_400_000_000]) {
      const [lo, hi] = bucketRange(bucketOf(v));
      expect(lo).toBeLessThanOrEqual(v);
      expect(hi).toBeGreaterThanOrEqual(v);
      expect((hi - lo + 1) / v).toBeLessThanOrEqual(1 / 1024);
    }
  });

  it('orders buckets as it orders values', () => {
    let last = -1;
    for (let v = 0; v < 300_000; v += 37) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
    }
  });

  it('gives exact percentiles of 1..1000', () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect(h.count).toBe(1000);
    expect(h.valueAt(50)).toBe(500);
    expect(h.valueAt(99)).toBe(990);
    expect(h.valueAt(99.9)).toBe(999);
    expect(h.valueAt(100)).toBe(1000);
    expect(h.min).toBe(1);
    expect(h.max).toBe(1000);
    expect(h.mean).toBeCloseTo(500.5, 6);
  });

  it('finds a tail of large values within the bucket precision, never above the maximum', () => {
    const h = new Histogram();
    h.record(5000, 990); // 5 ms in µs
    h.record(250_000, 9); // 250 ms
    h.record(1_234_567); // 1.23 s
    expect(h.valueAt(50)).toBe(5003); // upper end of the 5000 bucket (width 4 between 4096 and 8191)
    expect(h.valueAt(99)).toBe(5003);
    const p999 = h.valueAt(99.9);
    expect(p999).toBeGreaterThanOrEqual(250_000);
    expect(p999).toBeLessThanOrEqual(250_000 * (1 + 1 / 1024));
    expect(h.valueAt(100)).toBe(1_234_567);
    expect(h.summary(1000)).toMatchObject({ count: 1000, p50: 5, max: 1234.57 });
  });

  it('rounds, clamps negatives to 0, refuses what is not a number', () => {
    const h = new Histogram();
    h.record(-3);
    h.record(2.6);
    expect(h.min).toBe(0);
    expect(h.max).toBe(3);
    expect(() => h.record(NaN)).toThrow(RangeError);
    expect(() => h.valueAt(0)).toThrow(RangeError);
  });

  it('answers 0 when empty and adds another histogram’s recordings', () => {
    const a = new Histogram();
    expect(a.valueAt(99)).toBe(0);
    expect(a.summary()).toMatchObject({ count: 0, max: 0, p99: 0 });
    const b = new Histogram();
    for (let v = 1; v <= 100; v++) b.record(v);
    a.record(1000);
    a.add(b);
    expect(a.count).toBe(101);
    expect(a.valueAt(100)).toBe(1000);
    expect(a.valueAt(50)).toBe(51);
    expect(a.min).toBe(1);
  });
});
