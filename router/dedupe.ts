import crypto from 'node:crypto';
import type { Redis } from '../core/redis';
import type { RouterKeys } from './keys';

/**
 * Duplicate detection by eventId, safe across the crash window.
 *
 * The mark is written before the Kafka transaction that fans the event out commits. If the
 * process dies in between, the event is read again from the same topic-partition-offset; the
 * mark records that origin, so the re-read is recognised as the same attempt, not a duplicate.
 * A copy with the same payload hash from another origin is a duplicate (dropped, counted); a
 * different hash is a conflict (dead-lettered).
 *
 * A batch is checked with one script call per key hash tag (keys.ts: at most 16), all sent in
 * one pipeline: one round trip and a handful of script calls for hundreds of events, instead
 * of one script call per event.
 */
export const SEEN_SCRIPT = `
-- Contract
-- KEYS[i]      seen mark of one eventId (a string "<payload sha256> <topic/partition/offset>");
--              every key of one call shares a hash tag
-- ARGV[1]      ttl in seconds
-- ARGV[2i]     payload hash of KEYS[i]    ARGV[2i+1] its origin (topic/partition/offset)
-- returns      one integer per key, in KEYS order:
--              0 first sighting (recorded)   1 same origin: the same attempt again
--              2 same payload from another origin (duplicate)   3 other payload (conflict)
-- A key listed twice is answered in order: the second sees the mark the first wrote.
local ttl = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local hash = ARGV[2 * i]
  local origin = ARGV[2 * i + 1]
  local cur = redis.call('GET', KEYS[i])
  if not cur then
    redis.call('SET', KEYS[i], hash .. ' ' .. origin, 'EX', ttl)
    out[i] = 0
  else
    local sp = string.find(cur, ' ', 1, true)
    if sp and string.sub(cur, sp + 1) == origin then
      out[i] = 1
    elseif sp and string.sub(cur, 1, sp - 1) == hash then
      out[i] = 2
    else
      out[i] = 3
    end
  end
end
return out
`;

export type SeenVerdict = 'new' | 'same-attempt' | 'duplicate' | 'conflict';
const VERDICTS: readonly SeenVerdict[] = ['new', 'same-attempt', 'duplicate', 'conflict'];

export interface SeenCheck {
  eventId: string;
  /** sha256 of the Avro body after the framing (identical events hash alike whatever schema id framed them). */
  hash: string;
  origin: string;
}

// One-shot hashing (Node ≥ 20.12) skips the Hash object; the digest is the same.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Buffer, enc: 'base64') => string }).hash;

export function payloadHash(body: Buffer): string {
  return oneShot
    ? oneShot('sha256', body, 'base64')
    : crypto.createHash('sha256').update(body).digest('base64');
}

export function originOf(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

export interface Deduper {
  /** One verdict per check, in order; one round trip for the whole batch. Throws when Redis fails. */
  check(items: readonly SeenCheck[]): Promise<SeenVerdict[]>;
}

type WithSeen = { cdRouterSeenBatch(numKeys: number, ...args: Array<string | number>): unknown };

export function createDeduper(redis: Redis, keys: RouterKeys, ttlSeconds: number): Deduper {
  redis.defineCommand('cdRouterSeenBatch', { lua: SEEN_SCRIPT });
  return {
    async check(items) {
      if (items.length === 0) return [];
      // Group by hash tag, keeping each group's items in input order (their answers follow it).
      const groups = new Map<string, number[]>();
      for (let i = 0; i < items.length; i++) {
        const g = keys.seenGroup(items[i]!.eventId);
        const list = groups.get(g);
        if (list) list.push(i);
        else groups.set(g, [i]);
      }
      const pipeline = redis.pipeline();
      const order: number[][] = [];
      for (const idx of groups.values()) {
        const keyList: string[] = new Array<string>(idx.length);
        const args: Array<string | number> = [ttlSeconds];
        for (let j = 0; j < idx.length; j++) {
          const it = items[idx[j]!]!;
          keyList[j] = keys.seen(it.eventId);
          args.push(it.hash, it.origin);
        }
        (pipeline as unknown as WithSeen).cdRouterSeenBatch(idx.length, ...keyList, ...args);
        order.push(idx);
      }
      const res = (await pipeline.exec()) ?? [];
      const out = new Array<SeenVerdict>(items.length);
      order.forEach((idx, g) => {
        const [err, value] = res[g] ?? [new Error('no reply')];
        if (err) throw err;
        const answers = value as unknown[];
        if (!Array.isArray(answers) || answers.length !== idx.length)
          throw new Error(`unexpected dedupe reply ${String(value)}`);
        idx.forEach((itemIndex, j) => {
          const v = VERDICTS[Number(answers[j])];
          if (!v) throw new Error(`unexpected dedupe reply ${String(answers[j])}`);
          out[itemIndex] = v;
        });
      });
      return out;
    },
  };
}
