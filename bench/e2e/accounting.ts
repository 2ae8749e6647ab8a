/**
 * Every event sent must arrive exactly once: the e2e arm's count, by eventId, of what the
 * receiver got against what was sent. Pure; unit-tested in test/unit/bench/e2e/accounting.test.ts.
 */
export interface Accounting {
  /** Events sent (distinct eventIds). */
  sent: number;
  /** Requests the receiver got for them (redeliveries included). */
  deliveries: number;
  /** Sent events that arrived at least once. */
  arrived: number;
  /** Sent events that never arrived. */
  lost: number;
  /** Sent events that arrived more than once. */
  doubled: number;
  /** Requests beyond the first for those events. */
  extraDeliveries: number;
  /** Arrivals of eventIds that were never sent (another run's, or a wrong id). */
  unexpected: number;
  /** A few lost eventIds, for the report. */
  lostSample: string[];
}

export function account(sent: Iterable<string>, arrivals: Iterable<string>, sampleSize = 5): Accounting {
  const times = new Map<string, number>();
  for (const id of sent) times.set(id, 0);
  let deliveries = 0;
  let unexpected = 0;
  for (const id of arrivals) {
    const n = times.get(id);
    if (n === undefined) {
      unexpected++;
      continue;
    }
    deliveries++;
    times.set(id, n + 1);
  }
  let arrived = 0;
  let doubled = 0;
  let extra = 0;
  const lostSample: string[] = [];
  for (const [id, n] of times) {
    if (n === 0) {
      if (lostSample.length < sampleSize) lostSample.push(id);
      continue;
    }
    arrived++;
    if (n > 1) {
      doubled++;
      extra += n - 1;
    }
  }
  return {
    sent: times.size,
    deliveries,
    arrived,
    lost: times.size - arrived,
    doubled,
    extraDeliveries: extra,
    unexpected,
    lostSample,
  };
}
