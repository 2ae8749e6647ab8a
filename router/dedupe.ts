import crypto from 'node:crypto';
import path from 'node:path';
import { loadLuaScript, luaRunner } from '../core/lua';
import type { RouterKeys } from '../core/names/redis-keys';
import type { Redis } from '../core/redis';
import { execGroups } from '../core/redis-pipeline';
import type { ChainableCommander } from 'ioredis';
import { systemClock, type Clock } from '../core/clock';

/**
 * Duplicate detection by eventId, safe across the crash window.
 *
 * The mark is written before the Kafka transaction that fans the event out commits. If the
 * process dies in between, the event is read again from the same topic-partition-offset; the
 * mark records that origin, so the re-read is recognised as the same attempt, not a duplicate.
 * A copy with the same payload hash from another origin is a duplicate (dropped, counted); a
 * different hash is a conflict (dead-lettered).
 *
 * The mark is also the router's memory of every event it accepted (`crossdock events trace`,
 * dlq/trace.ts): besides the hash and the origin it records when the router first saw the event
 * and the subscribers it chose, each with the route that selected it. Layout (one string, fields
 * separated by single spaces; parseSeenMark() reads it, the script's header says the same):
 *
 *   `<payload sha256> <topic/partition/offset> <epoch ms> <sub>=<route>,<sub>=<route>`
 *
 * (no last field when no route selected the event). Marks written before the time and routes
 * were recorded hold only `<payload sha256> <topic/partition/offset>` and are still read.
 *
 * A batch is checked with one script call per key hash tag (core/names/redis-keys.ts: at most
 * 16), all sent in one pipeline: one round trip and a handful of script calls for hundreds of
 * events, instead of one script call per event. The script is router/lua/seen-batch.lua.
 */
export const SEEN_BATCH = loadLuaScript(path.join(__dirname, 'lua', 'seen-batch.lua'), null);

export type SeenVerdict = 'new' | 'same-attempt' | 'duplicate' | 'conflict';
const VERDICTS: readonly SeenVerdict[] = ['new', 'same-attempt', 'duplicate', 'conflict'];

/** The subscribers of one event and the route that selected each (router/match.ts route()). */
export interface MarkRoutes {
  readonly subscribers: readonly string[];
  readonly routeOf: Readonly<Record<string, string>>;
}

export interface SeenCheck {
  eventId: string;
  /** sha256 of the Avro body after the framing (identical events hash alike whatever schema id framed them). */
  hash: string;
  origin: string;
  /** The routing decision, recorded in a new mark. */
  route: MarkRoutes;
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

// route() shares one decision object per (event type, site) when no route reads headers or
// fields, so its text is built once per decision, not once per event.
const routesText = new WeakMap<MarkRoutes, string>();

/** `<sub>=<route>,<sub>=<route>` ('' for none): the last field of a mark. */
export function markRoutes(route: MarkRoutes): string {
  let text = routesText.get(route);
  if (text === undefined) {
    text = route.subscribers.map((s) => `${s}=${route.routeOf[s] ?? ''}`).join(',');
    routesText.set(route, text);
  }
  return text;
}

/** A duplicate mark, read (parseSeenMark()). */
export interface SeenMark {
  /** payloadHash() of the event's body. */
  hash: string;
  /** Where the router read the event the first time. */
  origin: { topic: string; partition: number; offset: string };
  /** Epoch ms the router first saw it; absent in marks written before it was recorded. */
  firstSeenAt?: number;
  /**
   * The subscribers the router chose, in route order, with the route that selected each ([]:
   * none, the event was unrouted); absent in marks written before it was recorded.
   */
  routed?: Array<{ subscriber: string; route: string }>;
}

/** `topic/partition/offset` → its parts (a topic name holds no `/`); undefined when malformed. */
export function parseOrigin(origin: string): SeenMark['origin'] | undefined {
  const m = /^([^/\s]+)\/(\d+)\/(\d+)$/.exec(origin);
  return m ? { topic: m[1]!, partition: Number(m[2]), offset: m[3]! } : undefined;
}

/**
 * Reads a mark of either layout (see above); undefined when the value is not a mark (it names
 * no valid origin, or a field is malformed).
 */
export function parseSeenMark(value: string): SeenMark | undefined {
  const fields = value.split(' ');
  if (fields.length < 2 || fields.length > 4 || !fields[0]) return undefined;
  const origin = parseOrigin(fields[1]!);
  if (!origin) return undefined;
  const mark: SeenMark = { hash: fields[0], origin };
  if (fields.length === 2) return mark;
  if (!/^\d+$/.test(fields[2]!)) return undefined;
  mark.firstSeenAt = Number(fields[2]);
  mark.routed = [];
  for (const pair of fields[3] ? fields[3].split(',') : []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    mark.routed.push({ subscriber: pair.slice(0, eq), route: pair.slice(eq + 1) });
  }
  return mark;
}

export interface Deduper {
  /** One verdict per check, in order; one round trip for the whole batch. Throws when Redis fails. */
  check(items: readonly SeenCheck[]): Promise<SeenVerdict[]>;
}

/** `clock` dates new marks (the router's first sighting). */
export function createDeduper(
  redis: Redis,
  keys: RouterKeys,
  ttlSeconds: number,
  clock: Clock = systemClock,
): Deduper {
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
      const order: number[][] = [];
      const queued: Array<(pipeline: ChainableCommander) => void> = [];
      const now = clock.now();
      for (const idx of groups.values()) {
        const keyList: string[] = new Array<string>(idx.length);
        const args: Array<string | number> = [ttlSeconds, now];
        for (let j = 0; j < idx.length; j++) {
          const it = items[idx[j]!]!;
          keyList[j] = keys.seen(it.eventId);
          args.push(it.hash, it.origin, markRoutes(it.route));
        }
        queued.push((pipeline) => lua.queue(pipeline, SEEN_BATCH, keyList, args));
        order.push(idx);
      }
      // One pipeline on one server; one per bucket (slot) on a cluster (core/redis-pipeline.ts).
      const res = await execGroups(redis, queued);
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
