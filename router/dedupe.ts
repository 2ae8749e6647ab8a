import crypto from 'node:crypto';
import path from 'node:path';
import { loadLuaScript, luaRunner } from '../core/lua';
import type { RouterKeys } from '../core/names/redis-keys';
import type { Redis } from '../core/redis';

/**
 * Duplicate detection by eventId, safe across the crash window.
 *
 * The mark is written before the Kafka transaction that fans the event out commits. If the
 * process dies in between, the event is read again from the same topic-partition-offset; the
 * mark records that origin, so the re-read is recognised as the same attempt, not a duplicate.
 * A copy with the same payload hash from another origin is a duplicate (dropped, counted); a
 * different hash is a conflict (dead-lettered).
 *
 * A batch is checked with one script call per key hash tag (core/names/redis-keys.ts: at most
 * 16), all sent in one pipeline: one round trip and a handful of script calls for hundreds of
 * events, instead of one script call per event. The script is router/lua/seen-batch.lua.
 */
export const SEEN_BATCH = loadLuaScript(path.join(__dirname, 'lua', 'seen-batch.lua'), null);

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

export function createDeduper(redis: Redis, keys: RouterKeys, ttlSeconds: number): Deduper {
  const lua = luaRunner(redis, [SEEN_BATCH]);
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
        lua.queue(pipeline, SEEN_BATCH, keyList, args);
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
