/**
 * A small log-linear latency histogram in the manner of HdrHistogram: values (non-negative
 * integers, here microseconds) are counted in buckets that are exact below 2^SUB_BITS and, above,
 * 2^(SUB_BITS-1) linear sub-buckets per power of two, so a recorded value is known to within
 * 1 / 2^(SUB_BITS-1) of itself (0.1% with SUB_BITS = 11), whatever its size, in a few kB of counts.
 * Pure: no clock, no I/O. Unit-tested in test/unit/bench/e2e/histogram.test.ts.
 *
 * Percentiles follow HdrHistogram's definition: the value at percentile p is the highest value
 * equivalent to the bucket holding the ceil(p/100 × count)-th smallest recording (clamped to the
 * largest value recorded), so a reported p99 is never below the true one by more than the bucket's
 * width and never above the maximum.
 */
export const SUB_BITS = 11;
const SUB_COUNT = 1 << SUB_BITS; // 2048: values below are exact
const HALF = SUB_COUNT >> 1; // 1024 sub-buckets per power of two above

/** The bucket index of a non-negative integer value. */
export function bucketOf(value: number): number {
  if (value < SUB_COUNT) return value;
  // The power of two above SUB_COUNT: value in [2^(SUB_BITS+e-1)·2, 2^(SUB_BITS+e)·2)
  const shift = Math.floor(Math.log2(value)) - (SUB_BITS - 1);
  // log2 of large doubles can round up across a power of two: correct it.
  let s = shift;
  while (s > 0 && Math.floor(value / 2 ** s) < HALF) s--;
  while (Math.floor(value / 2 ** s) >= SUB_COUNT) s++;
  const sub = Math.floor(value / 2 ** s); // in [HALF, SUB_COUNT)
  return SUB_COUNT + (s - 1) * HALF + (sub - HALF);
}

/** The lowest and highest values a bucket stands for (both included). */
export function bucketRange(index: number): [number, number] {
  if (index < SUB_COUNT) return [index, index];
  const s = Math.floor((index - SUB_COUNT) / HALF) + 1;
  const sub = ((index - SUB_COUNT) % HALF) + HALF;
  const low = sub * 2 ** s;
  return [low, low + 2 ** s - 1];
}

export interface Percentiles {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

export class Histogram {
  private counts: number[] = [];
  private total = 0;
  private sum = 0;
  private lowest = Infinity;
  private highest = 0;

  /** Counts `value` (rounded to an integer; negative values count as 0) `times` times. */
  record(value: number, times = 1): void {
    if (!Number.isFinite(value)) throw new RangeError(`histogram: cannot record ${value}`);
    const v = Math.max(0, Math.round(value));
    const i = bucketOf(v);
    while (this.counts.length <= i) this.counts.push(0);
    this.counts[i]! += times;
    this.total += times;
    this.sum += v * times;
    if (v < this.lowest) this.lowest = v;
    if (v > this.highest) this.highest = v;
  }

  get count(): number {
    return this.total;
  }
  get max(): number {
    return this.total ? this.highest : 0;
  }
  get min(): number {
    return this.total ? this.lowest : 0;
  }
  get mean(): number {
    return this.total ? this.sum / this.total : 0;
  }

  /** The value at percentile p (0 < p ≤ 100); 0 when empty. */
  valueAt(p: number): number {
    if (!(p > 0 && p <= 100)) throw new RangeError(`histogram: percentile ${p} is not in (0, 100]`);
    if (this.total === 0) return 0;
    // (p × count) / 100 first, less a hair: 99.9% of 1000 is rank 999, not 1000 by a rounding error.
    const rank = Math.max(1, Math.ceil((p * this.total) / 100 - 1e-9));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketRange(i)[1], this.highest);
    }
    return this.highest;
  }

  /** Adds every recording of `other` to this one. */
  add(other: Histogram): void {
    other.counts.forEach((n, i) => {
      if (!n) return;
      while (this.counts.length <= i) this.counts.push(0);
      this.counts[i]! += n;
    });
    this.total += other.total;
    this.sum += other.sum;
    if (other.total) {
      this.lowest = Math.min(this.lowest, other.lowest);
      this.highest = Math.max(this.highest, other.highest);
    }
  }

  /** The usual summary, every value divided by `scale` (1000: µs recorded, ms reported), 2 decimals. */
  summary(scale = 1): Percentiles {
    const r = (x: number) => Math.round((x / scale) * 100) / 100;
    return {
      count: this.total,
      min: r(this.min),
      max: r(this.max),
      mean: r(this.mean),
      p50: r(this.valueAt(50)),
      p90: r(this.valueAt(90)),
      p99: r(this.valueAt(99)),
      p999: r(this.valueAt(99.9)),
    };
  }
}
