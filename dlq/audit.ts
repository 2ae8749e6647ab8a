/**
 * The audit trail of dead-letter operations (dlq/contract.ts AuditRecord): every admin API
 * operation, refused ones too, is one record.
 *
 * - The record of truth is the topic `<prefix>.audit` (core/names/topics.ts `audit`): one JSON
 *   message per operation, keyed by who did it (one person's operations stay in order), written
 *   with acks from every in-sync replica before the API answers.
 * - A capped copy of the newest records is kept in Redis (core/names/redis-keys.ts
 *   auditKeys(prefix).log: LPUSH + LTRIM, newest first) so `GET /api/v1/audit` and
 *   `crossdock audit list` answer without reading the topic. Older records are only on the topic
 *   (as long as its retention keeps them).
 */
import type { Producer } from 'kafkajs';
import { CrossdockError, describeError } from '../core/errors';
import { auditKeys } from '../core/names/redis-keys';
import type { Redis } from '../core/redis';
import type { AuditRecord } from './contract';

/** How `GET /audit` filters (every given one must hold). */
export interface AuditQuery {
  /** The token name (`who`). */
  who?: string;
  /** An operation (`dlq.discard`) or its family (`dlq`: every `dlq.…`). */
  op?: string;
  /** Epoch ms: records at or after. */
  since?: number;
  /** At most this many, newest first. */
  limit: number;
}

/** Where audit records go and how they are read back. */
export interface AuditLog {
  /**
   * Writes one record to the topic and to the recent copy in Redis, both before it resolves.
   * @throws CrossdockError CD_E_AUDIT_UNAVAILABLE (retriable) when either write fails
   */
  record(record: AuditRecord): Promise<void>;
  /**
   * The newest records matching `query`, from the recent copy.
   * @throws CrossdockError CD_E_AUDIT_UNAVAILABLE (retriable) when Redis does not answer
   */
  list(query: AuditQuery): Promise<AuditRecord[]>;
}

export interface AuditLogOptions {
  /** A connected producer (the caller owns it: connect before, disconnect after). */
  producer: Pick<Producer, 'send'>;
  redis: Redis;
  /** The hub's Redis prefix (core/names/redis-keys.ts). */
  redisPrefix: string;
  /** The audit topic: topics(config).audit. */
  topic: string;
  /** How many recent records Redis keeps. @defaultValue 10000 */
  keep?: number;
}

export const AUDIT_KEEP_DEFAULT = 10_000;

function unavailable(what: string, err: unknown): CrossdockError {
  return new CrossdockError(
    'CD_E_AUDIT_UNAVAILABLE',
    `the audit trail could not ${what}: ${describeError(err)}`,
    {
      retriable: true,
      cause: err,
    },
  );
}

/** True when `record` passes `query` (limit aside). */
export function auditMatches(record: AuditRecord, query: Omit<AuditQuery, 'limit'>): boolean {
  if (query.who !== undefined && record.who !== query.who) return false;
  if (query.op !== undefined && record.op !== query.op && !record.op.startsWith(`${query.op}.`)) return false;
  if (query.since !== undefined && record.at < query.since) return false;
  return true;
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const key = auditKeys(options.redisPrefix).log;
  const keep = options.keep ?? AUDIT_KEEP_DEFAULT;
  return {
    async record(record) {
      const value = JSON.stringify(record);
      const toTopic = options.producer
        .send({ topic: options.topic, acks: -1, messages: [{ key: record.who, value }] })
        .catch((err: unknown) => {
          throw unavailable(`write to ${options.topic}`, err);
        });
      const toRedis = options.redis
        .multi()
        .lpush(key, value)
        .ltrim(key, 0, keep - 1)
        .exec()
        .then((res) => {
          const failed = res?.find(([err]) => err);
          if (!res || failed) throw failed?.[0] ?? new Error('transaction discarded');
        })
        .catch((err: unknown) => {
          throw unavailable('keep its recent copy in Redis', err);
        });
      // Both settle before this resolves; the first failure is the one reported.
      const [topic, redis] = await Promise.allSettled([toTopic, toRedis]);
      if (topic.status === 'rejected') throw topic.reason;
      if (redis.status === 'rejected') throw redis.reason;
    },
    async list(query) {
      let raw: string[];
      try {
        raw = await options.redis.lrange(key, 0, keep - 1);
      } catch (err) {
        throw unavailable('be read from Redis', err);
      }
      const out: AuditRecord[] = [];
      for (const text of raw) {
        if (out.length >= query.limit) break;
        let r: AuditRecord;
        try {
          r = JSON.parse(text) as AuditRecord;
        } catch {
          continue;
        }
        if (auditMatches(r, query)) out.push(r);
      }
      return out;
    },
  };
}
