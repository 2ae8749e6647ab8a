import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { RedisConnection } from './connection';
import { redisConnectionFailure } from './connection-errors';
import { CrossdockError } from './errors';

export type { Redis };

interface RedisClientCommon {
  /** Name shown in CLIENT LIST. */
  name?: string;
  /**
   * Fail fast instead of queueing commands while disconnected. Callers that must ride out an
   * outage (router, connectors) treat the error as transient and pause; they do not want an
   * unbounded offline queue in memory.
   */
  failFast?: boolean;
  /**
   * A command that has no answer after this long fails (ms), whether Redis is slow or down and
   * the command waits in the offline queue: for callers that answer a client and must not make it
   * wait without limit (HTTP ingest). @defaultValue no limit
   */
  commandTimeoutMs?: number;
}

/**
 * Which Redis: the hub's code passes `connection` (Endpoints.redis: user, password, TLS; see
 * core/connection.ts); `url` is the bare form kept for tests and benches. A unit test keeps
 * production code on `connection`.
 */
export type RedisClientOptions = RedisClientCommon &
  ({ connection: RedisConnection; url?: never } | { url: string; connection?: never });

/** ioredis's `username`, `password` and `tls` for a connection. */
export function ioredisSecurity(
  connection: RedisConnection,
): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const { username, password, tls } = connection;
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls
      ? {
          tls: {
            ...(tls.ca ? { ca: [...tls.ca] } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
          },
        }
      : {}),
  };
}

export function createRedis(options: RedisClientOptions): Redis {
  const url = options.connection ? options.connection.url : options.url;
  const redis = new Redis(url, {
    ...(options.connection ? ioredisSecurity(options.connection) : {}),
    connectionName: options.name,
    maxRetriesPerRequest: options.failFast ? 1 : 20,
    enableOfflineQueue: !options.failFast,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    ...(options.commandTimeoutMs !== undefined ? { commandTimeout: options.commandTimeoutMs } : {}),
  });
  // Connection errors surface on commands; the 'error' event alone must not crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Resolves once the client can take commands: a fail-fast client refuses commands sent before
 * its connection is up. Throws CD_E_REDIS_AUTH_FAILED when Redis refuses the login,
 * CD_E_REDIS_TLS_FAILED when the TLS handshake fails, and CD_E_STACK_NO_REDIS when Redis does
 * not answer within `timeoutMs`. `url` is for messages: it must hold no password
 * (RedisConnection.url).
 */
export async function redisReady(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onError: ((err: Error) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      onError = (err: Error) => {
        const coded = redisConnectionFailure(err, url);
        if (coded) reject(coded);
      };
      redis.on('error', onError);
      timer = setTimeout(
        () =>
          reject(
            new CrossdockError(
              'CD_E_STACK_NO_REDIS',
              `Redis at ${url} did not answer within ${timeoutMs} ms`,
              {
                details: { url },
              },
            ),
          ),
        timeoutMs,
      );
    });
  } finally {
    clearTimeout(timer);
    if (onError) redis.off('error', onError);
  }
}
