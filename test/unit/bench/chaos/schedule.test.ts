import { seededRandom } from '../../../../core/random';
import {
  FAULT_KINDS,
  FAULT_SHAPES,
  SLOW_DELAY_MS,
  parseFaultKinds,
  planFaults,
  type PlanSettings,
} from '../../../../bench/chaos/schedule';

const settings: PlanSettings = {
  durationMs: 10 * 60000,
  gapMs: [5000, 20000],
  kinds: FAULT_KINDS,
  hubProcesses: ['start', 'router', 'connector-erp'],
  subscribers: ['erp', 'tms'],
};

describe('chaos fault plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planFaults(seededRandom(42), settings);
    const b = planFaults(seededRandom(42), settings);
    const c = planFaults(seededRandom(43), settings);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('fills the nominal duration and keeps every fault within its bounds', () => {
    const plan = planFaults(seededRandom(7), settings);
    const nominal = plan.reduce((t, f) => t + f.gapMs + f.downMs, 0);
    expect(nominal).toBeGreaterThanOrEqual(settings.durationMs);
    expect(nominal - plan.at(-1)!.gapMs - plan.at(-1)!.downMs).toBeLessThan(settings.durationMs);
    plan.forEach((f, i) => {
      expect(f.seq).toBe(i + 1);
      expect(f.gapMs).toBeGreaterThanOrEqual(5000);
      expect(f.gapMs).toBeLessThanOrEqual(20000);
      const shape = FAULT_SHAPES[f.kind];
      expect(f.downMs).toBeGreaterThanOrEqual(shape.downMs[0]);
      expect(f.downMs).toBeLessThanOrEqual(shape.downMs[1]);
      if (shape.signals) expect(shape.signals).toContain(f.signal);
      else expect(f.signal).toBeUndefined();
      if (f.kind === 'hub-kill') expect(settings.hubProcesses).toContain(f.target);
      if (f.kind.startsWith('receiver-')) expect(settings.subscribers).toContain(f.target);
      if (f.kind === 'receiver-slow') {
        expect(f.delayMs).toBeGreaterThanOrEqual(SLOW_DELAY_MS[0]);
        expect(f.delayMs).toBeLessThanOrEqual(SLOW_DELAY_MS[1]);
      }
    });
  });

  it('draws every kind over a long plan, and only the kinds asked for', () => {
    const long = planFaults(seededRandom(1), { ...settings, durationMs: 6 * 3600000 });
    expect(new Set(long.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    const some = planFaults(seededRandom(1), { ...settings, kinds: ['redis-kill', 'hub-kill'] });
    expect(new Set(some.map((f) => f.kind))).toEqual(new Set(['redis-kill', 'hub-kill']));
  });

  it('follows the weights (a kind of weight 0 never comes)', () => {
    const plan = planFaults(seededRandom(5), {
      ...settings,
      durationMs: 3600000,
      weights: { 'broker-stop': 0 },
    });
    expect(plan.some((f) => f.kind === 'broker-stop')).toBe(false);
  });

  it('parses --faults and names an unknown kind', () => {
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('hub-kill, redis-kill')).toEqual(['hub-kill', 'redis-kill']);
    expect(() => parseFaultKinds('hub-kill,disk-full')).toThrow(/unknown fault kind "disk-full"/);
  });

  it('gives a seeded random in its ranges', () => {
    const r = seededRandom(9);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = r.int(3, 5);
      expect([3, 4, 5]).toContain(n);
    }
  });
});
