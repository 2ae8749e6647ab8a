import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { eventually, randomName, testKafka } from '../../helpers/stack';
import {
  deliveryTopics,
  encodeHold,
  header,
  holdEvent,
  produceHolds,
  readTopic,
  startReceiver,
  startTestConnector,
  testRedis,
  type Receiver,
  type TestConnector,
} from './helpers';

describe('delivery: sinks and idempotent replays', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  const connectors: TestConnector[] = [];
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redis = testRedis();
  });

  afterAll(async () => {
    for (const c of connectors) await c.connector.stop();
    for (const r of receivers) await r.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
  });

  it('kafka sink: each event is produced to the target topic with its key, bytes and headers', async () => {
    const topics = await deliveryTopics(admin, 2);
    const target = randomName('analytics-out');
    const c = await startTestConnector(kafka, redis, topics, { kind: 'kafka', topic: target }, {});
    connectors.push(c);
    const events = Array.from({ length: 50 }, (_, i) => holdEvent(`A-${i % 7}`, i));
    await produceHolds(producer, topics.deliver, events);
    const out = await readTopic(kafka, target, (m) => m.length >= 50, '50 events on the sink topic');
    expect(out).toHaveLength(50);
    for (const m of out) {
      const e = events.find((x) => x.eventId === header(m, 'ce_id'))!;
      const original = await encodeHold(e);
      expect(m.key!.toString()).toBe(e.orderId);
      expect(m.value!.equals(original.value)).toBe(true);
      expect(header(m, 'ce_type')).toBe('com.crossdock.order.OrderHoldPlaced');
    }
    expect(await c.metric('crossdock_delivery_delivered_total')).toBe(50);
  });

  it('http sink with body avro: the receiver gets the framed Avro bytes; a replayed eventId is not delivered again', async () => {
    const topics = await deliveryTopics(admin, 1);
    const receiver = await startReceiver(() => ({ status: 202 }));
    receivers.push(receiver);
    const c = await startTestConnector(
      kafka,
      redis,
      topics,
      { kind: 'http', url: receiver.url, body: 'avro' },
      {},
    );
    connectors.push(c);
    const events = Array.from({ length: 10 }, (_, i) => holdEvent(`V-${i}`, i));
    await produceHolds(producer, topics.deliver, events);
    await eventually(() => receiver.requests.length === 10, '10 deliveries');
    for (const r of receiver.requests) {
      const e = events.find((x) => x.eventId === r.key)!;
      expect(r.headers['content-type']).toBe('application/avro');
      expect(r.body.equals((await encodeHold(e)).value)).toBe(true);
    }
    // A replay (same eventIds on the topic again) is skipped by the idempotency record.
    await produceHolds(producer, topics.deliver, events.slice(0, 4));
    await eventually(
      async () => (await c.metric('crossdock_delivery_idempotent_skips_total')) === 4,
      '4 idempotent skips',
    );
    expect(receiver.requests).toHaveLength(10);
  });

  it('the shared token bucket limits the delivery rate across the subscriber', async () => {
    const topics = await deliveryTopics(admin, 1);
    const receiver = await startReceiver(() => ({ status: 200 }));
    receivers.push(receiver);
    const c = await startTestConnector(
      kafka,
      redis,
      topics,
      { kind: 'http', url: receiver.url },
      { rateLimit: { perSecond: 20, burst: 5 } },
    );
    connectors.push(c);
    await produceHolds(
      producer,
      topics.deliver,
      Array.from({ length: 45 }, (_, i) => holdEvent(`R-${i}`, i)),
    );
    await eventually(() => receiver.requests.length === 45, '45 deliveries');
    // 5 in the burst, then 20/s: the last of 45 cannot arrive before (45 − 5) / 20 = 2 s after the first.
    const span = receiver.requests.at(-1)!.at - receiver.requests[0]!.at;
    expect(span).toBeGreaterThanOrEqual(1900);
  });
});
