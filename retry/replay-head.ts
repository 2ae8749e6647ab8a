import type { Redis } from '../core/redis';
import type { DeliveryKeys } from './keys';
import { scriptRunner } from './scripts';
import { entryFields, type RetryEntry } from './state';

/**
 * Replaying the dead letter a business key is held behind (ordering `key`, onDeadLetter `hold`;
 * docs/retry.md): the event goes into the subscriber's retry state as the head of its key's queue,
 * due now, and the key is released, in one script (retry/lua/replay-head.lua). The connector's
 * retry worker then delivers it like any due retry (idempotency, limits, breaker, policy), and the
 * key's parked events follow it in order; if it fails for good again, the key is held again.
 *
 * - `queued`: it is the key's head now and the key is released;
 * - `done`: its idempotency record says the effect already happened (nothing queued; a key still
 *   held is released);
 * - `not-held`: the key is not held (nothing written): send it through the deliver topic.
 */
export type ReplayHeadResult = 'queued' | 'done' | 'not-held';

export async function replayHeldHead(
  redis: Redis,
  keys: DeliveryKeys,
  entry: RetryEntry & { orderKey: string },
  now: number,
): Promise<ReplayHeadResult> {
  const res = await scriptRunner(redis).run(
    'replayHead',
    [
      keys.due,
      keys.entry(entry.eventId),
      keys.keyQueue(entry.orderKey),
      keys.held,
      keys.entries,
      keys.idempotency(entry.eventId),
    ],
    [entry.eventId, entry.orderKey, now, ...entryFields(entry)],
  );
  return res === 1 ? 'queued' : res === 2 ? 'done' : 'not-held';
}
