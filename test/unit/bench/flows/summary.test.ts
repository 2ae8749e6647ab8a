import {
  aloneRate,
  pairRatios,
  reachedAt,
  slope,
  summarizeLag,
  type LagSample,
} from '../../../../bench/flows/summary';
import { flowShape, flowSlot } from '../../../../bench/flows/workload';
import { parseFlowBenchArgs, FlowBenchUsageError } from '../../../../bench/flows/args';

describe('bench/flows summary arithmetic', () => {
  test('slope is the least-squares slope, 0 for fewer than two distinct x', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBe(2);
    expect(
      slope([
        { x: 0, y: 5 },
        { x: 1, y: 5 },
        { x: 2, y: 5 },
      ]),
    ).toBe(0);
    expect(slope([{ x: 1, y: 5 }])).toBe(0);
    expect(
      slope([
        { x: 1, y: 5 },
        { x: 1, y: 7 },
      ]),
    ).toBe(0);
  });

  test("aloneRate: the tracker's facts per second from the warm-up share to all, null when it did not get there", () => {
    const at = (t: number, tracker: number): LagSample => ({ t, router: 1000, tracker });
    // Started at 5 s (nothing before), 100 facts at 6 s, 1000 (all) at 9 s: 900 facts in 3 s.
    const samples = [at(0, 0), at(5000, 0), at(6000, 100), at(9000, 1000)];
    expect(aloneRate(samples, 1000, 100)).toBe(300);
    // Warm-up reached between samples: interpolated (50 at 5.5 s; 950 facts in 3.5 s).
    expect(aloneRate(samples, 1000, 50)).toBe(Math.round(950 / 3.5));
    expect(aloneRate(samples.slice(0, 3), 1000, 100)).toBeNull();
    expect(aloneRate([at(0, 0)], 1000, 0)).toBeNull();
  });

  test('reachedAt interpolates between the samples around the count', () => {
    const s: LagSample[] = [
      { t: 0, router: 0, tracker: 0 },
      { t: 1000, router: 100, tracker: 50 },
      { t: 2000, router: 300, tracker: 150 },
    ];
    expect(reachedAt(s, (x) => x.router, 200)).toBe(1500);
    expect(reachedAt(s, (x) => x.tracker, 150)).toBe(2000);
    expect(reachedAt(s, (x) => x.tracker, 151)).toBeNull();
  });

  test('a lag that stays flat has slope 0, equal halves, and the catch-up after the router end', () => {
    // The router commits 1000/s for 10 s; the tracker trails it by 200 records, then catches up.
    const s: LagSample[] = [];
    for (let t = 1; t <= 10; t++) s.push({ t: t * 1000, router: t * 1000, tracker: t * 1000 - 200 });
    s.push({ t: 10_500, router: 10_000, tracker: 10_000 });
    const l = summarizeLag(s, 10_000, 10_000, 1000);
    expect(l.maxLag).toBe(200);
    expect(l.lagSlopePerSec).toBe(0);
    expect(l.maxLagFirstHalf).toBe(200);
    expect(l.maxLagSecondHalf).toBe(200);
    expect(l.lagAtRouterEnd).toBe(200);
    expect(l.catchUpSeconds).toBe(0.5);
    expect(l.routerPerSec).toBe(1000);
    // 9000 records from 1000 (at 1.2 s) to 10000 (at 10.5 s): 9000 / 9.3 s.
    expect(l.trackerPerSec).toBe(Math.round(9000 / 9.3));
    // While the router ran (samples at 1 s … 10 s): both moved 9000 records in 9 s.
    expect(l.trackerPerSecWhileRouting).toBe(1000);
    expect(l.routerPerSecWhileRouting).toBe(1000);
  });

  test('a tracker at half the rate: the lag grows at half the router rate and it never finishes', () => {
    const s: LagSample[] = [];
    for (let t = 1; t <= 10; t++) s.push({ t: t * 1000, router: t * 1000, tracker: t * 500 });
    const l = summarizeLag(s, 10_000, 10_000, 1000);
    expect(l.lagSlopePerSec).toBe(500);
    expect(l.maxLag).toBe(5000);
    expect(l.maxLagSecondHalf).toBeGreaterThan(l.maxLagFirstHalf);
    expect(l.catchUpSeconds).toBeNull();
    expect(l.trackerPerSec).toBeNull();
    expect(l.trackerPerSecWhileRouting).toBe(500);
    expect(l.routerPerSecWhileRouting).toBe(1000);
  });

  test('a lag that ramps up, then holds: the whole window slopes up, its second half is flat and keeps pace', () => {
    // The router commits 1000/s for 20 s; the tracker starts 4 s late, then moves at the same rate
    // (its lag ramps to 4000 and stays there).
    const s: LagSample[] = [];
    for (let t = 1; t <= 20; t++)
      s.push({ t: t * 1000, router: t * 1000, tracker: t <= 4 ? 0 : (t - 4) * 1000 });
    const l = summarizeLag(s, 20_000, 20_000, 1000);
    expect(l.lagSlopePerSec).toBeGreaterThan(0);
    expect(l.trackerPerSecWhileRouting).toBeLessThan(l.routerPerSecWhileRouting!);
    expect(l.lagSlopeSecondHalfPerSec).toBe(0);
    expect(l.trackerPerSecSecondHalf).toBe(1000);
    expect(l.routerPerSecSecondHalf).toBe(1000);
  });

  test('a tracker falling behind: the second half slopes up too', () => {
    const s: LagSample[] = [];
    for (let t = 1; t <= 20; t++) s.push({ t: t * 1000, router: t * 1000, tracker: t * 700 });
    const l = summarizeLag(s, 20_000, 20_000, 1000);
    expect(l.lagSlopeSecondHalfPerSec).toBe(300);
    expect(l.trackerPerSecSecondHalf).toBe(700);
  });

  test('pairRatios: median and range of a[i]/b[i], pairs with a missing side left out', () => {
    expect(pairRatios([90, 80, 100], [100, 100, 100])).toEqual({ median: 0.9, range: [0.8, 1], pairs: 3 });
    expect(pairRatios([90, null], [100, 100])).toEqual({ median: 0.9, range: [0.9, 0.9], pairs: 1 });
    expect(pairRatios([null], [100])).toBeNull();
  });
});

describe('bench/flows workload shape', () => {
  test('each order has its release, then its shipment trail orders later, then its invoice', () => {
    expect(flowSlot(0, 2)).toEqual({ step: 0, order: 0 });
    expect(flowSlot(7, 2)).toEqual({ step: 1, order: 0 });
    expect(flowSlot(14, 2)).toEqual({ step: 2, order: 0 });
    expect(flowSlot(1, 2).order).toBeLessThan(0);
  });

  test('the counts: every order released, 2 × trail of them left open at the end', () => {
    const shape = flowShape(3000, 100);
    expect(shape.opened).toBe(1000);
    expect(shape.completed).toBe(1000 - 200);
    expect(shape.events).toBe(1000 + 900 + 800);
  });
});

describe('bench/flows arguments', () => {
  test('--quick sizes, explicit values and usage errors', () => {
    expect(parseFlowBenchArgs(['--quick'])).toMatchObject({ events: 30_000, reps: 1, quick: true });
    expect(parseFlowBenchArgs(['--events', '900', '--warmup', '90'])).toMatchObject({
      events: 900,
      warmup: 90,
    });
    expect(() => parseFlowBenchArgs(['--events', 'x'])).toThrow(FlowBenchUsageError);
    expect(() => parseFlowBenchArgs(['--events', '1000', '--warmup', '1000'])).toThrow(FlowBenchUsageError);
    expect(() => parseFlowBenchArgs(['--bogus'])).toThrow(FlowBenchUsageError);
  });
});
