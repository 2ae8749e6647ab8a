import type { RedisSettings } from '../core/config';
import { CrossdockError } from '../core/errors';
import { eventLogger } from '../core/log-events';
import type { Logger } from '../core/logger';
import type { RedisConnection } from '../core/connection';
import { createRedis, isCluster, redisReady, type Redis, type RedisNode } from '../core/redis';
import { HUB_LOG_EVENTS } from './log-events';

/**
 * The start-up check of the Redis the hub keeps its state in (retries, events parked behind a
 * key, idempotency records: state that Kafka offsets were committed against). A Redis that can
 * lose that state silently is refused unless the configuration says the setup is throwaway.
 *
 * What counts as durable: an append-only file (`appendonly yes`, any `appendfsync`) and
 * `maxmemory-policy noeviction`. RDB snapshots alone do not count: a crash loses every write since
 * the last snapshot (minutes, by Redis's default save points), which for the hub means events
 * whose offsets were committed. Any policy but `noeviction` lets Redis delete keys under memory
 * pressure (the volatile-* ones the idempotency records, which all carry a TTL).
 */

/** What CONFIG GET told about the Redis, or that it could not be read. */
export type RedisPersistenceFacts =
  | {
      readable: true;
      appendonly: string;
      appendfsync: string;
      save: string;
      maxmemoryPolicy: string;
    }
  | { readable: false; reason: string };

/** One setting that makes the Redis unfit, with the fix. */
export interface DurabilityProblem {
  setting: string;
  found: string;
  problem: string;
  fix: string;
}

export type DurabilityVerdict =
  | { action: 'start'; basis: 'checked' | 'declared'; problems: [] }
  | { action: 'warn'; problems: DurabilityProblem[]; unreadable?: string }
  | { action: 'refuse'; code: 'CD_E_REDIS_NOT_DURABLE'; problems: DurabilityProblem[] }
  | { action: 'refuse'; code: 'CD_E_REDIS_DURABILITY_UNKNOWN'; reason: string; problems: [] };

/** The settings of a readable Redis that could lose the hub's state (none: it is durable). */
export function durabilityProblems(
  facts: Extract<RedisPersistenceFacts, { readable: true }>,
): DurabilityProblem[] {
  const problems: DurabilityProblem[] = [];
  if (facts.appendonly !== 'yes') {
    const rdb = facts.save.trim() !== '';
    problems.push({
      setting: 'appendonly',
      found: facts.appendonly,
      problem: rdb
        ? `no append-only file; RDB snapshots alone (save "${facts.save}") lose every write since the last snapshot when Redis stops`
        : 'no persistence at all (no append-only file, save ""): a restart forgets everything',
      fix: 'CONFIG SET appendonly yes (and CONFIG REWRITE), or redis-server --appendonly yes --appendfsync everysec',
    });
  }
  if (facts.maxmemoryPolicy !== 'noeviction') {
    problems.push({
      setting: 'maxmemory-policy',
      found: facts.maxmemoryPolicy,
      problem: 'Redis deletes keys when it reaches maxmemory',
      fix: 'CONFIG SET maxmemory-policy noeviction (and CONFIG REWRITE), or redis-server --maxmemory-policy noeviction',
    });
  }
  return problems;
}

/** The decision, from what was read and what the configuration says (pure). */
export function judgeRedisDurability(
  facts: RedisPersistenceFacts,
  durability: RedisSettings['durability'],
): DurabilityVerdict {
  if (!facts.readable) {
    if (durability === 'none') return { action: 'warn', problems: [], unreadable: facts.reason };
    if (durability === 'declared') return { action: 'start', basis: 'declared', problems: [] };
    return { action: 'refuse', code: 'CD_E_REDIS_DURABILITY_UNKNOWN', reason: facts.reason, problems: [] };
  }
  const problems = durabilityProblems(facts);
  if (durability === 'none') return { action: 'warn', problems };
  if (problems.length > 0) return { action: 'refuse', code: 'CD_E_REDIS_NOT_DURABLE', problems };
  return { action: 'start', basis: 'checked', problems: [] };
}

/**
 * Reads appendonly, appendfsync, save and maxmemory-policy; an error reply means "not readable".
 * On a Redis Cluster every node is read (a replica becomes the primary after a failover): the
 * first node that cannot be read or that has a problem decides, else the first node's settings.
 */
export async function readRedisPersistence(redis: Redis): Promise<RedisPersistenceFacts> {
  if (!isCluster(redis)) return readNodePersistence(redis);
  let first: RedisPersistenceFacts | undefined;
  for (const node of redis.nodes('all')) {
    const facts = await readNodePersistence(node);
    const where = `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
    if (!facts.readable) return { readable: false, reason: `node ${where}: ${facts.reason}` };
    if (durabilityProblems(facts).length > 0) return facts;
    first ??= facts;
  }
  return first ?? { readable: false, reason: 'the cluster client knows no node' };
}

async function readNodePersistence(redis: RedisNode): Promise<RedisPersistenceFacts> {
  try {
    const pairs = (await redis.call(
      'CONFIG',
      'GET',
      'appendonly',
      'appendfsync',
      'save',
      'maxmemory-policy',
    )) as string[];
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) map.set(pairs[i]!, pairs[i + 1]!);
    const appendonly = map.get('appendonly');
    const policy = map.get('maxmemory-policy');
    if (appendonly === undefined || policy === undefined)
      return { readable: false, reason: 'CONFIG GET answered without appendonly / maxmemory-policy' };
    return {
      readable: true,
      appendonly,
      appendfsync: map.get('appendfsync') ?? '',
      save: map.get('save') ?? '',
      maxmemoryPolicy: policy,
    };
  } catch (err) {
    return { readable: false, reason: `CONFIG GET was refused: ${(err as Error).message}` };
  }
}

function describe(problems: DurabilityProblem[]): string {
  return problems
    .map((p) => `${p.setting} is ${JSON.stringify(p.found)}: ${p.problem}; fix: ${p.fix}`)
    .join('; ');
}

/**
 * Connects to `redis` (Endpoints.redis), reads its persistence and applies `durability` (the configuration's
 * redis.durability): logs hub.redis_durability_checked when it starts on a durable (or declared)
 * Redis, hub.redis_not_durable (warn) under `none`, and throws otherwise.
 * @throws CrossdockError CD_E_REDIS_NOT_DURABLE naming each setting and its fix,
 *   CD_E_REDIS_DURABILITY_UNKNOWN when CONFIG cannot be read, CD_E_STACK_NO_REDIS when nothing answers,
 *   CD_E_REDIS_AUTH_FAILED / CD_E_REDIS_TLS_FAILED when the login or the TLS handshake fails
 */
export async function checkRedisDurability(options: {
  redis: RedisConnection;
  durability: RedisSettings['durability'];
  logger: Logger;
  timeoutMs?: number;
}): Promise<DurabilityVerdict> {
  const { durability } = options;
  // Shown in messages: a RedisConnection's url holds no password.
  const redisUrl = options.redis.url;
  const redis = createRedis({
    connection: options.redis,
    name: 'crossdock-durability-check',
    failFast: true,
  });
  let facts: RedisPersistenceFacts;
  try {
    await redisReady(redis, redisUrl, options.timeoutMs ?? 5000);
    facts = await readRedisPersistence(redis);
  } finally {
    redis.disconnect();
  }
  const verdict = judgeRedisDurability(facts, durability);
  const log = eventLogger(options.logger, HUB_LOG_EVENTS);
  const settings = facts.readable
    ? {
        appendonly: facts.appendonly,
        appendfsync: facts.appendfsync,
        save: facts.save,
        maxmemoryPolicy: facts.maxmemoryPolicy,
      }
    : {};
  switch (verdict.action) {
    case 'start':
      log.emit(
        'hub.redis_durability_checked',
        { redisUrl, durability, ...settings },
        verdict.basis === 'checked'
          ? `Redis at ${redisUrl} keeps the hub's state (append-only file, noeviction)`
          : `Redis at ${redisUrl}: CONFIG cannot be read; its persistence is declared by redis.durability: declared`,
      );
      return verdict;
    case 'warn': {
      const what = verdict.unreadable
        ? `its persistence could not be read (${verdict.unreadable})`
        : verdict.problems.length > 0
          ? describe(verdict.problems)
          : 'it persists now, but the configuration does not require it';
      log.emit(
        'hub.redis_not_durable',
        { redisUrl, problems: verdict.problems.map((p) => `${p.setting}=${p.found}`) },
        `redis.durability is none: THROWAWAY SETUP. A restart or eviction of Redis at ${redisUrl} can lose events in retry, parked behind a key, and their idempotency records: ${what}`,
      );
      return verdict;
    }
    case 'refuse':
      if (verdict.code === 'CD_E_REDIS_DURABILITY_UNKNOWN')
        throw new CrossdockError(
          verdict.code,
          `Cannot tell whether Redis at ${redisUrl} keeps the hub's state: ${verdict.reason}. If it is a managed Redis that persists with an append-only file and maxmemory-policy noeviction, set redis.durability: declared in the configuration (redis.durability: none for a throwaway setup).`,
          { details: { redisUrl, reason: verdict.reason } },
        );
      throw new CrossdockError(
        verdict.code,
        `Redis at ${redisUrl} could lose the hub's state (retries, parked events, idempotency records): ${describe(verdict.problems)}. Or unset REDIS_URL to use the local stack's Redis; for a throwaway setup only, set redis.durability: none.`,
        { details: { redisUrl, problems: verdict.problems } },
      );
  }
}
