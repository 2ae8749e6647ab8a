import { dueBy, eventsFor, scheduledAt } from '../../../../bench/e2e/schedule';

describe('e2e open-loop schedule', () => {
  it('spaces events evenly from t0, whatever happened before', () => {
    expect(scheduledAt(1000, 500, 0)).toBe(1000);
    expect(scheduledAt(1000, 500, 1)).toBe(1002);
    expect(scheduledAt(1000, 500, 500)).toBe(2000);
    expect(scheduledAt(0, 3, 1)).toBeCloseTo(333.333, 3);
  });

  it('counts the events due by a time: none before t0, the first at t0, at most all', () => {
    expect(dueBy(1000, 100, 999, 50)).toBe(0);
    expect(dueBy(1000, 100, 1000, 50)).toBe(1);
    expect(dueBy(1000, 100, 1009.9, 50)).toBe(1);
    expect(dueBy(1000, 100, 1010, 50)).toBe(2);
    expect(dueBy(1000, 100, 1495, 50)).toBe(50);
    expect(dueBy(1000, 100, 99999, 50)).toBe(50);
  });

  it('catches up at once after a stall: every event whose time has passed is due', () => {
    // A 250 ms stall at 1000/s: 251 events due together, each keeps its own scheduled time.
    expect(dueBy(0, 1000, 250, 10000)).toBe(251);
    expect(scheduledAt(0, 1000, 250)).toBe(250);
  });

  it('agrees with scheduledAt at every event boundary (no float drift)', () => {
    for (const rate of [100, 333, 500, 1000, 1789])
      for (let k = 0; k < 5000; k += 7)
        expect(dueBy(12345, rate, scheduledAt(12345, rate, k), 1e9)).toBe(k + 1);
  });

  it('sizes a run from rate and seconds', () => {
    expect(eventsFor(500, 8)).toBe(4000);
    expect(eventsFor(0.1, 1)).toBe(1);
  });
});
