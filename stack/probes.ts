// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';
import { formatSeed, isClusterUrl, parseClusterUrl } from '../core/redis-cluster-url';

/** "Really answers" checks for each part: a protocol-level call, not just an open port. */

/** Kafka answers a metadata call with a controller, and at least `minBrokers` brokers registered. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 3000, minBrokers = 1): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'crossdock-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    authenticationTimeout: timeoutMs,
    enforceRequestTimeout: true,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length >= Math.max(1, minBrokers) && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function registryAnswers(registryUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    return Array.isArray(await res.json());
  } catch {
    return false;
  }
}

/**
 * A redis:// URL: the server answers PING. A redis+cluster:// URL: one of its seeds answers and
 * says cluster_state:ok (a cluster missing slots is not up).
 */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  if (isClusterUrl(url)) {
    const parsed = parseClusterUrl(url);
    for (const seed of parsed.seeds) {
      const one = `${parsed.tls ? 'rediss' : 'redis'}://${formatSeed(seed)}`;
      const info = await oneServer(one, timeoutMs, (r) => r.cluster('INFO'));
      if (info !== undefined) return /cluster_state:ok/.test(info);
    }
    return false;
  }
  return (await oneServer(url, timeoutMs, (r) => r.ping())) === 'PONG';
}

async function oneServer(
  url: string,
  timeoutMs: number,
  ask: (redis: Redis) => Promise<string>,
): Promise<string | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await ask(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
