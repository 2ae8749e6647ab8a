import IORedis, { Cluster } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConnection } from './connection';
import { redisConnectionFailure } from './connection-errors';
import { CrossdockError } from './errors';
import { isClusterUrl, parseClusterUrl } from './redis-cluster-url';

/**
 * Any client {@link createRedis} makes: one server (ioredis `Redis`) for a redis:// URL, or a
 * Redis Cluster (ioredis `Cluster`) for redis+cluster://. Code typed with it may call only what
 * both serve; a part that needs one server's view (SCAN of the whole keyspace, CONFIG) goes
 * through {@link redisNodes} or refuses a cluster with CD_E_REDIS_CLUSTER_UNSUPPORTED
 * (docs/scaling.md lists each place).
 */
export type RedisClient = IORedis | Cluster;

/**
 * The name the hub's files import for a client: the same union as {@link RedisClient} (it was the
 * one-server type before clusters; keeping the name keeps every import as it was).
 */
export type Redis = RedisClient;

/** A client of one server: the whole of a standalone Redis, or one node of a cluster. */
export type RedisNode = IORedis;

/** Whether `redis` is a Redis Cluster client. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The servers that hold the data: the cluster's primaries, or the one server. For operations a
 * cluster client cannot send as one command (SCAN of the keyspace, CONFIG GET of each node).
 */
export function redisNodes(redis: RedisClient): RedisNode[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

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

/**
 * A client for the connection: ioredis `Cluster` when it names a cluster (connection.cluster, or a
 * redis+cluster:// `url`), else ioredis `Redis` exactly as before clusters.
 */
export function createRedis(options: RedisClientOptions): RedisClient {
  const connection = options.connection ?? clusterConnectionOfUrl(options.url);
  if (connection?.cluster) return createCluster(connection, options);
  const url = options.connection ? options.connection.url : options.url;
  const redis = new IORedis(url, {
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

/** A bare redis+cluster:// url (tests, benches) as a connection; undefined for any other url. */
function clusterConnectionOfUrl(url: string | undefined): RedisConnection | undefined {
  if (url === undefined || !isClusterUrl(url)) return undefined;
  const parsed = parseClusterUrl(url);
  return {
    url: parsed.display,
    cluster: { seeds: parsed.seeds },
    ...(parsed.username !== undefined ? { username: parsed.username } : {}),
    ...(parsed.password !== undefined ? { password: parsed.password } : {}),
    ...(parsed.tls ? { tls: {} } : {}),
  };
}

/**
 * The cluster form of the options: the same security, name and command timeout for every node
 * (redisOptions); failFast maps to no offline queue on the cluster (commands sent before the slot
 * map is known, or while no node answers, fail at once) and one retry per command; reads go to
 * primaries only (a replica may lag a write the hub just made).
 */
export function clusterOptions(connection: RedisConnection, options: RedisClientCommon): ClusterOptions {
  const security = ioredisSecurity(connection);
  return {
    redisOptions: {
      ...security,
      connectionName: options.name,
      maxRetriesPerRequest: options.failFast ? 1 : 20,
      ...(options.commandTimeoutMs !== undefined ? { commandTimeout: options.commandTimeoutMs } : {}),
    },
    enableOfflineQueue: !options.failFast,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    scaleReads: 'master',
    lazyConnect: false,
    // Over TLS the certificates name hosts: keep the seed's name instead of resolving it to an IP.
    ...(security.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}

function createCluster(connection: RedisConnection, options: RedisClientCommon): Cluster {
  const seeds = connection.cluster!.seeds.map((s) => ({ host: s.host, port: s.port }));
  const cluster = new Cluster(seeds, clusterOptions(connection, options));
  cluster.on('error', () => undefined);
  return cluster;
}

/**
 * Resolves once the client can take commands: a fail-fast client refuses commands sent before
 * its connection is up. Throws CD_E_REDIS_AUTH_FAILED when Redis refuses the login,
 * CD_E_REDIS_TLS_FAILED when the TLS handshake fails, and CD_E_STACK_NO_REDIS when Redis does
 * not answer within `timeoutMs`. `url` is for messages: it must hold no password
 * (RedisConnection.url).
 */
export async function redisReady(redis: RedisClient, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onError: ((err: Error) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      onError = (err: Error) => {
        // A cluster client wraps the node's error (ClusterAllFailedError.lastNodeError).
        const inner = (err as { lastNodeError?: unknown }).lastNodeError;
        const coded = redisConnectionFailure(inner ?? err, url);
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
