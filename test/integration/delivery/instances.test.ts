import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { eventually, testKafka } from '../../helpers/stack';
import {
  deliveryTopics,
  holdEvent,
  produceHolds,
  readAll,
  startReceiver,
  startTestConnector,
  testRedis,
  type Receiver,
  type TestConnector,
} from './helpers';

describe('delivery: two instances of one subscriber share partitions and retry state', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redisA: Redis;
  let redisB: Redis;
  let receiver: Receiver;
  const instances: TestConnector[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redisA = testRedis();
    redisB = testRedis();
  });

  afterAll(async () => {
    for (const c of instances) await c.connector.stop();
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redisA?.disconnect();
    redisB?.disconnect();
  });

  it('every event is delivered once after exactly one programmed failure; retries are taken by either instance, never both', async () => {
    const topics = await deliveryTopics(admin, 4);
    // Every event fails once (503), then succeeds: each must arrive exactly twice in total.
    receiver = await startReceiver((_req, attempt) => (attempt === 1 ? { status: 503 } : { status: 200 }));
    const delivery = {
      retry: { initialDelayMs: 100, maxDelayMs: 300 },
      breaker: { failureThreshold: 100000 },
    };
    const sink = { kind: 'http', url: receiver.url };
    instances.push(await startTestConnector(kafka, redisA, topics, sink, delivery));
    instances.push(await startTestConnector(kafka, redisB, topics, sink, delivery));
    const events = Array.from({ length: 400 }, (_, i) => holdEvent(`M-${i % 50}`, i));
    await produceHolds(producer, topics.deliver, events);
    await eventually(
      async () => {
        const delivered =
          (await instances[0]!.metric('crossdock_delivery_delivered_total')) +
          (await instances[1]!.metric('crossdock_delivery_delivered_total'));
        return delivered === events.length;
      },
      'every event delivered by one of the instances',
      60_000,
    );
    const counts = receiver.countByKey();
    expect(counts.size).toBe(events.length);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
    // Both instances did work (the group split the partitions).
    for (const c of instances) expect(await c.metric('crossdock_delivery_failures_total')).toBeGreaterThan(0);
    expect(await readAll(kafka, admin, topics.dlq)).toHaveLength(0);
  });
});
