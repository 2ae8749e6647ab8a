import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../../../core/kafkajs-patch';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { stringify } from 'yaml';
import type { HubConfig } from '../../../core/config';
import { createHealthServer } from '../../../core/health';
import { createLogger, silentLogger, type Logger } from '../../../core/logger';
import pino from 'pino';
import { topics as hubTopics } from '../../../core/names/topics';
import { createTopicsWithLeaders } from '../../../core/topic-replication';
import { sinkConnectorComponent } from '../../../connectors/sinks/component';
import { loadConfigText } from '../../../hub';
import { createRouter, ensureTopics, type RouterComponent } from '../../../router';
import { pushSchemas } from '../../../schemas';
import { startThreeBrokerStack, type ThreeBrokerStack } from '../../helpers/three-brokers';
import { TEST_SITES } from '../router/harness';
import { wireEvent, type WireEvent } from '../router/events';

/**
 * Issue #20: three brokers (`crossdock stack up --brokers 3`, a stack of this file's own: its home,
 * free ports, its own registry and redis-server; the shared stack is not used), the router and a
 * Kafka subscriber connector running, a few thousand events produced by an idempotent acks=all
 * producer; mid-stream the broker leading the most partitions is killed -9, production goes on,
 * the broker is started again (`up` on that stack). Every event reaches the subscriber's topic
 * exactly once in effect (by eventId: none missing, none unexpected), nothing is dead-lettered,
 * and the cluster heals (3 brokers, no under-replicated partition). EventIds the router's
 * read_committed deliver topic holds in two records or more (by partition and offset: a record the
 * reader reads again after its own restart counts once) are counted and printed with where they
 * came from, not asserted (see docs/scaling.md). The stall the kill causes is measured and printed.
 * CROSSDOCK_BROKERS_TEST_LOG=<file> writes the router's and the connector's log lines there.
 * Run by `npm run test:scale` only (jest.config.js), about 2-3 minutes.
 */
const EVENTS = Number(process.env.CROSSDOCK_BROKERS_TEST_EVENTS ?? 3000);
const CHUNK = 50;
const KILL_AT = Math.floor(EVENTS / 3);
const SITES = TEST_SITES.map((s) => s.id);
/** When set, the router's and the connector's log lines (level info) go to this file, for a failed run. */
const LOG_FILE = process.env.CROSSDOCK_BROKERS_TEST_LOG;

function testLogger(): Logger {
  if (!LOG_FILE) return silentLogger();
  return createLogger({ level: 'info', destination: pino.destination({ dest: LOG_FILE, sync: true }) });
}

jest.setTimeout(600_000);

interface Arrival {
  id: string;
  at: number;
}

function hubConfig(): HubConfig {
  const doc = {
    hub: {
      topicPrefix: `b3${crypto.randomBytes(4).toString('hex')}`,
      // replicationFactor unset: the brokers' default.replication.factor, 3 on this stack (the first
      // test checks that every hub topic got 3 replicas and min.insync.replicas 2).
      topics: { partitions: 6 },
      router: {
        groupId: `router-${crypto.randomBytes(4).toString('hex')}`,
        duplicateWindowSeconds: 3600,
        maxWaitTimeInMs: 50,
        retry: { initialMs: 100, maxMs: 1000 },
      },
    },
    sites: TEST_SITES,
    subscribers: [{ id: 'c', sink: { kind: 'kafka' } }],
    routes: [{ name: 'all', match: {}, to: ['c'] }],
    rules: {},
  };
  return loadConfigText(stringify(doc));
}

/** Partitions whose in-sync replicas are fewer than their replicas, over every topic. */
async function underReplicated(admin: Admin): Promise<number> {
  const names = await admin.listTopics();
  const md = await admin.fetchTopicMetadata({ topics: names });
  return md.topics.reduce(
    (n, t) => n + t.partitions.filter((p) => p.isr.length < p.replicas.length).length,
    0,
  );
}

describe('three brokers: one killed -9 under load while the router and a connector run', () => {
  let stack: ThreeBrokerStack;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let reader: Consumer;
  let router: RouterComponent;
  let connector: { stop(): Promise<void> };
  const config = hubConfig();
  const t = hubTopics(config);
  const arrivals: Arrival[] = [];
  // eventId -> the records holding it (`partition/offset`): a record read again (the reader's
  // consumer restarted after the kill and resumed from its last committed offset) is not a copy.
  const sinkCopies = new Map<string, Set<string>>();
  const deliverCopies = new Map<string, Set<string>>();
  const reReads = { sink: 0, deliver: 0 };
  // For a repeated eventId on the deliver topic: its ingress records, and when each deliver copy was written.
  const ingressCopies = new Map<string, Set<string>>();
  const deliverTimes = new Map<string, number[]>();
  const readerCrashes: Array<{ error: string; restart: boolean }> = [];
  const dlq: string[] = [];
  const startedAt = Date.now();

  beforeAll(async () => {
    stack = await startThreeBrokerStack({ timeoutMs: 240_000 });
    kafka = new Kafka({ clientId: 'b3-test', brokers: stack.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await pushSchemas({ registry: stack.endpoints.registry, only: ['OrderReleased', 'InventoryAdjusted'] });
    await ensureTopics(admin, config);
    // The subscriber's target topic exists before anyone reads it (the sink would make it on its first write).
    await createTopicsWithLeaders(admin, [{ topic: t.sink('c'), numPartitions: 6, replicationFactor: 3 }]);
    const health = createHealthServer(undefined, { defaultMetrics: false });
    const deps = { endpoints: stack.endpoints, logger: testLogger(), health };
    router = createRouter({ ...deps, config, redisPrefix: 'b3rt:', sessionTimeoutMs: 10_000 });
    await router.start();
    const c = sinkConnectorComponent(config.subscribers[0]!, deps, {
      topicPrefix: config.hub.topicPrefix,
      createTopics: config.hub.topics,
    });
    await c.start();
    connector = c;
    reader = kafka.consumer({
      groupId: `b3-reader-${crypto.randomBytes(3).toString('hex')}`,
      maxWaitTimeInMs: 100,
      // A crash on the dead broker's connection restarts the reader (then it reads again from its
      // last committed offset: those records are counted once, below).
      retry: { restartOnFailure: async () => true },
    });
    reader.on(reader.events.CRASH, (e) =>
      readerCrashes.push({ error: String(e.payload.error?.message), restart: e.payload.restart }),
    );
    await reader.connect();
    await reader.subscribe({
      topics: [t.sink('c'), t.deliver('c'), t.dlqRouter, t.dlqDeliver('c'), ...SITES.map(t.ingress)],
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ topic, partition, message }) => {
        const id = message.headers?.ce_id?.toString() ?? '?';
        const record = `${partition}/${message.offset}`;
        const note = (copies: Map<string, Set<string>>, side: 'sink' | 'deliver') => {
          const where = copies.get(id) ?? new Set<string>();
          if (where.has(record)) reReads[side]++;
          copies.set(id, where.add(record));
        };
        if (topic === t.sink('c')) {
          arrivals.push({ id, at: Date.now() });
          note(sinkCopies, 'sink');
        } else if (topic === t.deliver('c')) {
          if (!deliverCopies.get(id)?.has(record))
            deliverTimes.set(id, [...(deliverTimes.get(id) ?? []), Number(message.timestamp)]);
          note(deliverCopies, 'deliver');
        } else if (topic.startsWith(`${config.hub.topicPrefix}.ingress.`)) {
          const where = ingressCopies.get(id) ?? new Set<string>();
          ingressCopies.set(id, where.add(`${topic}/${record}`));
        } else dlq.push(`${topic}: ${id}`);
      },
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 420_000);

  afterAll(async () => {
    await reader?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await connector?.stop().catch(() => undefined);
    await router?.stop().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await stack?.stop();
  }, 120_000);

  it('topics have 3 replicas and min.insync.replicas 2, the registry journal too', async () => {
    const names = [
      t.ingress('us-chi'),
      t.deliver('c'),
      t.sink('c'),
      'kafkasql-journal',
      '__consumer_offsets',
    ];
    const md = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of md.topics)
      for (const p of topic.partitions)
        expect({ topic: topic.name, replicas: p.replicas.length }).toEqual({
          topic: topic.name,
          replicas: 3,
        });
    const cfg = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['min.insync.replicas'],
      })),
    });
    for (const r of cfg.resources)
      expect([r.resourceName, r.configEntries[0]?.configValue]).toEqual([r.resourceName, '2']);
  });

  it('delivers every event exactly once in effect across a kill -9 of a leading broker, and the cluster heals', async () => {
    const events: WireEvent[] = [];
    for (let i = 0; i < EVENTS; i++)
      events.push(
        await wireEvent(stack.endpoints.registryUrl, {
          eventType: i % 2 ? 'InventoryAdjusted' : 'OrderReleased',
          siteId: SITES[i % SITES.length]!,
          seed: i,
        }),
      );
    const ids = events.map((e) => e.event.metadata.eventId as string);

    // The victim: the broker leading the most partitions of the hub's topics.
    const md = await admin.fetchTopicMetadata({
      topics: [...SITES.map(t.ingress), t.deliver('c'), t.sink('c')],
    });
    const leads = new Map<number, number>();
    for (const topic of md.topics)
      for (const p of topic.partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
    const victim = [...leads].sort((a, b) => b[1] - a[1])[0]![0];

    const sendTimes: Array<{ at: number; ms: number; retries: number }> = [];
    let killedAt = 0;
    let restartedAt = 0;
    let resends = 0;
    let restartMs = 0;
    for (let i = 0; i < events.length; i += CHUNK) {
      const part = events.slice(i, i + CHUNK);
      const bySite = new Map<string, WireEvent[]>();
      for (const e of part)
        bySite.set(e.event.metadata.siteId, [...(bySite.get(e.event.metadata.siteId) ?? []), e]);
      const started = Date.now();
      let retries = 0;
      // A site keeps what it could not hand over and sends it again (the router drops a copy of
      // an eventId it already routed): at least once from the site, once in effect downstream.
      for (;;) {
        try {
          await producer.sendBatch({
            acks: -1,
            topicMessages: [...bySite].map(([site, list]) => ({
              topic: t.ingress(site),
              messages: list.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
            })),
          });
          break;
        } catch {
          retries++;
          resends++;
          if (Date.now() - started > 120_000) throw new Error('producing stalled for 2 minutes');
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      sendTimes.push({ at: started, ms: Date.now() - started, retries });
      const sent = i + part.length;
      if (!killedAt && sent >= KILL_AT) {
        // Kill it while the router and the connector are busy.
        while (arrivals.length < KILL_AT / 2) await new Promise((r) => setTimeout(r, 50));
        killedAt = Date.now();
        await stack.kill(victim);
      }
      if (killedAt && !restartedAt && sent >= (2 * EVENTS) / 3) {
        restartedAt = Date.now();
        await stack.restart();
        restartMs = Date.now() - restartedAt;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(killedAt).toBeGreaterThan(0);
    expect(restartedAt).toBeGreaterThan(0);
    const producedAt = Date.now();

    const distinct = () => sinkCopies.size;
    const deadline = Date.now() + 180_000;
    while (distinct() < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const allAt = Date.now();
    // Late copies would show up within this.
    await new Promise((r) => setTimeout(r, 3000));

    const want = new Set(ids);
    const seen = sinkCopies;
    const result = {
      expected: ids.length,
      missing: ids.filter((id) => !seen.has(id)).length,
      unexpected: [...seen.keys()].filter((id) => !want.has(id)).length,
      // EventIds held by two records or more of the router's deliver topic (read_committed).
      deliverDuplicated: [...deliverCopies.values()].filter((where) => where.size > 1).length,
      deliverMissing: ids.filter((id) => !deliverCopies.has(id)).length,
      deadLetters: dlq.length,
      // The reader's own restarts (a crash it did not restart from would stop the counts).
      readerNotRestarted: readerCrashes.filter((c) => !c.restart).length,
    };
    if (result.missing || result.deliverMissing) {
      // Where the missing ones came from (site, the router's ingress topic), for a failed run.
      const bySite = new Map<string, number>();
      for (const e of events)
        if (!seen.has(e.event.metadata.eventId as string))
          bySite.set(e.event.metadata.siteId, (bySite.get(e.event.metadata.siteId) ?? 0) + 1);
      process.stdout.write(`three brokers: missing by site ${JSON.stringify(Object.fromEntries(bySite))}\n`);
    }
    // Exactly once in effect at the subscriber: every eventId, nothing else, nothing dead-lettered;
    // the reader kept reading. (The deliver topic's copies are asserted last, after the figures.)
    expect(result).toEqual({
      ...result,
      missing: 0,
      unexpected: 0,
      deliverMissing: 0,
      deadLetters: 0,
      readerNotRestarted: 0,
    });

    // The cluster heals: three brokers, no under-replicated partition.
    let healedAt = 0;
    const healDeadline = Date.now() + 180_000;
    for (;;) {
      const cluster = await admin.describeCluster().catch(() => undefined);
      if (cluster?.brokers.length === 3 && (await underReplicated(admin).catch(() => -1)) === 0) {
        healedAt = Date.now();
        break;
      }
      if (Date.now() > healDeadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(healedAt).toBeGreaterThan(0);

    // The stall: the longest producer send (and its resends) around the kill, the longest gap
    // between two arrivals at the subscriber's topic after the kill while events were still due.
    const afterKill = arrivals.filter((a) => a.at >= killedAt).sort((a, b) => a.at - b.at);
    let gap = afterKill.length ? afterKill[0]!.at - killedAt : 0;
    for (let k = 1; k < afterKill.length; k++) gap = Math.max(gap, afterKill[k]!.at - afterKill[k - 1]!.at);
    const sendsAfterKill = sendTimes.filter((s) => s.at + s.ms >= killedAt && s.at < restartedAt);
    // The deliver topic's repeats (asserted below: none), and if any: how many the site had sent
    // twice (two ingress records), and when each copy was written (seconds from the kill).
    const twice = [...deliverCopies].filter(([, where]) => where.size > 1);
    const fromKill = (at: number) => Math.round((at - killedAt) / 100) / 10;
    const copyAt = (k: number) => twice.map(([id]) => fromKill(deliverTimes.get(id)?.[k] ?? NaN));
    const span = (xs: number[]) => (xs.length ? [Math.min(...xs), Math.max(...xs)] : []);
    const figures = {
      events: ids.length,
      victim,
      deliverTopicEventIdsTwice: result.deliverDuplicated,
      deliverRepeatsSentTwiceBySite: twice.filter(([id]) => (ingressCopies.get(id)?.size ?? 0) > 1).length,
      deliverRepeatsFirstCopySecondsFromKill: span(copyAt(0)),
      deliverRepeatsSecondCopySecondsFromKill: span(copyAt(1)),
      deliverRepeatSample: twice.slice(0, 3).map(([id, where]) => ({
        deliver: [...where],
        ingress: [...(ingressCopies.get(id) ?? [])],
      })),
      duplicatesOnSinkTopic: [...sinkCopies.values()].filter((where) => where.size > 1).length,
      readerReReads: reReads.sink + reReads.deliver,
      readerRestarts: readerCrashes.length,
      producerResends: resends,
      producerMaxSendMsBeforeKill: Math.max(
        0,
        ...sendTimes.filter((s) => s.at + s.ms < killedAt).map((s) => s.ms),
      ),
      producerMaxSendMsAfterKill: Math.max(0, ...sendsAfterKill.map((s) => s.ms)),
      subscriberMaxGapMsAfterKill: gap,
      restartMs,
      producedSeconds: Math.round((producedAt - startedAt) / 100) / 10,
      allDeliveredSecondsAfterLastSend: Math.round((allAt - producedAt) / 100) / 10,
      restartSecondsFromKill: fromKill(restartedAt),
      healedSecondsAfterRestart: Math.round((healedAt - restartedAt) / 100) / 10,
      testSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
    const file = path.join(os.tmpdir(), 'crossdock-three-brokers.json');
    fs.writeFileSync(file, JSON.stringify(figures, null, 2));
    process.stdout.write(`three brokers: ${JSON.stringify(figures)} (also in ${file})\n`);
    // The router's fan-out exactly once on the deliver topic too: no eventId in two records (kafkajs
    // alone wrote 114-771 of 3,000 twice here; core/kafkajs-send-fix.ts, docs/scaling.md).
    expect(figures.deliverTopicEventIdsTwice).toBe(0);
    expect(figures.duplicatesOnSinkTopic).toBe(0);
  });
});
