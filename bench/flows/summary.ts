/**
 * The flow benchmark's arithmetic, pure (unit-tested in test/unit/bench/flows-summary.test.ts):
 * the tracker's lag series read from committed offsets, its slope while the router runs, the
 * catch-up time, and the median-of-pairs ratios of docs/benchmarks.md.
 */

/** One sample, once a second: how many ingress records each group has committed past. */
export interface LagSample {
  /** ms since the arm started */
  t: number;
  router: number;
  tracker: number;
  /** The tracker's own crossdock_flow_tracker_lag_records figure at that time, when it sent one. */
  gauge?: number;
}

/** Least-squares slope of y over x (per unit of x); 0 with fewer than two distinct x. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface LagSummary {
  /** Records the router had committed and the tracker had not, at most, over the samples. */
  maxLag: number;
  /** The same at the router's last sample before it finished. */
  lagAtRouterEnd: number;
  /** Slope of the lag (records per second) over the samples while the router ran. */
  lagSlopePerSec: number;
  /** The largest lag in the first and in the second half of the router's window. */
  maxLagFirstHalf: number;
  maxLagSecondHalf: number;
  /** Seconds from the router's end to the tracker having committed every record (null: never). */
  catchUpSeconds: number | null;
  /** Facts per second over the tracker's window (warm-up share done → all done). */
  trackerPerSec: number | null;
  /** Records per second of the router over the same kind of window, from the same samples. */
  routerPerSec: number | null;
  /**
   * Both rates over the router's window only (from the sample where the router has committed the
   * warm-up share to its last sample before its end): whether the tracker keeps pace while the
   * router runs, its catch-up left out.
   */
  trackerPerSecWhileRouting: number | null;
  routerPerSecWhileRouting: number | null;
  /**
   * The same over the second half of the router's window only, and the lag's slope there: whether
   * the tracker keeps pace once its lag has built up. The lag starts at 0 and first grows to what
   * the pipeline holds (a router batch waiting for its commit, the feed's batch in hand): over a
   * short run that ramp alone makes the whole window's slope positive and its rate lower.
   */
  trackerPerSecSecondHalf: number | null;
  routerPerSecSecondHalf: number | null;
  lagSlopeSecondHalfPerSec: number;
}

/** When (ms) a monotone count series first reached `n`, interpolated between samples. */
export function reachedAt<S extends { t: number }>(
  samples: readonly S[],
  pick: (s: S) => number,
  n: number,
): number | null {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (pick(s) < n) continue;
    if (i === 0) return s.t;
    const p = samples[i - 1]!;
    const dy = pick(s) - pick(p);
    return dy <= 0 ? s.t : p.t + ((n - pick(p)) / dy) * (s.t - p.t);
  }
  return null;
}

/**
 * When a count series reached the warm-up share and when it reached `total` (each interpolated):
 * the window every arm's rate is measured over; null when it did not get that far.
 */
export function warmWindow<S extends { t: number }>(
  samples: readonly S[],
  pick: (s: S) => number,
  warmup: number,
  total: number,
): { from: number; to: number } | null {
  const from = reachedAt(samples, pick, warmup);
  const to = reachedAt(samples, pick, total);
  return from === null || to === null || to <= from ? null : { from, to };
}

/** Records per second over warmWindow (`total - warmup` records); null without one. */
export function countRate<S extends { t: number }>(
  samples: readonly S[],
  pick: (s: S) => number,
  total: number,
  warmup: number,
): number | null {
  const w = warmWindow(samples, pick, warmup, total);
  return w ? Math.round((total - warmup) / ((w.to - w.from) / 1000)) : null;
}

/** The tracker's rate alone (facts per second), from its committed offsets (countRate). */
export function aloneRate(samples: readonly LagSample[], total: number, warmup: number): number | null {
  return countRate(samples, (s) => s.tracker, total, warmup);
}

/**
 * `routerEnd` is the router's finish (ms on the samples' clock); `total` the records in ingress;
 * `warmup` the share left out of the rates (as the router arm leaves it out of its own).
 */
export function summarizeLag(
  samples: readonly LagSample[],
  routerEnd: number,
  total: number,
  warmup: number,
): LagSummary {
  const lagOf = (s: LagSample) => Math.max(0, s.router - s.tracker);
  const during = samples.filter((s) => s.t <= routerEnd && s.router > 0);
  const routerStart = during.length ? during[0]!.t : routerEnd;
  const half = routerStart + (routerEnd - routerStart) / 2;
  const maxOf = (xs: readonly LagSample[]) => xs.reduce((m, s) => Math.max(m, lagOf(s)), 0);
  const trackerDone = reachedAt(samples, (s) => s.tracker, total);
  const rate = (pick: (s: LagSample) => number) => countRate(samples, pick, total, warmup);
  const inWindow = during.filter((x) => x.router >= warmup);
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  const rateBetween = (a: LagSample | undefined, b: LagSample | undefined, pick: (x: LagSample) => number) =>
    a && b && b.t > a.t ? Math.round((pick(b) - pick(a)) / ((b.t - a.t) / 1000)) : null;
  const windowRate = (pick: (x: LagSample) => number): number | null => rateBetween(first, last, pick);
  const secondHalf = during.filter((s) => s.t > half);
  return {
    maxLag: maxOf(samples),
    lagAtRouterEnd: during.length ? lagOf(during[during.length - 1]!) : 0,
    lagSlopePerSec: Math.round(slope(during.map((s) => ({ x: s.t / 1000, y: lagOf(s) })))),
    maxLagFirstHalf: maxOf(during.filter((s) => s.t <= half)),
    maxLagSecondHalf: maxOf(during.filter((s) => s.t > half)),
    catchUpSeconds:
      trackerDone === null ? null : Math.max(0, Math.round((trackerDone - routerEnd) / 100) / 10),
    trackerPerSec: rate((s) => s.tracker),
    routerPerSec: rate((s) => s.router),
    trackerPerSecWhileRouting: windowRate((x) => x.tracker),
    routerPerSecWhileRouting: windowRate((x) => x.router),
    trackerPerSecSecondHalf: rateBetween(secondHalf[0], secondHalf[secondHalf.length - 1], (x) => x.tracker),
    routerPerSecSecondHalf: rateBetween(secondHalf[0], secondHalf[secondHalf.length - 1], (x) => x.router),
    lagSlopeSecondHalfPerSec: Math.round(slope(secondHalf.map((s) => ({ x: s.t / 1000, y: lagOf(s) })))),
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Median and range of per-pair ratios a[i] / b[i] (pairs with a missing side are left out). */
export function pairRatios(
  a: ReadonlyArray<number | null | undefined>,
  b: ReadonlyArray<number | null | undefined>,
): { median: number; range: [number, number]; pairs: number } | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number' && y > 0) ratios.push(x / y);
  }
  if (!ratios.length) return null;
  return {
    median: r2(median(ratios)),
    range: [r2(Math.min(...ratios)), r2(Math.max(...ratios))],
    pairs: ratios.length,
  };
}
