import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { deadLetterHeaders } from '../../../core/dead-letters';
import { topicsForPrefix, type HubTopics } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import { createSchemaResolver } from '../../../core/registry';
import { loadCatalog } from '../../../schemas';
import type { DeadLetterSettings } from '../../../core/config';
import {
  createDeadLetterStore,
  createIndexer,
  createStateLog,
  dlqMetrics,
  reindex,
  schemaVersionLookup,
  type DeadLetterStore,
  type StateLog,
} from '../../../dlq';
import { dlqLog } from '../../../dlq/log-events';
import { redisAnswers } from '../../../stack/probes';
import { freePort } from '../../../stack/proc';
import { redisServerArgs } from '../../../stack/redis';
import { Registry } from 'prom-client';
import { createLogger } from '../../../core/logger';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { encodeHold, holdEvent } from '../delivery/helpers';

/**
 * The dead-letter index (issue #14, item 1) against real Kafka, the registry and a Redis of this
 * test's own (so it can FLUSHDB it): the indexer reads the dead-letter topics into the index;
 * list, groups, queue and states work on it; a reindex after FLUSHDB gives back the same index
 * and the operators' states from the dlq.state topic.
 */
describe('dlq: the index of dead letters', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dlq-index-'));
  const HOUR = 3_600_000;
  const settings: DeadLetterSettings = {
    serviceLevels: [{ code: 'CD_E_DELIVERY_*', subscriber: 'erp', withinHours: 1 }],
    defaultWithinHours: 24,
    replay: { ratePerSecond: 50, maxReplays: 3, maxSelection: 100_000 },
  };
  let server: ChildProcess | undefined;
  let redis: Redis;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let t: HubTopics;
  let stateLog: StateLog;
  let store: DeadLetterStore;
  let stopIndexer: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn('redis-server', redisServerArgs(port, dir), { stdio: 'ignore' });
    await eventually(() => redisAnswers(`redis://127.0.0.1:${port}`), 'the test redis-server to answer');
    redis = createRedis({ url: `redis://127.0.0.1:${port}`, name: 'dlq-index-test' });
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    t = topicsForPrefix(randomName('dlqix'));
    await createTopics(admin, [
      t.dlqRouter,
      t.dlqDeliver('erp'),
      t.dlqDeliver('tms'),
      {
        topic: t.dlqState,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ]);
    stateLog = createStateLog(kafka, t.dlqState);
    store = createDeadLetterStore({ redis, redisPrefix: 'ix:', stateLog });
  });

  afterAll(async () => {
    await stopIndexer?.();
    await stateLog?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
    server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const indexDeps = () => ({
    store,
    topics: t,
    schemaVersionOf: schemaVersionLookup(createSchemaResolver(testEndpoints().registryUrl), loadCatalog),
    settings: () => settings,
    now: Date.now,
  });

  async function startIndexer(topicList: string[]): Promise<void> {
    const indexer = createIndexer({
      ...indexDeps(),
      kafka,
      groupId: randomName('dlq-indexer'),
      dlqTopics: topicList,
      log: dlqLog(createLogger({ level: 'silent' })),
      metrics: dlqMetrics(new Registry()),
    });
    await indexer.start();
    stopIndexer = () => indexer.stop();
  }

  /** A delivery or router dead letter of a framed OrderHoldPlaced, as the hub writes it. */
  async function deadLetter(
    code: string,
    subscriber: string | undefined,
    at: number,
  ): Promise<{ message: Message; eventId: string; value: Buffer }> {
    const e = holdEvent(`O-${crypto.randomBytes(3).toString('hex')}`, 1);
    const encoded = await encodeHold(e);
    const headers = deadLetterHeaders(
      {
        code,
        message: `${code} for the test`,
        stage: subscriber ? 'deliver.http' : 'router.schema',
        attempts: subscriber ? 4 : 1,
        firstFailedAt: at - 60_000,
        lastFailedAt: at,
        original: {
          topic: subscriber ? `${t.deliver(subscriber)}` : 'x.ingress.us-chi',
          partition: 0,
          offset: '7',
        },
        ...(subscriber ? { subscriber } : {}),
      },
      encoded.headers,
    );
    return {
      message: { key: encoded.key, value: encoded.value, headers },
      eventId: e.eventId,
      value: encoded.value,
    };
  }

  it('indexes, filters, pages, groups and queues; a reindex after FLUSHDB restores letters and states', async () => {
    const now = Date.now();
    const erp = await Promise.all(
      Array.from({ length: 5 }, (_, i) => deadLetter('CD_E_DELIVERY_REJECTED', 'erp', now - i * 1000)),
    );
    const tms = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        deadLetter('CD_E_DELIVERY_RETRIES_EXHAUSTED', 'tms', now - 10_000 - i * 1000),
      ),
    );
    const router = await Promise.all(
      Array.from({ length: 2 }, (_, i) => deadLetter('CD_E_UNKNOWN_SCHEMA_ID', undefined, now - 20_000 - i)),
    );
    await producer.send({ topic: t.dlqDeliver('erp'), acks: -1, messages: erp.map((d) => d.message) });
    await producer.send({ topic: t.dlqDeliver('tms'), acks: -1, messages: tms.map((d) => d.message) });
    await producer.send({ topic: t.dlqRouter, acks: -1, messages: router.map((d) => d.message) });

    await startIndexer([t.dlqRouter, t.dlqDeliver('erp'), t.dlqDeliver('tms')]);
    await eventually(async () => (await store.size()) === 10, 'the indexer to index 10 dead letters');

    // Filters, with identity read from the headers and the value's metadata.
    const erpPage = await store.list({ subscriber: 'erp' }, { limit: 10 });
    expect(erpPage.total).toBe(5);
    const first = erpPage.items[0]!;
    expect(first).toMatchObject({
      kind: 'deliver',
      subscriber: 'erp',
      code: 'CD_E_DELIVERY_REJECTED',
      site: 'us-chi',
      eventType: 'com.crossdock.order.OrderHoldPlaced',
      attempts: 4,
      state: 'new',
      lastFailedAt: now,
      firstFailedAt: now - 60_000,
      replayCount: 0,
    });
    expect(first.eventId).toBe(erp[0]!.eventId);
    expect(first.correlationId).toMatch(/^corr-O-/);
    expect(first.schemaVersion).toBeGreaterThanOrEqual(1);
    // Service level: CD_E_DELIVERY_* of erp is due within 1 hour, the rest within 24.
    expect(first.dueAt).toBe(now + HOUR);
    const tmsPage = await store.list(
      { subscriber: 'tms', code: 'CD_E_DELIVERY_RETRIES_EXHAUSTED' },
      { limit: 10 },
    );
    expect(tmsPage.total).toBe(3);
    expect(tmsPage.items.every((r) => r.dueAt === r.lastFailedAt + 24 * HOUR)).toBe(true);
    expect(
      (await store.list({ code: 'CD_E_UNKNOWN_SCHEMA_ID' }, { limit: 10 })).items.map((r) => r.kind),
    ).toEqual(['router', 'router']);
    expect((await store.list({ since: now - 2500 }, { limit: 10 })).total).toBe(3);

    // Paging: newest first, every letter once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({}, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(10);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(10);
    const times = (await store.list({}, { limit: 10 })).items.map((r) => r.lastFailedAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // The bytes, and the letters of one event.
    expect((await store.payload(first.id))?.value.equals(erp[0]!.value)).toBe(true);
    expect(await store.ofEvent(erp[0]!.eventId)).toEqual([first.id]);

    // Groups: one line per code × site × subscriber × schema version.
    const groups = await store.groups();
    expect(groups.map((g) => [g.code, g.subscriber ?? 'router', g.count, g.open])).toEqual(
      expect.arrayContaining([
        ['CD_E_DELIVERY_REJECTED', 'erp', 5, 5],
        ['CD_E_DELIVERY_RETRIES_EXHAUSTED', 'tms', 3, 3],
        ['CD_E_UNKNOWN_SCHEMA_ID', 'router', 2, 2],
      ]),
    );
    expect(groups).toHaveLength(3);

    // Operators' changes: claim two, discard one with a note; a refused change changes nothing.
    const [a, b] = erpPage.items;
    await store.applyState(a!.id, { state: 'claimed', owner: 'alice', by: 'alice', at: now });
    await store.applyState(b!.id, { state: 'claimed', owner: 'bob', by: 'lead', at: now });
    const gone = tmsPage.items[0]!;
    await store.applyState(gone.id, {
      state: 'discarded',
      note: 'test order, no delivery',
      by: 'alice',
      at: now,
    });
    await expect(
      store.applyState(gone.id, { state: 'claimed', owner: 'x', by: 'x', at: now }),
    ).rejects.toMatchObject({
      code: 'CD_E_DLQ_STATE_INVALID',
    });
    expect(await store.applyState('nope:0:1', { state: 'claimed', by: 'x', at: now })).toBeUndefined();

    const queue = await store.queue({ limit: 20, now });
    expect(queue).toHaveLength(9);
    expect(queue.map((q) => q.dueAt)).toEqual([...queue.map((q) => q.dueAt)].sort((x, y) => x - y));
    expect(queue.some((q) => q.id === gone.id)).toBe(false);
    expect((await store.queue({ limit: 20, now, owner: 'alice' })).map((q) => q.id)).toEqual([a!.id]);
    const later = await store.summary(now + 2 * HOUR);
    expect(later).toMatchObject({ open: 9, overdue: 5 });
    expect(later.depth).toEqual(
      expect.arrayContaining([
        { subscriber: 'erp', code: 'CD_E_DELIVERY_REJECTED', open: 5 },
        { subscriber: 'tms', code: 'CD_E_DELIVERY_RETRIES_EXHAUSTED', open: 2 },
        { subscriber: 'router', code: 'CD_E_UNKNOWN_SCHEMA_ID', open: 2 },
      ]),
    );
    const before = {
      list: (await store.list({}, { limit: 10 })).items,
      groups: await store.groups(),
    };

    // Redis loses everything; the topics rebuild the index and the states.
    await stopIndexer?.();
    stopIndexer = undefined;
    await redis.flushdb();
    expect(await store.size()).toBe(0);
    const result = await reindex({ ...indexDeps(), kafka, stateLog });
    expect(result).toMatchObject({ letters: 10, states: 3 });
    const after = (await store.list({}, { limit: 10 })).items;
    // A letter nobody changed is new again, as of the reindex; everything else is as it was.
    const strip = (r: (typeof after)[number]) => ({
      ...r,
      indexedAt: 0,
      updatedAt: r.updatedBy === 'indexer' ? 0 : r.updatedAt,
    });
    expect(after.map(strip)).toEqual(before.list.map(strip));
    expect(await store.groups()).toEqual(before.groups);
    expect(await store.get(a!.id)).toMatchObject({ state: 'claimed', owner: 'alice' });
    expect((await store.get(gone.id))?.notes.map((n) => n.text)).toEqual(['test order, no delivery']);
  });

  it('the state log sends concurrent writes together and keeps each letter’s last write last', async () => {
    const t2 = topicsForPrefix(randomName('dlqstate'));
    await createTopics(admin, [
      {
        topic: t2.dlqState,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ]);
    const log = createStateLog(kafka, t2.dlqState);
    try {
      // 1,200 writes at once over 3 letters: more than one send (500 a send), in call order.
      await Promise.all(
        Array.from({ length: 1200 }, (_, i) =>
          log.write(`L${i % 3}`, {
            state: 'claimed',
            owner: `o${i}`,
            notes: [],
            replays: [],
            updatedAt: i,
            updatedBy: 'test',
          }),
        ),
      );
      const all = await log.readAll();
      expect([...all.keys()].sort()).toEqual(['L0', 'L1', 'L2']);
      expect(['L0', 'L1', 'L2'].map((k) => all.get(k)?.owner)).toEqual(['o1197', 'o1198', 'o1199']);
    } finally {
      await log.close();
    }
  });

  it('groups a storm of 10,000 dead letters into its incidents', async () => {
    const storm = topicsForPrefix(randomName('dlqstorm'));
    await createTopics(admin, [storm.dlqDeliver('erp')]);
    const stormStore = createDeadLetterStore({ redis, redisPrefix: 'storm:' });
    const now = Date.now();
    const [rejected, exhausted] = await Promise.all([
      deadLetter('CD_E_DELIVERY_REJECTED', 'erp', now),
      deadLetter('CD_E_DELIVERY_RETRIES_EXHAUSTED', 'erp', now),
    ]);
    const batch: Message[] = [];
    for (let i = 0; i < 10_000; i++) {
      const base = i % 10 === 0 ? exhausted.message : rejected.message;
      batch.push({ ...base, headers: { ...base.headers, ce_id: crypto.randomUUID() } });
    }
    for (let i = 0; i < batch.length; i += 500)
      await producer.send({ topic: storm.dlqDeliver('erp'), acks: -1, messages: batch.slice(i, i + 500) });
    const indexer = createIndexer({
      store: stormStore,
      topics: storm,
      schemaVersionOf: schemaVersionLookup(createSchemaResolver(testEndpoints().registryUrl), loadCatalog),
      settings: () => settings,
      now: Date.now,
      kafka,
      groupId: randomName('dlq-storm'),
      dlqTopics: [storm.dlqDeliver('erp')],
      log: dlqLog(createLogger({ level: 'silent' })),
      metrics: dlqMetrics(new Registry()),
    });
    await indexer.start();
    try {
      await eventually(
        async () => (await stormStore.size()) === 10_000,
        '10,000 dead letters indexed',
        120_000,
      );
    } finally {
      await indexer.stop();
    }
    const groups = await stormStore.groups();
    expect(groups.map((g) => [g.code, g.count, g.open]).sort()).toEqual([
      ['CD_E_DELIVERY_REJECTED', 9000, 9000],
      ['CD_E_DELIVERY_RETRIES_EXHAUSTED', 1000, 1000],
    ]);
    expect(groups.every((g) => g.subscriber === 'erp' && g.site === 'us-chi')).toBe(true);
  });
});
