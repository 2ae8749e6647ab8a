import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { loadCatalog, encodeEvent, type CatalogEntry } from '../../../schemas';
import { createTopics, randomName, testEndpoints, eventually } from '../../helpers/stack';

/** One request as the receiver saw it. */
export interface Received {
  n: number;
  at: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The Idempotency-Key header (= eventId). */
  key: string;
}

/** How the receiver answers one request: a status, or hang until the client gives up, or drop. */
export type Reply =
  { status: number; headers?: Record<string, string>; delayMs?: number; body?: string } | 'hang' | 'destroy';

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Requests per Idempotency-Key. */
  countByKey(): Map<string, number>;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 that answers as `behave` says (programmed failures). */
export async function startReceiver(
  behave: (req: Received, attemptsForKey: number) => Reply | Promise<Reply>,
  port = 0,
): Promise<Receiver> {
  const requests: Received[] = [];
  const perKey = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      const count = (perKey.get(key) ?? 0) + 1;
      perKey.set(key, count);
      const r: Received = {
        n: requests.length + 1,
        at: Date.now(),
        headers: req.headers,
        body: Buffer.concat(chunks),
        key,
      };
      requests.push(r);
      const reply = await behave(r, count);
      if (reply === 'hang') return;
      if (reply === 'destroy') return void req.socket.destroy();
      if (reply.delayMs) await new Promise((d) => setTimeout(d, reply.delayMs));
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    requests,
    countByKey: () => new Map(perKey),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound then released). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let holdEntry: CatalogEntry | undefined;
function orderHoldPlaced(): CatalogEntry {
  holdEntry ??= loadCatalog().entries.find((e) => e.eventType === 'OrderHoldPlaced');
  if (!holdEntry) throw new Error('OrderHoldPlaced is not in the catalog');
  return holdEntry;
}

export interface TestEvent {
  eventId: string;
  orderId: string;
  seq: number;
  value: Record<string, unknown>;
}

/** A canonical OrderHoldPlaced (decimal amount, timestamp, nullable fields) for `orderId`. */
export function holdEvent(orderId: string, seq: number): TestEvent {
  const eventId = crypto.randomUUID();
  return {
    eventId,
    orderId,
    seq,
    value: {
      metadata: {
        eventId,
        eventType: 'OrderHoldPlaced',
        occurredAt: new Date(Date.UTC(2026, 0, 12, 9, 30, 0, seq % 1000)),
        siteId: 'us-chi',
        sourceSystem: 'test',
        correlationId: `corr-${orderId}`,
        causationId: null,
      },
      orderId,
      holdId: `H-${seq}`,
      holdReason: 'CREDIT_LIMIT',
      holdNote: `seq ${seq}`,
      placedBy: 'rule-7',
      customerId: 'C-100',
      currency: 'USD',
      amountAtRisk: '1234.50',
      expectedReleaseDate: null,
    },
  };
}

/** Confluent-framed Avro value plus the CloudEvents Kafka headers the router writes. */
export async function encodeHold(
  e: TestEvent,
): Promise<{ key: string; value: Buffer; headers: Record<string, string> }> {
  const value = await encodeEvent(testEndpoints().registryUrl, orderHoldPlaced(), undefined, e.value);
  return {
    key: e.orderId,
    value,
    headers: {
      ce_specversion: '1.0',
      ce_id: e.eventId,
      ce_type: 'com.crossdock.order.OrderHoldPlaced',
      ce_source: 'crossdock/us-chi',
      ce_time: '2026-01-12T09:30:00.000Z',
      ce_subject: e.orderId,
      'content-type': 'application/avro',
      traceparent: `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-01`,
    },
  };
}

/** Produces events in order (one partition per key, so per-key order is the produce order). */
export async function produceHolds(producer: Producer, topic: string, events: TestEvent[]): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < events.length; i += chunk) {
    const messages = await Promise.all(events.slice(i, i + chunk).map(encodeHold));
    await producer.send({ topic, acks: -1, messages });
  }
}

/** A fresh prefix and subscriber with their deliver and dlq topics. */
export async function deliveryTopics(
  admin: Admin,
  partitions = 3,
): Promise<{ prefix: string; subscriberId: string; deliver: string; dlq: string }> {
  const prefix = randomName('cdt');
  const subscriberId = randomName('sub');
  const deliver = `${prefix}.deliver.${subscriberId}`;
  const dlq = `${prefix}.dlq.deliver.${subscriberId}`;
  await createTopics(admin, [
    { topic: deliver, numPartitions: partitions, replicationFactor: 1 },
    { topic: dlq, numPartitions: 1, replicationFactor: 1 },
  ]);
  return { prefix, subscriberId, deliver, dlq };
}

/** Reads a topic from the beginning (read_committed) until `predicate` holds on what was read. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  predicate: (msgs: KafkaMessage[]) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: randomName('reader'), readUncommitted: false });
  const msgs: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void msgs.push(message) });
    await eventually(() => predicate(msgs), what, timeoutMs);
    return msgs;
  } finally {
    await consumer.disconnect();
  }
}

/** All messages currently on a topic (offsets 0..high watermark), read_committed. */
export async function readAll(kafka: Kafka, admin: Admin, topic: string): Promise<KafkaMessage[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  if (total === 0) return [];
  return readTopic(kafka, topic, (m) => m.length >= total, `${total} messages on ${topic}`);
}

export function header(m: KafkaMessage, name: string): string | undefined {
  const v = m.headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

import { Registry as MetricsRegistry } from 'prom-client';
import Redis from 'ioredis';
import { createRedis, type RedisClient } from '../../../core/redis';
import { isClusterUrl } from '../../../core/redis-cluster-url';
import { systemClock } from '../../../core/clock';
import { createHealthServer, type HealthServer } from '../../../core/health';
import { createLogger, silentLogger, type Logger } from '../../../core/logger';
import { createSchemaResolver } from '../../../core/registry';
import { createSinkConnector, subscriberRuntimeConfig, type SinkConnector } from '../../../connectors/sinks';
import { testConsumerFactory } from '../../helpers/committing';

export interface TestConnector {
  connector: SinkConnector;
  health: HealthServer;
  /** Value of one metric sample, e.g. metric('crossdock_delivery_failures_total', { code: 'X' }). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** A connector for one subscriber on the test stack, with its own metrics registry. */
export async function startTestConnector(
  kafka: Kafka,
  redis: RedisClient,
  t: { prefix: string; subscriberId: string },
  sink: Record<string, unknown> & { kind: string },
  delivery: Record<string, unknown>,
  logger: Logger = silentLogger(),
): Promise<TestConnector> {
  const health = createHealthServer(new MetricsRegistry(), { defaultMetrics: false });
  const config = subscriberRuntimeConfig(
    { id: t.subscriberId, sink, delivery },
    { topicPrefix: t.prefix, maxWaitTimeInMs: 50 },
  );
  const connector = createSinkConnector(config, {
    kafka,
    consumer: testConsumerFactory(kafka),
    redis,
    logger,
    clock: systemClock,
    resolver: createSchemaResolver(testEndpoints().registryUrl),
    health,
  });
  await connector.start();
  return {
    connector,
    health,
    async metric(name, labels = {}) {
      const m = await health.metrics.getSingleMetric(name)?.get();
      return (m?.values ?? [])
        .filter(
          (v) =>
            Object.entries(labels).every(
              ([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want,
            ) && !('metricName' in v && String(v.metricName).endsWith('_bucket')),
        )
        .reduce((n, v) => n + v.value, 0);
    },
  };
}

/**
 * A client of the test stack's Redis: one server as always, or the stack's Redis Cluster when the
 * endpoints name one (global setup with CROSSDOCK_TEST_REDIS_CLUSTER=1; docs/scaling.md).
 */
export function testRedis(): RedisClient {
  const url = testEndpoints().redisUrl;
  if (isClusterUrl(url)) return createRedis({ url, name: 'crossdock-test' });
  return new Redis(url, { maxRetriesPerRequest: 2 });
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { logger, lines };
}
