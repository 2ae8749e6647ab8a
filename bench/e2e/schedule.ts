/**
 * The open loop's schedule: event k (0-based) of a run at `rate` events/s is due at
 * t0 + k × 1000 / rate, whatever happened to the events before it. Latency is measured from this
 * scheduled time, not from when the request actually left: a sender that falls behind (a slow
 * answer, a busy event loop) then shows the wait it caused instead of hiding it (coordinated
 * omission). Pure; unit-tested in test/unit/bench/e2e/schedule.test.ts.
 */

/** When event k is due, in ms on the clock t0 is on. */
export function scheduledAt(t0: number, rate: number, k: number): number {
  return t0 + (k * 1000) / rate;
}

/** How many events of the run are due by `now` (events 0 … n−1), at most `total`. */
export function dueBy(t0: number, rate: number, now: number, total: number): number {
  if (now < t0) return 0;
  return Math.min(total, Math.floor(((now - t0) * rate) / 1000 + 1e-9) + 1);
}

/** Number of events of a run of `seconds` at `rate` events/s. */
export function eventsFor(rate: number, seconds: number): number {
  return Math.max(1, Math.round(rate * seconds));
}
