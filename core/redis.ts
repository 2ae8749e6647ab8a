import Redis from 'ioredis';

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
