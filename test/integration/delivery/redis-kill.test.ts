import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { subscriberDeliveryKeys } from '../../../connectors/sinks';
import { createRedis, type Redis } from '../../../core/redis';
import { redisAnswers } from '../../../stack/probes';
import { freePort } from '../../../stack/proc';
import { redisServerArgs } from '../../../stack/redis';
import { eventually, testKafka } from '../../helpers/stack';
import {
  deliveryTopics,
  holdEvent,
  produceHolds,
  startReceiver,
  startTestConnector,
  type Receiver,
  type TestConnector,
  type TestEvent,
} from './helpers';

/**
 * Redis killed -9 and restarted while events are scheduled for retry and parked behind their key
 * (issue #13, item 4). The Redis is this test's own redis-server (`--appendonly yes --appendfsync
 * always`, a temporary data folder), never the stack's. The offsets of the held events were
 * committed before the kill, so Redis's append-only file is the only place they live: after it
 * returns, every event reaches the receiver with a 2xx exactly once, in order per key.
 */
describe('delivery: kill -9 of Redis while events are in retry and parked (own redis-server, AOF)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-redis-kill-'));
  let port: number;
  let server: ChildProcess | undefined;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let probe: Redis;
  let receiver: Receiver;
  let c: TestConnector | undefined;
  let failing = true;

  const startServer = async () => {
    server = spawn(
      'redis-server',
      // The stack's command line, with an fsync before every answer: this test is about durability.
      [...redisServerArgs(port, dir), '--appendfsync', 'always'],
      { stdio: 'ignore' },
    );
    await eventually(() => redisAnswers(`redis://127.0.0.1:${port}`), 'the test redis-server to answer');
  };

  beforeAll(async () => {
    port = await freePort();
    await startServer();
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redis = createRedis({ url: `redis://127.0.0.1:${port}`, name: 'redis-kill-connector' });
    probe = createRedis({ url: `redis://127.0.0.1:${port}`, name: 'redis-kill-probe' });
  });

  afterAll(async () => {
    await c?.connector.stop().catch(() => undefined);
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
    probe?.disconnect();
    server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every event is delivered exactly once after Redis returns', async () => {
    const topics = await deliveryTopics(admin, 2);
    const keys = subscriberDeliveryKeys(topics.subscriberId, { topicPrefix: topics.prefix });
    const a = Array.from({ length: 8 }, (_, i) => holdEvent('A', i));
    const b = Array.from({ length: 8 }, (_, i) => holdEvent('B', 100 + i));
    const others = Array.from({ length: 20 }, (_, i) => holdEvent(`O-${i}`, 200 + i));
    const events: TestEvent[] = [...a, ...b, ...others];
    const heads = new Set([a[0]!.eventId, b[0]!.eventId]);
    const seqOf = new Map(events.map((e) => [e.eventId, e]));
    const ok: string[] = [];
    // A's and B's heads fail (503) until the test lets them through: they sit in the retry
    // schedule and the rest of A and B park behind them. Other keys go through at once.
    receiver = await startReceiver((req) => {
      if (failing && heads.has(req.key)) return { status: 503 };
      ok.push(req.key);
      return { status: 200 };
    });
    c = await startTestConnector(
      kafka,
      redis,
      topics,
      { kind: 'http', url: receiver.url, timeoutMs: 2000 },
      {
        ordering: { mode: 'key' },
        retry: { maxAttempts: 1000, initialDelayMs: 200, maxDelayMs: 500 },
        breaker: { failureThreshold: 1000 },
      },
    );
    await produceHolds(producer, topics.deliver, [
      a[0]!,
      b[0]!,
      ...others.slice(0, 10),
      ...a.slice(1),
      ...b.slice(1),
      ...others.slice(10),
    ]);

    // Held in Redis: both heads in retry, seven events parked behind each, the others delivered.
    await eventually(
      async () =>
        (await probe.llen(keys.keyQueue('A'))) === 8 &&
        (await probe.llen(keys.keyQueue('B'))) === 8 &&
        others.every((e) => ok.includes(e.eventId)),
      'A and B parked behind their heads in retry, the other keys delivered',
      60_000,
    );
    expect(await probe.zcard(keys.due)).toBe(2);
    expect(await probe.get(keys.entries)).toBe('16');

    // kill -9 while they wait; the connector meets a Redis that is gone for a while.
    server!.kill('SIGKILL');
    await new Promise<void>((r) => server!.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 1500));
    await startServer();
    // What the append-only file brought back, before anything is let through.
    expect(await probe.llen(keys.keyQueue('A'))).toBe(8);
    expect(await probe.llen(keys.keyQueue('B'))).toBe(8);
    for (const e of others) expect(await probe.get(keys.idempotency(e.eventId))).toBe('done');
    failing = false;

    await eventually(() => ok.length >= events.length, `all ${events.length} events delivered`, 60_000);
    // Retry state drained (nothing held, the counter back to zero) before counting.
    await eventually(async () => (await probe.get(keys.entries)) === '0', 'the entry counter to drain');
    const counts = new Map<string, number>();
    for (const k of ok) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(ok)).toEqual(new Set(events.map((e) => e.eventId)));
    const order = (id: string) =>
      ok.filter((k) => seqOf.get(k)!.orderId === id).map((k) => seqOf.get(k)!.seq);
    expect(order('A')).toEqual(a.map((e) => e.seq));
    expect(order('B')).toEqual(b.map((e) => e.seq));
    expect(await c.metric('crossdock_delivery_dead_lettered_total')).toBe(0);
  });
});
