import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { subscriberDeliveryKeys } from '../../../connectors/sinks';
import { eventually, testKafka } from '../../helpers/stack';
import {
  deliveryTopics,
  holdEvent,
  produceHolds,
  readAll,
  header,
  startReceiver,
  startTestConnector,
  testRedis,
  type Receiver,
  type TestConnector,
  type TestEvent,
} from './helpers';

/** The order of successful (2xx) deliveries for one order id, as seq numbers. */
function deliveredSeq(
  receiver: Receiver,
  events: TestEvent[],
  orderId: string,
  okKeys: Set<string>,
): number[] {
  return receiver.requests
    .filter((r) => okKeys.has(`${r.n}`) && r.headers['ce-subject'] === orderId)
    .map((r) => events.find((e) => e.eventId === r.key)!.seq);
}

describe.each(['continue', 'hold'] as const)(
  'delivery: per-key ordering (onDeadLetter %s)',
  (onDeadLetter) => {
    let kafka: Kafka;
    let admin: Admin;
    let producer: Producer;
    let redis: Redis;
    let receiver: Receiver;
    let c: TestConnector;
    let topics: Awaited<ReturnType<typeof deliveryTopics>>;
    const okRequests = new Set<string>();
    const events: TestEvent[] = [];
    let firstFailureOfK = 0;
    let kDeliveredAt = 0;

    beforeAll(async () => {
      kafka = testKafka();
      admin = kafka.admin();
      await admin.connect();
      producer = kafka.producer();
      await producer.connect();
      redis = testRedis();
      topics = await deliveryTopics(admin, 2);
      let kFailures = 0;
      receiver = await startReceiver((req) => {
        const order = String(req.headers['ce-subject']);
        const seq = events.find((e) => e.eventId === req.key)?.seq ?? -1;
        // K's first event fails twice (transient), then succeeds.
        if (order === 'K' && seq === 0 && kFailures < 2) {
          kFailures++;
          firstFailureOfK ||= req.at;
          return { status: 503 };
        }
        // H's first event is refused for good (dead-lettered as the head of H's queue).
        if (order === 'H' && seq === 100) return { status: 422 };
        if (order === 'K' && seq === 0) kDeliveredAt = req.at;
        okRequests.add(`${req.n}`);
        return { status: 200 };
      });
      c = await startTestConnector(
        kafka,
        redis,
        topics,
        { kind: 'http', url: receiver.url, timeoutMs: 2000 },
        {
          ordering: { mode: 'key', onDeadLetter },
          retry: { maxAttempts: 5, initialDelayMs: 400, maxDelayMs: 800 },
          breaker: { failureThreshold: 1000 },
        },
      );
      const k = Array.from({ length: 5 }, (_, i) => holdEvent('K', i));
      const h = Array.from({ length: 3 }, (_, i) => holdEvent('H', 100 + i));
      const others = Array.from({ length: 30 }, (_, i) => holdEvent(`O-${i}`, 200 + i));
      events.push(...k, ...h, ...others);
      // K first, then the others interleaved, so other keys arrive while K waits.
      await produceHolds(producer, topics.deliver, [
        k[0]!,
        h[0]!,
        ...others.slice(0, 10),
        k[1]!,
        h[1]!,
        ...others.slice(10, 20),
        k[2]!,
        k[3]!,
        h[2]!,
        ...others.slice(20),
        k[4]!,
      ]);
      await eventually(
        () => deliveredSeq(receiver, events, 'K', okRequests).length === 5,
        "K's five events delivered",
        60_000,
      );
      await eventually(
        () => receiver.requests.filter((r) => String(r.headers['ce-subject']).startsWith('O-')).length === 30,
        'other keys delivered',
      );
    });

    afterAll(async () => {
      await c?.connector.stop();
      await receiver?.close();
      await producer?.disconnect();
      await admin?.disconnect();
      redis?.disconnect();
    });

    it("K's events arrive in order, each once, after K's head was retried twice", () => {
      expect(deliveredSeq(receiver, events, 'K', okRequests)).toEqual([0, 1, 2, 3, 4]);
      const kRequests = receiver.requests.filter((r) => r.headers['ce-subject'] === 'K');
      expect(kRequests).toHaveLength(7);
      // Nothing of K was attempted before its head succeeded, except the head itself.
      const headId = events.find((e) => e.orderId === 'K' && e.seq === 0)!.eventId;
      const firstOther = kRequests.findIndex((r) => r.key !== headId);
      expect(kRequests.slice(0, firstOther).every((r) => r.key === headId)).toBe(true);
      expect(firstOther).toBe(3);
    });

    it('other keys flowed while K waited for its retries', () => {
      const othersWhileKWaited = receiver.requests.filter(
        (r) =>
          String(r.headers['ce-subject']).startsWith('O-') && r.at > firstFailureOfK && r.at < kDeliveredAt,
      );
      expect(othersWhileKWaited.length).toBeGreaterThan(0);
    });

    it(`when H's head is dead-lettered, H's queue ${onDeadLetter === 'continue' ? 'goes on' : 'is held until released'}`, async () => {
      const hOk = () => deliveredSeq(receiver, events, 'H', okRequests);
      if (onDeadLetter === 'continue') {
        await eventually(() => hOk().length === 2, "H's next events delivered");
        expect(hOk()).toEqual([101, 102]);
      } else {
        // Every other key is done; H's two waiting events stay held (nothing sent for them).
        expect(hOk()).toEqual([]);
        // The connector's keys, from the function the connector and the CLI derive them with.
        const held = subscriberDeliveryKeys(topics.subscriberId, { topicPrefix: topics.prefix }).held;
        expect(await redis.sismember(held, 'H')).toBe(1);
        expect(await c.connector.state.releaseHeld('H')).toBe(2);
        await eventually(() => hOk().length === 2, "H's events delivered after release");
        expect(hOk()).toEqual([101, 102]);
      }
      const dlq = await readAll(kafka, admin, topics.dlq);
      expect(dlq.map((m) => header(m, 'cd-error-code'))).toEqual(['CD_E_DELIVERY_REJECTED']);
      expect(dlq[0]!.key!.toString()).toBe('H');
    });
  },
);
