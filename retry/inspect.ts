import type { RetryEntry } from './state';
import type { Redis } from '../core/redis';
import { execGroups } from '../core/redis-pipeline';
import type { DeliveryKeys } from './keys';

/**
 * Read-only look at one event's delivery state for one or more subscribers (for
 * `crossdock events trace`, dlq/trace.ts). Reads the records the sink connectors write
 * (retry/state.ts and retry/lua/*.lua) and changes nothing:
 *
 * - the idempotency record `:idem:<eventId>`: `done` (admit-many.lua, finish-many.lua), or the
 *   instance holding the delivery lease right now;
 * - the retry entry `:entry:<eventId>` (schedule.lua, park.lua; field names of state.ts
 *   `toFields`), which exists while the event is held: in retry or parked;
 * - its score in `:due` (only a due entry is there: in retry, or the head of its key's queue;
 *   claim.lua pushes a claimed entry's score forward by the claim lease, so for an entry being
 *   attempted right now it is when the claim runs out);
 * - with per-key ordering, whether its key is `:held` (its head was dead-lettered with `hold`) and
 *   the head of its key's queue `:q:<key>`.
 *
 * One pipelined round trip for every subscriber asked, and a second one for the ordered entries.
 */

/** The delivery state of one event for one subscriber, as Redis holds it now. */
export interface DeliveryInspection {
  subscriberId: string;
  /** `done`: delivered (the effect happened); `leased`: an instance is delivering it now; `none`. */
  idempotency: 'done' | 'leased' | 'none';
  /** Present while the event is held in Redis (in retry or parked). */
  entry?: HeldEntryInspection;
}

/** What an inspection reads of a held entry: its attempt history and key (retry/state.ts RetryEntry). */
export interface HeldEntryInspection extends Pick<
  RetryEntry,
  'attempts' | 'firstFailedAt' | 'lastFailedAt' | 'lastCode' | 'lastReason' | 'lastStatus' | 'orderKey'
> {
  /** Its due time (epoch ms) when it is in the retry schedule; absent when it is parked. */
  dueAt?: number;
  /** Its key is held (its head was dead-lettered with `ordering.onDeadLetter: hold`). */
  held?: boolean;
  /** The event at the head of its key's queue, when that is another event (it waits behind it). */
  waitingBehind?: string;
}

/** Fields of a retry entry read here (written by retry/state.ts toFields; value and headers are not read). */
const ENTRY_FIELDS = [
  'attempts',
  'firstFailedAt',
  'lastFailedAt',
  'lastCode',
  'lastReason',
  'lastStatus',
  'orderKey',
  'eventId',
] as const;

function num(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Every answer of a pipeline, or the first error it met. */
function answers(res: Array<[Error | null, unknown]> | null): unknown[] {
  return (res ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * The delivery state of `eventId` for each subscriber whose keys are given, in that order.
 * Throws the Redis client's error when Redis does not answer.
 */
export async function inspectDeliveries(
  redis: Redis,
  subscribers: readonly DeliveryKeys[],
  eventId: string,
): Promise<DeliveryInspection[]> {
  if (subscribers.length === 0) return [];
  // One pipeline on one server; one per subscriber (its tag, its slot) on a cluster.
  const res = answers(
    await execGroups(
      redis,
      subscribers.map((k) => (pipe) => {
        pipe.get(k.idempotency(eventId));
        pipe.hmget(k.entry(eventId), ...ENTRY_FIELDS);
        pipe.zscore(k.due, eventId);
      }),
    ),
  );
  const out: DeliveryInspection[] = subscribers.map((k, i) => {
    const idem = res[3 * i] as string | null;
    const fields = res[3 * i + 1] as Array<string | null>;
    const score = res[3 * i + 2] as string | null;
    const inspection: DeliveryInspection = {
      subscriberId: k.subscriberId,
      idempotency: idem === 'done' ? 'done' : idem ? 'leased' : 'none',
    };
    const f = Object.fromEntries(ENTRY_FIELDS.map((name, j) => [name, fields[j] ?? undefined]));
    // An entry always holds its eventId (toFields); a hash without it is not one.
    if (f.eventId !== undefined) {
      const entry: HeldEntryInspection = { attempts: num(f.attempts) ?? 0 };
      const put = <K extends keyof HeldEntryInspection>(key: K, v: HeldEntryInspection[K] | undefined) => {
        if (v !== undefined) entry[key] = v;
      };
      put('firstFailedAt', num(f.firstFailedAt));
      put('lastFailedAt', num(f.lastFailedAt));
      put('lastCode', f.lastCode);
      put('lastReason', f.lastReason);
      put('lastStatus', num(f.lastStatus));
      put('orderKey', f.orderKey);
      put('dueAt', num(score));
      inspection.entry = entry;
    }
    return inspection;
  });
  const ordered = out.flatMap((o, i) =>
    o.entry?.orderKey !== undefined ? [{ o, k: subscribers[i]!, key: o.entry.orderKey }] : [],
  );
  if (ordered.length > 0) {
    const res2 = answers(
      await execGroups(
        redis,
        ordered.map(({ k, key }) => (pipe2) => {
          pipe2.sismember(k.held, key);
          pipe2.lindex(k.keyQueue(key), 0);
        }),
      ),
    );
    ordered.forEach(({ o }, i) => {
      const entry = o.entry!;
      if (Number(res2[2 * i]) === 1) entry.held = true;
      const head = res2[2 * i + 1] as string | null;
      if (head && head !== eventId) entry.waitingBehind = head;
    });
  }
  return out;
}
