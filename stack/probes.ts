// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';

/** "Really answers" checks for each part: a protocol-level call, not just an open port. */

export async function kafkaAnswers(brokers: string[], timeoutMs = 3000): Promise<boolean> {
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
    return cluster.brokers.length > 0 && cluster.controller !== null;
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

export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
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
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
