import path from 'node:path';
import { loadLuaScript, luaRunner, type LuaArg } from '../../core/lua';
import { flowKeys } from '../../core/names/redis-keys';
import type { Redis } from '../../core/redis';
import { SCORE_FIELDS as F, SITE_HOUR_TTL_MS, hourStart, type FactSink, type IngressFact } from '../contract';

const RECORD = loadLuaScript(path.join(__dirname, 'lua', 'record.lua'), null);

/** Rejections whose code the feed could not tell are counted under this code. */
export const UNKNOWN_REJECTION_CODE = 'unknown';

/**
 * The hour-hash fields one fact increments (flows/contract.ts SCORE_FIELDS):
 * - accepted: `acc`, `ver:<type>|<version>|<0|1>` when its schema version is known, `dep` when
 *   that version is deprecated;
 * - rejected: `rej` and `rej:<code>|<rule>`;
 * - duplicate: `dup`.
 * `last` (the newest receivedAt) is kept by the script as a maximum, not counted.
 */
export function factFields(fact: IngressFact): string[] {
  switch (fact.outcome) {
    case 'accepted': {
      const out: string[] = [F.accepted];
      if (fact.schemaVersion !== undefined)
        out.push(F.version(fact.eventType, fact.schemaVersion, fact.deprecated));
      if (fact.deprecated) out.push(F.deprecated);
      return out;
    }
    case 'rejected':
      return [
        F.rejected,
        F.rejectedBy(fact.rejection?.code || UNKNOWN_REJECTION_CODE, fact.rejection?.rule || undefined),
      ];
    case 'duplicate':
      return [F.duplicates];
  }
}

export interface ScorecardRecorderOptions {
  redis: Redis;
  /** The hub's Redis prefix (core/names/redis-keys.ts resolveRedisPrefix). */
  redisPrefix: string;
}

/** One partition's facts of a batch, added up by site hour hash. */
interface PartitionSum {
  position: string;
  first: string;
  last: string;
  facts: number;
  /** By hour hash key. */
  hours: Map<string, HourSum>;
}

interface HourSum {
  site: string;
  newest: number;
  fields: Map<string, number>;
}

/**
 * The batch added up by partition (in the order the partitions first come) and, within one, by
 * site hour: what record.lua counts, without a list of fields per fact.
 */
export function sumFacts(
  facts: readonly IngressFact[],
  hourKey: (siteId: string, hourStart: number) => string,
): PartitionSum[] {
  const byPosition = new Map<string, PartitionSum>();
  for (const fact of facts) {
    const position = `${fact.topic}/${fact.partition}`;
    let p = byPosition.get(position);
    if (!p)
      byPosition.set(
        position,
        (p = { position, first: fact.offset, last: fact.offset, facts: 0, hours: new Map() }),
      );
    p.last = fact.offset;
    p.facts++;
    const receivedAt = Math.trunc(fact.receivedAt);
    const key = hourKey(fact.siteId, hourStart(fact.receivedAt));
    let h = p.hours.get(key);
    if (!h) p.hours.set(key, (h = { site: fact.siteId, newest: receivedAt, fields: new Map() }));
    else if (receivedAt > h.newest) h.newest = receivedAt;
    for (const field of factFields(fact)) h.fields.set(field, (h.fields.get(field) ?? 0) + 1);
  }
  return [...byPosition.values()];
}

/**
 * The scorecard recorder, a FactSink the feed hands every ingress fact to (flows/contract.ts).
 * A batch is added up here by partition and site hour and counted by one Lua call
 * (lua/record.lua): per site hour hash, the fields' increments, its `last` kept as a maximum, the
 * site added to `sites`, the hour's TTL (SITE_HOUR_TTL_MS) — for each partition whose counted
 * offset (`applied[<topic>/<partition>]`) is below the batch's first, which the same call moves to
 * the batch's last. A partition counted part way (a batch handed again after a restart overlaps one
 * counted before) comes back with its counted offset, and its facts above it are sent again; one
 * counted whole is skipped. So every fact is counted once. Facts of one partition must come in
 * offset order (the feed's promise).
 */
export function createScorecardRecorder(options: ScorecardRecorderOptions): FactSink {
  const keys = flowKeys(options.redisPrefix);
  const lua = luaRunner(options.redis, [RECORD]);
  const hourKey = (siteId: string, hour: number) => keys.siteHour(siteId, hour);
  const record = async (facts: readonly IngressFact[]): Promise<Map<string, bigint>> => {
    const hourKeys: string[] = [];
    const index = new Map<string, number>();
    const args: LuaArg[] = [SITE_HOUR_TTL_MS, F.lastEventAt, 0];
    const sums = sumFacts(facts, hourKey);
    args[2] = sums.length;
    for (const p of sums) {
      args.push(p.position, p.first, p.last, p.facts, p.hours.size);
      for (const [key, h] of p.hours) {
        let k = index.get(key);
        if (k === undefined) {
          hourKeys.push(key);
          // KEYS[1] and KEYS[2] are `applied` and `sites`; hour hashes follow (Lua is 1-based).
          k = hourKeys.length + 2;
          index.set(key, k);
        }
        args.push(k, h.site, h.newest, h.fields.size);
        for (const [field, by] of h.fields) args.push(field, by);
      }
    }
    const reply = (await lua.run(RECORD, [keys.applied, keys.sites, ...hourKeys], args)) as unknown[];
    const partly = new Map<string, bigint>();
    for (let x = 1; x + 1 < reply.length; x += 2) partly.set(String(reply[x]), BigInt(String(reply[x + 1])));
    return partly;
  };
  return {
    async onFacts(facts: readonly IngressFact[]): Promise<void> {
      let todo = facts;
      // A partition counted part way is sent again from above its counted offset: then it is
      // counted whole (or, moved meanwhile by another caller, skipped or sent again).
      while (todo.length > 0) {
        const partly = await record(todo);
        if (partly.size === 0) return;
        todo = todo.filter((f) => {
          const applied = partly.get(`${f.topic}/${f.partition}`);
          return applied !== undefined && BigInt(f.offset) > applied;
        });
      }
    },
  };
}
