import { CrossdockError } from '../core/errors';
import { deliveryKeys } from '../core/names/redis-keys';
import type { Redis } from '../core/redis';
import type { Observed } from './observer';

/**
 * Waiting for the demo's hub: until it is ready, and, at the end, which of the copies not yet
 * delivered or dead-lettered are still on their way (in retry in Redis, or not yet consumed by
 * their connector), as opposed to missing.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until /readyz answers 200 (60 s at most), or the hub's run fails. */
export async function waitReady(healthUrl: string, running: Promise<void>): Promise<void> {
  let failed: unknown;
  void running.catch((err) => (failed = err));
  for (let i = 0; i < 240; i++) {
    if (failed) throw failed;
    try {
      const res = await fetch(`${healthUrl}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new CrossdockError(
    'CD_E_DEMO_NOT_READY',
    `The demo hub did not get ready within 60 s (${healthUrl}/readyz); its log says why.`,
    { retriable: true },
  );
}

/** Of the open copies, those waiting: in retry in Redis, or not yet consumed by their connector. */
export async function waitingCopies(options: {
  open: Array<{ subscriber: string; eventId: string }>;
  redis: Redis;
  redisPrefix: string;
  committed: (subscriber: string) => Promise<Map<number, number>>;
  observed: Observed;
}): Promise<Set<string>> {
  const out = new Set<string>();
  const committed = new Map<string, Map<number, number>>();
  for (const { subscriber, eventId } of options.open) {
    const entry = deliveryKeys(options.redisPrefix, subscriber).entry(eventId);
    if ((await options.redis.exists(entry)) > 0) {
      out.add(`${subscriber} ${eventId}`);
      continue;
    }
    if (!committed.has(subscriber))
      committed.set(subscriber, await options.committed(subscriber).catch(() => new Map<number, number>()));
    const place = options.observed.routed.get(eventId)?.get(subscriber);
    const at = place ? committed.get(subscriber)!.get(place.partition) : undefined;
    if (place && (at === undefined || at < 0 || Number(place.offset) >= at))
      out.add(`${subscriber} ${eventId}`);
  }
  return out;
}
