import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Redis } from '../../../core/redis';
import { createRedis } from '../../../core/redis';
import { createSchemaResolver } from '../../../core/registry';
import { decodeEvent, loadCatalog } from '../../../schemas';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { csvSource, httpSource, sdkSource, type SourceEnv, type SourceUnderTest } from './source-kinds';

/**
 * The promises every source kind keeps (docs/design.md "The flow" and "Security"; docs/sites.md), one suite for HTTP
 * ingest, CSV drop folders and the SDK, against the real broker, registry and Redis:
 * - a valid record is published to <prefix>.ingress.<site>, Confluent-framed, with the CloudEvents
 *   headers and the catalog's business key as the Kafka key;
 * - bad input gets a coded error naming what is wrong and where, and publishes nothing;
 * - a site cannot publish as another site;
 * - a re-sent record (same Idempotency-Key, same file) is not published twice.
 * "Publishes nothing" is checked on the topics' end offsets right after the source answered, and
 * again after a later valid record arrived (so nothing was published late either).
 */
function sourceConformance(name: string, make: (env: SourceEnv) => Promise<SourceUnderTest>): void {
  describe(`source conformance: ${name}`, () => {
    let kafka: Kafka;
    let admin: Admin;
    let redis: Redis;
    let source: SourceUnderTest;
    let consumer: Consumer;
    let own: string;
    let other: string;
    const received: Array<{ topic: string; message: KafkaMessage }> = [];

    const ends = async () => {
      const count = async (t: string) =>
        (await admin.fetchTopicOffsets(t)).reduce((n, o) => n + Number(o.high), 0);
      return { own: await count(own), other: await count(other) };
    };
    /** Waits for the record of `key` on the site's topic. */
    const record = async (key: string) => {
      const find = () => received.find((r) => r.topic === own && r.message.key?.toString() === key);
      await eventually(() => find() !== undefined, `the record of ${key} on ${own}`);
      return find()!.message;
    };
    /** A valid record published after the check: nothing else arrived before it on either topic. */
    const nothingLate = async (before: { own: number; other: number }) => {
      const { key } = await source.sendValid(randomName('LATE'));
      await record(key);
      expect(await ends()).toEqual({ own: before.own + 1, other: before.other });
    };

    beforeAll(async () => {
      kafka = testKafka();
      admin = kafka.admin();
      await admin.connect();
      redis = createRedis({ url: testEndpoints().redisUrl });
      source = await make({ kafka, admin, redis });
      own = `${source.topicPrefix}.ingress.${source.siteId}`;
      other = `${source.topicPrefix}.ingress.${source.otherSiteId}`;
      await createTopics(admin, [own, other]);
      consumer = kafka.consumer({ groupId: randomName('g') });
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.connect();
      await consumer.subscribe({ topics: [own, other], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ topic, message }) => void received.push({ topic, message }),
      });
      await eventually(() => joined, 'the test consumer to join its group');
    });

    afterAll(async () => {
      await consumer?.disconnect();
      await source?.close();
      await admin?.deleteTopics({ topics: [own, other] }).catch(() => undefined);
      await admin?.disconnect();
      redis?.disconnect();
    });

    it('publishes a valid record to its ingress topic: Confluent-framed, CloudEvents headers, business key', async () => {
      const tag = randomName('V');
      const { key, eventType } = await source.sendValid(tag);
      expect(key).toContain(tag);
      const m = await record(key);
      const h = (k: string) => m.headers?.[k]?.toString();
      const catalog = loadCatalog();
      const entry = catalog.byEventType(eventType)!;
      expect(m.value![0]).toBe(0);
      const decoded = await decodeEvent(createSchemaResolver(testEndpoints().registryUrl), m.value!, {
        catalog,
      });
      const meta = decoded.event.metadata as {
        eventId: string;
        siteId: string;
        eventType: string;
        occurredAt: Date;
      };
      expect(decoded.entry?.subject).toBe(entry.subject);
      expect(meta).toMatchObject({ siteId: source.siteId, eventType });
      expect(h('ce_specversion')).toBe('1.0');
      expect(h('ce_id')).toBe(meta.eventId);
      expect(h('ce_type')).toBe(entry.subject);
      expect(h('ce_source')).toMatch(new RegExp(`^crossdock://sites/${source.siteId}/`));
      expect(h('ce_subject')).toBe(key);
      expect(h('ce_time')).toBe(meta.occurredAt.toISOString());
      expect(h('content-type')).toBe('application/avro');
      expect(h('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    });

    it('refuses bad input with a coded error naming what and where, and publishes nothing', async () => {
      const before = await ends();
      const refusal = await source.sendBad();
      expect(refusal).toMatchObject({
        code: expect.stringMatching(/^CD_E_INPUT_/),
        where: expect.stringContaining(source.badField),
      });
      expect(refusal.message.length).toBeGreaterThan(10);
      expect(await ends()).toEqual(before);
      await nothingLate(before);
    });

    it('a site cannot publish as another site', async () => {
      const before = await ends();
      if (!source.impersonate) {
        // Nothing to try (source.impersonationImpossible says why): what it publishes carries its site.
        expect(source.impersonationImpossible).toBeTruthy();
        const { key } = await source.sendValid(randomName('S'));
        const decoded = await decodeEvent(
          createSchemaResolver(testEndpoints().registryUrl),
          (await record(key)).value!,
        );
        expect((decoded.event.metadata as { siteId: string }).siteId).toBe(source.siteId);
        expect((await ends()).other).toBe(before.other);
        return;
      }
      const refusal = await source.impersonate();
      expect(refusal).toMatchObject({ code: expect.stringMatching(/AUTH/) });
      expect(await ends()).toEqual(before);
      await nothingLate(before);
    });

    it('a re-sent record is not published twice', async () => {
      const tag = randomName('R');
      const { key } = await source.sendValid(tag);
      const first = await record(key);
      const before = await ends();
      await source.resend(tag);
      if (source.resendWritesAgain) {
        // The copy carries the same eventId, which is what the router's duplicate detection keys on.
        const copies = () => received.filter((r) => r.topic === own && r.message.key?.toString() === key);
        await eventually(() => copies().length === 2, 'the re-sent copy');
        expect(copies().map((r) => r.message.headers?.ce_id?.toString())).toEqual([
          first.headers?.ce_id?.toString(),
          first.headers?.ce_id?.toString(),
        ]);
        return;
      }
      expect(await ends()).toEqual(before);
      await nothingLate(before);
      expect(received.filter((r) => r.message.key?.toString() === key)).toHaveLength(1);
    });
  });
}

sourceConformance('HTTP ingest', httpSource);
sourceConformance('CSV drop folder', csvSource);
sourceConformance('site SDK', sdkSource);
