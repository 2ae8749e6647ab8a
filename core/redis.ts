import Redis from 'ioredis';
import { CrossdockError } from './errors';

export type { Redis };

export interface RedisClientOptions {
  url: string;
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

export function createRedis(options: RedisClientOptions): Redis {
  const redis = new Redis(options.url, {
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
 * its connection is up. Throws CD_E_STACK_NO_REDIS when Redis does not answer within `timeoutMs`.
 */
export async function redisReady(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
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
  }
}
