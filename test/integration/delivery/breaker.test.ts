import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { eventually, testKafka } from '../../helpers/stack';
import {
  capturingLogger,
  deliveryTopics,
  freePort,
  holdEvent,
  produceHolds,
  readAll,
  startReceiver,
  startTestConnector,
  testRedis,
  type Receiver,
  type TestConnector,
} from './helpers';

describe('delivery: circuit breaker while the subscriber is down', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let receiver: Receiver | undefined;
  let c: TestConnector;
  let topics: Awaited<ReturnType<typeof deliveryTopics>>;
  const log = capturingLogger();

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redis = testRedis();
    topics = await deliveryTopics(admin);
  });

  afterAll(async () => {
    await c?.connector.stop();
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
  });

  it('connection refused opens the breaker and pauses; nothing is dead-lettered; all is delivered once the receiver is back', async () => {
    const port = await freePort();
    // Few attempts on purpose: without the breaker these events would run out of retries and
    // fill the dead letters during the outage.
    c = await startTestConnector(
      kafka,
      redis,
      topics,
      { kind: 'http', url: `http://127.0.0.1:${port}/hook`, timeoutMs: 1000 },
      {
        retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 400 },
        breaker: { failureThreshold: 3, openMs: 300, maxOpenMs: 600 },
      },
      log.logger,
    );
    const breakerLog = () =>
      log.lines
        .filter((l) => String(l.event).startsWith('delivery.breaker_'))
        .map((l) => `${String(l.from)}>${String(l.to)}`);
    const events = Array.from({ length: 300 }, (_, i) => holdEvent(`B-${i % 40}`, i));
    await produceHolds(producer, topics.deliver, events);

    await eventually(() => c.connector.breakerState === 'open', 'breaker open');
    expect(await c.metric('crossdock_delivery_breaker_state')).toBe(2);
    // The outage lasts several open/half-open cycles.
    await eventually(
      () => breakerLog().filter((t) => t === 'half-open>open').length >= 2,
      'two failed probes (the breaker reopened twice)',
    );
    expect(
      await c.metric('crossdock_delivery_failures_total', { code: 'CD_E_DELIVERY_CONNECTION' }),
    ).toBeGreaterThanOrEqual(3);
    expect(await c.metric('crossdock_delivery_dead_lettered_total')).toBe(0);
    // Paused: most events were never attempted (still on the topic, not drained into Redis).
    const failures = await c.metric('crossdock_delivery_failures_total');
    expect(failures).toBeLessThan(events.length);
    // Breaker changes are logged with the subscriber: it opened, probed, and reopened.
    expect(breakerLog().slice(0, 3)).toEqual(['closed>open', 'open>half-open', 'half-open>open']);
    expect(log.lines.find((l) => l.event === 'delivery.breaker_open')?.subscriber).toBe(topics.subscriberId);

    receiver = await startReceiver(() => ({ status: 200 }), port);
    await eventually(
      () => new Set(receiver!.requests.map((r) => r.key)).size === events.length,
      'every event delivered after the outage',
      60_000,
    );
    expect(breakerLog().at(-1)).toBe('half-open>closed');
    expect(c.connector.breakerState).toBe('closed');
    expect(await c.metric('crossdock_delivery_breaker_state')).toBe(0);
    expect(receiver.requests).toHaveLength(events.length);
    expect(await readAll(kafka, admin, topics.dlq)).toHaveLength(0);
    expect((await c.connector.state.counts()).scheduled).toBe(0);
  });
});
