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

/**
 * The scorecard recorder, a FactSink the feed hands every ingress fact to (flows/contract.ts).
 * Each batch is one Lua call (lua/record.lua) that, per fact, increments the fields of its site's
 * hour (the UTC hour of its receivedAt), keeps that hour's `last`, adds the site to `sites`,
 * and sets the hour's TTL (SITE_HOUR_TTL_MS) — unless the fact's offset is at or below the one
 * its partition already counted (`applied[<topic>/<partition>]`), which the same call advances.
 * So a batch handed again after a restart, or a fact replayed by a rebuild that did not reset the
 * keys, is counted once. Facts of one partition must come in offset order (the feed's promise).
 */
export function createScorecardRecorder(options: ScorecardRecorderOptions): FactSink {
  const keys = flowKeys(options.redisPrefix);
  const lua = luaRunner(options.redis, [RECORD]);
  return {
    async onFacts(facts: readonly IngressFact[]): Promise<void> {
      if (facts.length === 0) return;
      const hourKeys: string[] = [];
      const index = new Map<string, number>();
      const args: LuaArg[] = [SITE_HOUR_TTL_MS, F.lastEventAt, facts.length];
      for (const fact of facts) {
        const key = keys.siteHour(fact.siteId, hourStart(fact.receivedAt));
        let k = index.get(key);
        if (k === undefined) {
          hourKeys.push(key);
          // KEYS[1] and KEYS[2] are `applied` and `sites`; hour hashes follow (Lua is 1-based).
          k = hourKeys.length + 2;
          index.set(key, k);
        }
        const fields = factFields(fact);
        args.push(
          `${fact.topic}/${fact.partition}`,
          fact.offset,
          k,
          fact.siteId,
          Math.trunc(fact.receivedAt),
          fields.length,
          ...fields,
        );
      }
      await lua.run(RECORD, [keys.applied, keys.sites, ...hourKeys], args);
    },
  };
}
