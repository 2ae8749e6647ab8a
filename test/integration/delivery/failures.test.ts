import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { Webhook } from 'standardwebhooks';
import { generateSecret } from '../../../connectors/sinks';
import { eventually, testKafka } from '../../helpers/stack';
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
  type TestEvent,
} from './helpers';

/**
 * One connector, one receiver programmed per order id: each scenario is a family of events
 * whose orderId says how the receiver treats it.
 */
describe('delivery: programmed receiver failures', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let receiver: Receiver;
  let c: TestConnector;
  let topics: Awaited<ReturnType<typeof deliveryTopics>>;
  const secret = generateSecret();
  const events: TestEvent[] = [];
  const fam = (name: string, n: number) =>
    Array.from({ length: n }, (_, i) => holdEvent(`${name}-${i}`, events.length + i));

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redis = testRedis();
    topics = await deliveryTopics(admin);
    receiver = await startReceiver((req, attempt) => {
      const order = String(req.headers['ce-subject'] ?? '');
      if (order.startsWith('e500-')) return attempt === 1 ? { status: 500, body: 'boom' } : { status: 204 };
      if (order.startsWith('e429-'))
        return attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
      if (order.startsWith('hang-')) return attempt === 1 ? 'hang' : { status: 200 };
      if (order.startsWith('drop-')) return attempt === 1 ? 'destroy' : { status: 200 };
      if (order.startsWith('e400-')) return { status: 400, body: 'amount must be positive' };
      if (order.startsWith('e503-')) return { status: 503 };
      if (order.startsWith('slow-')) return { status: 200, delayMs: 300 };
      return { status: 200 };
    });
    c = await startTestConnector(
      kafka,
      redis,
      topics,
      { kind: 'http', url: receiver.url, timeoutMs: 700, secrets: [secret] },
      {
        retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 400 },
        breaker: { failureThreshold: 1000 },
      },
    );
    for (const [name, n] of [
      ['ok', 20],
      ['e500', 5],
      ['e429', 3],
      ['hang', 2],
      ['drop', 2],
      ['e400', 3],
      ['e503', 2],
      ['slow', 6],
    ] as const)
      events.push(...fam(name, n));
    await produceHolds(producer, topics.deliver, events);
    await eventually(
      async () => (await c.metric('crossdock_delivery_delivered_total')) === events.length - 5,
      'every deliverable event delivered',
      60_000,
    );
  });

  afterAll(async () => {
    await c?.connector.stop();
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
  });

  const requestsFor = (prefix: string) =>
    receiver.requests.filter((r) => String(r.headers['ce-subject']).startsWith(prefix));
  const ids = (prefix: string) => events.filter((e) => e.orderId.startsWith(prefix)).map((e) => e.eventId);

  it('delivers each event with Idempotency-Key, CloudEvents headers, traceparent and a Standard Webhooks signature', () => {
    const ok = requestsFor('ok-');
    expect(ok).toHaveLength(20);
    for (const r of ok) {
      const e = events.find((x) => x.eventId === r.key)!;
      expect(r.headers['ce-id']).toBe(e.eventId);
      expect(r.headers['ce-type']).toBe('com.crossdock.order.OrderHoldPlaced');
      expect(r.headers['ce-source']).toBe('crossdock/us-chi');
      expect(r.headers['ce-time']).toBe('2026-01-12T09:30:00.000Z');
      expect(r.headers['ce-subject']).toBe(e.orderId);
      expect(r.headers['ce-specversion']).toBe('1.0');
      expect(r.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toBe(e.eventId);
      // Verified by an independent implementation, not our own code.
      const body = new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Record<
        string,
        unknown
      >;
      expect(body).toMatchObject({
        orderId: e.orderId,
        amountAtRisk: '1234.50',
        holdNote: `seq ${e.seq}`,
        expectedReleaseDate: null,
      });
      expect((body.metadata as Record<string, unknown>).occurredAt).toBe(
        new Date(Date.UTC(2026, 0, 12, 9, 30, 0, e.seq % 1000)).toISOString(),
      );
    }
  });

  it('500 then OK: two attempts, delivered once', () => {
    for (const id of ids('e500-')) expect(receiver.countByKey().get(id)).toBe(2);
  });

  it('429 with Retry-After: 1 — the second attempt comes no earlier than a second later', () => {
    for (const id of ids('e429-')) {
      const reqs = receiver.requests.filter((r) => r.key === id);
      expect(reqs).toHaveLength(2);
      expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(990);
    }
  });

  it('a timeout and a dropped connection are transient: retried, then delivered', async () => {
    for (const id of [...ids('hang-'), ...ids('drop-')]) expect(receiver.countByKey().get(id)).toBe(2);
    expect(
      await c.metric('crossdock_delivery_failures_total', {
        class: 'transient',
        code: 'CD_E_DELIVERY_TIMEOUT',
      }),
    ).toBe(2);
    expect(
      await c.metric('crossdock_delivery_failures_total', {
        class: 'transient',
        code: 'CD_E_DELIVERY_CONNECTION',
      }),
    ).toBe(2);
  });

  it('slow answers within the timeout are plain deliveries', () => {
    for (const id of ids('slow-')) expect(receiver.countByKey().get(id)).toBe(1);
  });

  it('400 goes to the dead letters at once; 503 forever after max attempts; both with the original bytes and the reason', async () => {
    for (const id of ids('e400-')) expect(receiver.countByKey().get(id)).toBe(1);
    for (const id of ids('e503-')) expect(receiver.countByKey().get(id)).toBe(3);
    const dlq = await readTopic(kafka, topics.dlq, (m) => m.length >= 5, '5 dead letters');
    expect(dlq).toHaveLength(5);
    for (const m of dlq) {
      const e = events.find((x) => x.eventId === header(m, 'ce_id'))!;
      const original = await encodeHold(e);
      expect(m.value!.equals(original.value)).toBe(true);
      expect(m.key!.toString()).toBe(e.orderId);
      expect(header(m, 'cd-subscriber')).toBe(topics.subscriberId);
      expect(header(m, 'cd-error-stage')).toBe('deliver.http');
      expect(header(m, 'cd-original-topic')).toBe(topics.deliver);
      expect(Number(header(m, 'cd-original-partition'))).toBeGreaterThanOrEqual(0);
      expect(header(m, 'cd-original-offset')).toMatch(/^\d+$/);
      expect(Date.parse(header(m, 'cd-first-failed-at')!)).toBeLessThanOrEqual(
        Date.parse(header(m, 'cd-last-failed-at')!),
      );
      expect(header(m, 'ce_type')).toBe('com.crossdock.order.OrderHoldPlaced');
      if (e.orderId.startsWith('e400-')) {
        expect(header(m, 'cd-error-code')).toBe('CD_E_DELIVERY_REJECTED');
        expect(header(m, 'cd-attempts')).toBe('1');
        expect(header(m, 'cd-last-status')).toBe('400');
        expect(header(m, 'cd-error-message')).toContain('amount must be positive');
      } else {
        expect(header(m, 'cd-error-code')).toBe('CD_E_DELIVERY_RETRIES_EXHAUSTED');
        expect(header(m, 'cd-attempts')).toBe('3');
        expect(header(m, 'cd-last-status')).toBe('503');
        expect(header(m, 'cd-last-error')).toContain('CD_E_DELIVERY_SERVER_ERROR');
      }
    }
    expect(await c.metric('crossdock_delivery_dead_lettered_total')).toBe(5);
    expect(await c.metric('crossdock_delivery_retries_scheduled_total')).toBeGreaterThanOrEqual(
      5 + 3 + 4 + 4,
    );
  });

  it('commits the offsets (every event settled) and leaves nothing in retry', async () => {
    await eventually(async () => {
      const committed = await admin.fetchOffsets({
        groupId: `${topics.prefix}-connector-${topics.subscriberId}`,
        topics: [topics.deliver],
      });
      const ends = await admin.fetchTopicOffsets(topics.deliver);
      return committed[0]!.partitions.every(
        (p) => p.offset === ends.find((e) => e.partition === p.partition)!.high,
      );
    }, 'offsets committed to the end');
    expect((await c.connector.state.counts()).scheduled).toBe(0);
  });
});
