import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { systemClock } from '../../../core/clock';
import { silentLogger } from '../../../core/logger';
import { createSchemaResolver } from '../../../core/registry';
import {
  createSinkConnector,
  subscriberRuntimeConfig,
  type SinkConnector,
  type SubscriberRuntimeConfig,
} from '../../../connectors/sinks';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { testConsumerFactory } from '../../helpers/committing';
import {
  deliveryTopics,
  encodeHold,
  header,
  holdEvent,
  readTopic,
  testRedis,
  type TestEvent,
} from './helpers';
import { httpKind, kafkaKind, type SinkKind, type SinkTarget } from './sink-targets';

/**
 * The delivery promises (docs/design.md "Delivery promises"; docs/retry.md), one suite for every sink kind, each run through the
 * public connector (createSinkConnector) against the real broker, registry and Redis:
 * - an offset is committed only after its event's write (or its hold in Redis / dead letter);
 * - a redelivery after a restart repeats no effect (idempotency records);
 * - with ordering by key, a key waiting for a retry holds its later events, other keys flow;
 * - a transient failure is retried, then delivered;
 * - a permanent failure is dead-lettered on <prefix>.dlq.deliver.<subscriber> with the cd-error-*
 *   headers and the original bytes.
 * A new sink kind gets a SinkKind in sink-targets.ts and one line at the bottom of this file.
 */
const COMMIT_INTERVAL_MS = 100;

function conformance(name: string, kindOf: (kafka: Kafka, admin: Admin) => SinkKind): void {
  describe(`sink conformance: ${name}`, () => {
    let kafka: Kafka;
    let admin: Admin;
    let producer: Producer;
    let redis: Redis;
    let target: SinkTarget;
    let config: SubscriberRuntimeConfig;
    let connector: SinkConnector;
    let topics: Awaited<ReturnType<typeof deliveryTopics>>;
    /** Writes of these event ids wait until the test releases them. */
    const gates = new Map<string, Promise<void>>();
    /** Events that answer transient while the predicate holds. */
    const transientWhile = new Map<string, () => boolean>();

    const start = async () => {
      const c = createSinkConnector(config, {
        kafka,
        consumer: testConsumerFactory(kafka),
        redis,
        logger: silentLogger(),
        clock: systemClock,
        resolver: createSchemaResolver(testEndpoints().registryUrl),
        sink: target.sinkFor(config),
      });
      await c.start();
      return c;
    };

    /** Produces events in order to one partition; resolves with their offsets. */
    const produce = async (events: TestEvent[], partition: number): Promise<Map<string, string>> => {
      const messages = await Promise.all(events.map(async (e) => ({ ...(await encodeHold(e)), partition })));
      const [meta] = await producer.send({ topic: topics.deliver, acks: -1, messages });
      const base = BigInt(meta!.baseOffset!);
      return new Map(events.map((e, i) => [e.eventId, String(base + BigInt(i))]));
    };

    const committed = async (partition: number): Promise<bigint> => {
      const [t] = await admin.fetchOffsets({ groupId: config.consumer.groupId, topics: [topics.deliver] });
      const p = t?.partitions.find((x) => x.partition === partition);
      return BigInt(p?.offset ?? '-1');
    };

    const settledToEnd = async (): Promise<boolean> => {
      const ends = await admin.fetchTopicOffsets(topics.deliver);
      for (const o of ends) if ((await committed(o.partition)) < BigInt(o.high)) return false;
      return true;
    };

    const writtenOnce = (id: string) => target.written().filter((x) => x === id).length === 1;

    beforeAll(async () => {
      kafka = testKafka();
      admin = kafka.admin();
      await admin.connect();
      producer = kafka.producer();
      await producer.connect();
      redis = testRedis();
      topics = await deliveryTopics(admin, 2);
      target = await kindOf(kafka, admin).open(async (eventId) => {
        await gates.get(eventId);
        return transientWhile.get(eventId)?.() ? 'transient' : 'ok';
      });
      config = subscriberRuntimeConfig(
        {
          id: topics.subscriberId,
          sink: target.section,
          delivery: {
            ordering: { mode: 'key' },
            retry: { maxAttempts: 100, initialDelayMs: 100, maxDelayMs: 300 },
            breaker: { failureThreshold: 1000 },
            idempotency: { leaseMs: 2000 },
          },
        },
        { topicPrefix: topics.prefix, maxWaitTimeInMs: 50, commitIntervalMs: COMMIT_INTERVAL_MS },
      );
      connector = await start();
    });

    afterAll(async () => {
      await connector?.stop();
      await target?.close();
      await producer?.disconnect();
      await admin?.disconnect();
      redis?.disconnect();
    });

    it('commits an offset only after the write of its event: a slow write holds the commit, later writes do not move it', async () => {
      let releaseW!: () => void;
      let releaseX!: () => void;
      const w = holdEvent('W', 1);
      const x = holdEvent('X', 2);
      const after = Array.from({ length: 5 }, (_, i) => holdEvent(`A-${i}`, 10 + i));
      gates.set(w.eventId, new Promise((r) => (releaseW = r)));
      gates.set(x.eventId, new Promise((r) => (releaseX = r)));
      const offsets = await produce([w, x, ...after], 0);
      const offsetX = BigInt(offsets.get(x.eventId)!);

      try {
        await eventually(
          () => after.every((e) => writtenOnce(e.eventId)),
          'the events after W and X written',
        );
        await eventually(() => target.attempts(x.eventId) === 1, "X's write under way");
        releaseW();
        // W's write lets the commit move; it stops at X, whose write has not happened, although
        // every event after X was written before.
        await eventually(async () => (await committed(0)) >= offsetX, 'the commit to move past W');
        expect(await committed(0)).toBe(offsetX);
        expect(target.written()).not.toContain(x.eventId);
      } finally {
        // A failed check must not leave writes waiting (they would hold the later tests).
        releaseW();
        releaseX();
      }
      await eventually(async () => (await committed(0)) > offsetX, 'the commit to move past X');
      await eventually(() => writtenOnce(x.eventId), 'X written');
    });

    it('a transient failure is retried, then delivered once; a key waiting for its retry holds its later events, other keys flow', async () => {
      const k = Array.from({ length: 4 }, (_, i) => holdEvent('K', 100 + i));
      const others = Array.from({ length: 8 }, (_, i) => holdEvent(`O-${i}`, 200 + i));
      // K's head fails until every other key has been written: they must get past K while it waits.
      transientWhile.set(k[0]!.eventId, () => !others.every((e) => target.written().includes(e.eventId)));
      await produce(k, 1);
      await eventually(() => target.attempts(k[0]!.eventId) >= 1, "K's head attempted");
      await produce(others, 1);
      await eventually(() => k.every((e) => writtenOnce(e.eventId)), "K's events written");

      const at = (e: TestEvent) => target.written().indexOf(e.eventId);
      expect(target.attempts(k[0]!.eventId)).toBeGreaterThanOrEqual(2);
      expect(k.map(at)).toEqual([...k.map(at)].sort((a, b) => a - b));
      for (const o of others) expect(at(o)).toBeLessThan(at(k[0]!));
      // Held behind their head, K's later events were not even attempted before it was written.
      for (const e of k.slice(1)) expect(target.attempts(e.eventId)).toBe(1);
    });

    it('a permanent failure is dead-lettered with the cd-error-* headers and the original bytes, and not written', async () => {
      const p = target.poison(holdEvent('P', 300));
      const original = await encodeHold(p);
      const offsets = await produce([p], 1);
      const dlq = await readTopic(
        kafka,
        topics.dlq,
        (m) => m.some((x) => header(x, 'ce_id') === p.eventId),
        'the dead letter',
      );
      const letter = dlq.find((x) => header(x, 'ce_id') === p.eventId)!;
      // Encoding is deterministic: the bytes produced are these.
      expect(letter.value?.equals(original.value)).toBe(true);
      expect(letter.key?.toString()).toBe('P');
      expect(header(letter, 'cd-error-code')).toBe(target.rejectCode);
      expect(header(letter, 'cd-error-stage')).toBe(`deliver.${name}`);
      expect(header(letter, 'cd-error-message')).toBeTruthy();
      expect(header(letter, 'cd-attempts')).toBe('1');
      expect(header(letter, 'cd-original-topic')).toBe(topics.deliver);
      expect(header(letter, 'cd-original-partition')).toBe('1');
      expect(header(letter, 'cd-original-offset')).toBe(offsets.get(p.eventId));
      expect(header(letter, 'cd-subscriber')).toBe(topics.subscriberId);
      expect(target.written()).not.toContain(p.eventId);
    });

    it('a redelivery of everything after a restart repeats no effect', async () => {
      await eventually(settledToEnd, 'every event settled and committed');
      const before = await target.count();
      await eventually(() => target.written().length === before, 'the view of the target up to date');
      expect(new Set(target.written()).size).toBe(before);
      await connector.stop();
      // As after a crash before any commit: the group reads the whole topic again.
      await admin.resetOffsets({ groupId: config.consumer.groupId, topic: topics.deliver, earliest: true });
      expect(await committed(0)).toBeLessThanOrEqual(0n);
      connector = await start();
      const sentinel = holdEvent('S', 400);
      await produce([sentinel], 0);
      await eventually(settledToEnd, 'every event read again and settled');
      await eventually(() => writtenOnce(sentinel.eventId), 'the new event written');
      expect(await target.count()).toBe(before + 1);
    });
  });
}

conformance('http', () => httpKind);
conformance('kafka', kafkaKind);
