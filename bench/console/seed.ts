/**
 * The console bench's data: N dead letters written straight into the dead-letter index
 * (dlq/store.ts `index`, as the indexer writes them) under a Redis prefix of the bench's own, and
 * everything under that prefix removed afterwards. Letters spread like the dead-letter index
 * bench's (bench/dlq/index.ts): 20 subscribers, 8 sites, 12 codes, 3 schema versions, a mix of
 * states; each carries the same real Avro event (so a letter's page decodes it as in a hub).
 */
import crypto from 'node:crypto';
import { groupKeyOf, type DeadLetterRecord, type DeadLetterState, type DeadLetterStore } from '../../dlq';
import { topicsForPrefix } from '../../core/names/topics';
import type { Redis } from '../../core/redis';

export const BENCH_SUBSCRIBERS = Array.from({ length: 20 }, (_, i) => `sub-${i}`);
export const BENCH_SITES = Array.from({ length: 8 }, (_, i) => `site-${i}`);
const CODES = Array.from({ length: 12 }, (_, i) => `CD_E_BENCH_${i}`);
const STATES: DeadLetterState[] = [
  ...Array<DeadLetterState>(16).fill('new'),
  'claimed',
  'claimed',
  'discarded',
  'replayed',
];
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

export interface SeedEvent {
  /** The encoded event (Confluent framing) every letter carries. */
  value: Buffer;
  schemaId: number;
  /** CloudEvents type of the event (the catalog subject). */
  eventType: string;
}

/**
 * Letter `i` of `n` (the last one failed at `now`, each earlier one a second before), its event
 * `ev` (or the event of letter i), on `partitions` partitions of its subscriber's topics. Shared with
 * the dead-letter index bench (bench/dlq/index.ts).
 */
export function benchLetter(
  i: number,
  n: number,
  now: number,
  topicPrefix: string,
  ev: SeedEvent | ((i: number) => Omit<SeedEvent, 'value'>),
  partitions = 1,
): DeadLetterRecord {
  const subscriber = pick(BENCH_SUBSCRIBERS, i);
  const t = topicsForPrefix(topicPrefix);
  const lastFailedAt = now - (n - i) * 1000;
  const event = typeof ev === 'function' ? ev(i) : ev;
  const partition = i % partitions;
  const base = {
    id: `${t.dlqDeliver(subscriber)}:${partition}:${i}`,
    topic: t.dlqDeliver(subscriber),
    partition,
    offset: String(i),
    kind: 'deliver' as const,
    code: pick(CODES, Math.floor(i / 7)),
    message: 'the receiver answered 400: field customerRef is required',
    stage: 'deliver.http',
    site: pick(BENCH_SITES, Math.floor(i / 3)),
    subscriber,
    eventType: event.eventType,
    schemaId: event.schemaId,
    schemaVersion: 1 + (i % 3),
    eventId: crypto.randomUUID(),
    correlationId: `corr-${i}`,
    attempts: 5,
    firstFailedAt: lastFailedAt - 60_000,
    lastFailedAt,
    original: { topic: t.deliver(subscriber), partition, offset: String(i) },
    replayCount: 0,
    indexedAt: now,
  };
  const state = pick(STATES, i);
  return {
    ...base,
    group: groupKeyOf(base),
    state,
    ...(state === 'claimed' ? { owner: 'ana' } : {}),
    dueAt: lastFailedAt + 4 * 3_600_000,
    notes: [],
    replays: [],
    updatedAt: now,
    updatedBy: 'bench',
  };
}

/** Indexes `n` letters, 1,000 at a time; answers the first letter (its id and eventId). */
export async function seedLetters(o: {
  store: DeadLetterStore;
  n: number;
  now: number;
  topicPrefix: string;
  event: SeedEvent;
  progress?: (done: number) => void;
}): Promise<DeadLetterRecord> {
  const chunk = 1000;
  let first: DeadLetterRecord | undefined;
  for (let i = 0; i < o.n; i += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, o.n - i) }, (_, j) => {
        const r = benchLetter(i + j, o.n, o.now, o.topicPrefix, o.event);
        first ??= r;
        return o.store.index(r, {
          key: Buffer.from(`K-${i + j}`),
          value: o.event.value,
          headers: { ce_id: r.eventId!, ce_type: o.event.eventType, 'cd-error-code': r.code },
        });
      }),
    );
    o.progress?.(Math.min(o.n, i + chunk));
  }
  return first!;
}

/** Removes every key under `prefix` (SCAN + UNLINK); answers how many. */
export async function removePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}
