import path from 'node:path';
import { CrossdockError, isCrossdockError } from '../../../core/errors';
import { loadLuaScript, luaRunner } from '../../../core/lua';
import { ingestKeys, type IngestKeys } from '../../../core/names/redis-keys';
import type { Redis } from '../../../core/redis';

/**
 * HTTP ingest state in Redis: replay marks, quota windows and Idempotency-Key records. Keys are
 * built by core/names/redis-keys.ts (`ingestKeys`: every key of a site shares one hash tag).
 */
export { ingestKeys } from '../../../core/names/redis-keys';

const IDEMPOTENCY_BEGIN = loadLuaScript(path.join(__dirname, 'lua', 'idempotency-begin.lua'), 1);
const QUOTA_TAKE = loadLuaScript(path.join(__dirname, 'lua', 'quota-take.lua'), 1);

export interface IdempotencyRecord {
  state: 'pending' | 'done';
  /** sha256 of the request body. */
  hash: string;
  status?: number;
  body?: unknown;
}

export interface IngestState {
  /** True when this signature was not seen within the window (and marks it seen). */
  markSignature(siteId: string, signature: string, windowMs: number): Promise<boolean>;
  /** Forgets a signature so the exact same request may be retried after a 5xx. */
  forgetSignature(siteId: string, signature: string): Promise<void>;
  takeQuota(
    siteId: string,
    events: number,
    limit: number,
    windowMs: number,
  ): Promise<{ ok: boolean; retryAfterMs: number }>;
  beginIdempotent(
    siteId: string,
    key: string,
    hash: string,
    pendingTtlMs: number,
  ): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
  finishIdempotent(siteId: string, key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  releaseIdempotent(siteId: string, key: string): Promise<void>;
  /**
   * Remembers the eventIds of a request without Idempotency-Key whose publish may have been
   * written (a timeout after the events reached the producer), by body hash, so that the client's
   * retry of the same body carries the same eventIds (the router drops the copy).
   */
  rememberUnconfirmed(siteId: string, bodySha256: string, eventIds: string[], ttlMs: number): Promise<void>;
  /** The eventIds remembered for this body, if any. */
  unconfirmedIds(siteId: string, bodySha256: string): Promise<string[] | undefined>;
  forgetUnconfirmed(siteId: string, bodySha256: string): Promise<void>;
}

/**
 * @param redisPrefix prefix of every key (core/names/redis-keys.ts `resolveRedisPrefix`: the
 *   hub's, or a test's own)
 */
/** How long HTTP ingest lets one Redis command take before it answers 503 (ms). */
export const INGEST_REDIS_TIMEOUT_MS = 2000;

/**
 * The ingest state, every call of which fails as CD_E_INGEST_STATE_UNAVAILABLE (retriable) when
 * Redis does not answer (down, or slower than the client's command timeout): HTTP ingest then
 * answers 503 with Retry-After and nothing was accepted.
 */
export function createIngestState(redis: Redis, redisPrefix: string): IngestState {
  const state = ingestState(redis, redisPrefix);
  const guarded = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(state) as Array<[string, (...a: unknown[]) => Promise<unknown>]>)
    guarded[name] = (...args: unknown[]) =>
      fn(...args).catch((err: unknown) => {
        if (isCrossdockError(err)) throw err;
        throw new CrossdockError(
          'CD_E_INGEST_STATE_UNAVAILABLE',
          `Redis did not answer (${err instanceof Error ? err.message : String(err)}); nothing was accepted`,
          { retriable: true, cause: err },
        );
      });
  return guarded as unknown as IngestState;
}

function ingestState(redis: Redis, redisPrefix: string): IngestState {
  const lua = luaRunner(redis, [IDEMPOTENCY_BEGIN, QUOTA_TAKE]);
  const keysOf = (siteId: string): IngestKeys => ingestKeys(redisPrefix, siteId);
  // Replay marks are one SET NX per request: those issued in the same event-loop turn go to Redis
  // as one pipeline (one socket write instead of one per request).
  let pending: Array<{
    key: string;
    ttl: number;
    resolve: (ok: boolean) => void;
    reject: (err: unknown) => void;
  }> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    const pipe = redis.pipeline();
    for (const p of batch) pipe.set(p.key, '1', 'PX', p.ttl, 'NX');
    pipe.exec().then(
      (results) =>
        batch.forEach((p, i) => {
          const [err, res] = results?.[i] ?? [new Error('no pipeline result'), null];
          if (err) p.reject(err);
          else p.resolve(res === 'OK');
        }),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  return {
    markSignature(siteId, signature, windowMs) {
      // Kept for twice the window: a request is accepted only within ±window of now.
      return new Promise<boolean>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({
          key: keysOf(siteId).replay(signature),
          ttl: windowMs * 2,
          resolve,
          reject,
        });
      });
    },
    async forgetSignature(siteId, signature) {
      await redis.del(keysOf(siteId).replay(signature));
    },
    async takeQuota(siteId, events, limit, windowMs) {
      const [ok, , ttl] = (await lua.run(
        QUOTA_TAKE,
        [keysOf(siteId).quota()],
        [events, limit, windowMs],
      )) as [number, number, number];
      return { ok: ok === 1, retryAfterMs: ttl };
    },
    async beginIdempotent(siteId, key, hash, pendingTtlMs) {
      const res = (await lua.run(
        IDEMPOTENCY_BEGIN,
        [keysOf(siteId).idempotency(key)],
        [JSON.stringify({ state: 'pending', hash }), pendingTtlMs],
      )) as [number, string?];
      if (res[0] === 1) return { claimed: true };
      return { claimed: false, record: JSON.parse(res[1] ?? '{}') as IdempotencyRecord };
    },
    async finishIdempotent(siteId, key, record, ttlMs) {
      await redis.set(keysOf(siteId).idempotency(key), JSON.stringify(record), 'PX', ttlMs);
    },
    async releaseIdempotent(siteId, key) {
      await redis.del(keysOf(siteId).idempotency(key));
    },
    async rememberUnconfirmed(siteId, bodySha256, eventIds, ttlMs) {
      await redis.set(keysOf(siteId).unconfirmed(bodySha256), JSON.stringify(eventIds), 'PX', ttlMs);
    },
    async unconfirmedIds(siteId, bodySha256) {
      const v = await redis.get(keysOf(siteId).unconfirmed(bodySha256));
      return v ? (JSON.parse(v) as string[]) : undefined;
    },
    async forgetUnconfirmed(siteId, bodySha256) {
      await redis.del(keysOf(siteId).unconfirmed(bodySha256));
    },
  };
}
