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
 */
export const SEEN_SCRIPT = `
-- Contract
-- KEYS[1]  seen record of one eventId (hash: h = payload sha256, o = topic/partition/offset)
-- ARGV[1]  payload hash    ARGV[2] origin    ARGV[3] ttl in seconds
-- returns  0 first sighting (recorded)   1 same origin: the same attempt again
--          2 same payload from another origin (duplicate)   3 other payload (conflict)
local cur = redis.call('HMGET', KEYS[1], 'h', 'o')
if not cur[1] then
  redis.call('HSET', KEYS[1], 'h', ARGV[1], 'o', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 0
end
if cur[2] == ARGV[2] then return 1 end
if cur[1] == ARGV[1] then return 2 end
return 3
`;

export type SeenVerdict = 'new' | 'same-attempt' | 'duplicate' | 'conflict';
const VERDICTS: readonly SeenVerdict[] = ['new', 'same-attempt', 'duplicate', 'conflict'];

export interface SeenCheck {
  eventId: string;
  /** sha256 of the Avro body after the framing (identical events hash alike whatever schema id framed them). */
  hash: string;
  origin: string;
}

export function payloadHash(body: Buffer): string {
  return crypto.createHash('sha256').update(body).digest('base64');
}

export function originOf(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

export interface Deduper {
  /** One verdict per check, in order; one round trip for the whole batch. Throws when Redis fails. */
  check(items: readonly SeenCheck[]): Promise<SeenVerdict[]>;
}

export function createDeduper(redis: Redis, keys: RouterKeys, ttlSeconds: number): Deduper {
  redis.defineCommand('cdRouterSeen', { numberOfKeys: 1, lua: SEEN_SCRIPT });
  type WithSeen = { cdRouterSeen(key: string, hash: string, origin: string, ttl: number): unknown };
  return {
    async check(items) {
      if (items.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const it of items)
        (pipeline as unknown as WithSeen).cdRouterSeen(keys.seen(it.eventId), it.hash, it.origin, ttlSeconds);
      const res = (await pipeline.exec()) ?? [];
      return items.map((_it, i) => {
        const [err, value] = res[i] ?? [new Error('no reply')];
        if (err) throw err;
        const v = VERDICTS[Number(value)];
        if (!v) throw new Error(`unexpected dedupe reply ${String(value)}`);
        return v;
      });
    },
  };
}
