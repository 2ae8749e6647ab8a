import crypto from 'node:crypto';
import { Pool } from 'undici';
import { createKafka } from '../../core/kafka';
import { createRedis } from '../../core/redis';
import { scanMatching, unlinkFound } from '../../core/redis-scan';
import { avroType, frame, toJsonSafe } from '../../core/avro';
import { encodeEvent, loadCatalog } from '../../schemas';
import { currentEndpoints } from '../../stack';
import { startProcess, stopProcess } from './procs';
import { BODY, CONCURRENCY, KEYS, N } from './settings';
import { makeEvents, type BenchEvent } from './workload';

/** What the receiver reports (receiver.ts). */
export interface Stats {
  count: number;
  distinct: number;
  outOfOrder: number;
  first: number;
  last: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number; n: number };
}

/** Deliveries per second between the receiver's first and last receipt. */
export const rate = (s: Stats) => ((s.count - 1) / (s.last - s.first)) * 1000;

/**
 * Everything the arms share: the Kafka clients, the receiver process and its control pool, the
 * events encoded once (framed Avro and the bodies the connector sends), and the helpers that make
 * a fresh subscriber, start a connector process and wait for the receiver's count.
 */
export type Rig = Awaited<ReturnType<typeof createRig>>;

export async function createRig() {
  const endpoints = currentEndpoints();
  const entry = loadCatalog().entries.find((e) => e.eventType === 'OrderHoldPlaced')!;
  const kafka = createKafka({ clientId: 'bench-d', brokers: endpoints.kafkaBrokers });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();

  const receiver = await startProcess(['bench/delivery/receiver.ts'], {}, (l) => /^\d+$/.test(l));
  const port = Number(receiver.line);
  const base = `http://127.0.0.1:${port}`;
  const control = new Pool(base, { connections: 1 });
  const stats = async (): Promise<Stats> =>
    (await (await control.request({ path: '/stats', method: 'GET' })).body.json()) as Stats;
  const reset = async () =>
    void (await (await control.request({ path: '/reset', method: 'POST' })).body.dump());

  // Encode once: the framed Avro the connector reads, and the JSON body it will send (the raw arm posts those bytes).
  const events = makeEvents(N, 42, KEYS);
  const schemaId = (
    await encodeEvent(endpoints.registryUrl, entry, undefined, events[0]!.value)
  ).readUInt32BE(1);
  const type = avroType(entry.versions.at(-1)!.schema);
  const framed = events.map((e) => frame(schemaId, type.toBuffer(e.value)));
  const bodies =
    BODY === 'avro' ? framed : events.map((e) => Buffer.from(JSON.stringify(toJsonSafe(e.value))));
  const bodyType = BODY === 'avro' ? 'application/avro' : 'application/json';
  const avgBytes = Math.round(framed.reduce((n, b) => n + b.length, 0) / N);

  const ceHeaders = (e: BenchEvent) => ({
    ce_specversion: '1.0',
    ce_id: e.eventId,
    ce_type: 'com.crossdock.order.OrderHoldPlaced',
    ce_source: 'crossdock/us-chi',
    ce_time: new Date().toISOString(),
    ce_subject: e.orderId,
    'content-type': 'application/avro',
    traceparent: `00-${crypto.createHash('md5').update(e.eventId).digest('hex')}-${e.eventId.replace(/-/g, '').slice(0, 16)}-01`,
  });

  // The raw arm sends the very request the connector sends: same body and the same header set
  // (CloudEvents binary mode, traceparent, Idempotency-Key, user-agent), so the receiver does the
  // same parsing work per request in both arms (the benchmark's rule: the same bytes to the same receiver).
  const requestHeaders = (e: BenchEvent, idempotencyKey = e.eventId): Record<string, string> => {
    const ce = ceHeaders(e);
    return {
      'content-type': bodyType,
      'idempotency-key': idempotencyKey,
      'user-agent': 'crossdock',
      traceparent: ce.traceparent,
      'ce-id': ce.ce_id,
      'ce-type': ce.ce_type,
      'ce-source': ce.ce_source,
      'ce-time': ce.ce_time,
      'ce-subject': ce.ce_subject,
      'ce-specversion': ce.ce_specversion,
    };
  };
  const rawHeaders = events.map((e) => requestHeaders(e));

  async function preload(topic: string): Promise<void> {
    for (let i = 0; i < N; i += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: events
          .slice(i, i + 1000)
          .map((e, j) => ({ key: e.orderId, value: framed[i + j]!, headers: ceHeaders(e) })),
      });
    }
  }

  async function newSubscriber(): Promise<{ prefix: string; subscriberId: string; topic: string }> {
    const prefix = `bench-${crypto.randomBytes(4).toString('hex')}`;
    // A fresh subscriber per arm run: the events repeat (fixed seed), their idempotency records must not.
    const subscriberId = `bench-${crypto.randomBytes(4).toString('hex')}`;
    const topic = `${prefix}.deliver.${subscriberId}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 6 },
        { topic: `${prefix}.dlq.deliver.${subscriberId}`, numPartitions: 1 },
      ],
    });
    return { prefix, subscriberId, topic };
  }

  function startConnector(
    s: { prefix: string; subscriberId: string },
    script = 'connector-child.ts',
    cwd?: string,
    env: Record<string, string> = {},
  ) {
    const cfg = {
      ...s,
      url: `${base}/hook`,
      brokers: endpoints.kafkaBrokers,
      redisUrl: endpoints.redisUrl,
      registryUrl: endpoints.registryUrl,
      concurrency: CONCURRENCY,
    };
    const prof = process.env.BENCH_PROFILE_DIR
      ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : [];
    return startProcess(
      [...prof, `bench/delivery/${script}`],
      { CD_BENCH: JSON.stringify(cfg), ...env },
      (l) => l === 'ready',
      cwd,
    );
  }

  async function waitCount(n: number, timeoutMs = 300_000): Promise<Stats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await stats();
      if (s.count >= n) return s;
      if (Date.now() > deadline) throw new Error(`receiver got ${s.count} of ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const redis = createRedis({ url: endpoints.redisUrl, name: 'bench-delivery-rig' });
  /**
   * After an arm, outside its clock: its Redis keys go. Left behind, the next arms would meet
   * hundreds of thousands of idempotency records expiring in Redis meanwhile (its active expiry
   * takes CPU from the measured run). Its topics stay: kafkajs's producer keeps every topic it
   * sent to in its metadata refreshes, and one deleted topic fails them all.
   */
  async function dropSubscriber(s: { prefix: string }): Promise<void> {
    await scanMatching(
      redis,
      `${s.prefix}:*`,
      async (keys, node) => {
        await unlinkFound(redis, node, keys);
      },
      10_000,
    );
  }

  async function close(): Promise<void> {
    redis.disconnect();
    await control.close();
    await stopProcess(receiver);
    await producer.disconnect();
    await admin.disconnect();
  }

  return {
    producer,
    base,
    reset,
    events,
    schemaId,
    type,
    framed,
    bodies,
    avgBytes,
    ceHeaders,
    requestHeaders,
    rawHeaders,
    preload,
    newSubscriber,
    dropSubscriber,
    startConnector,
    waitCount,
    close,
  };
}
