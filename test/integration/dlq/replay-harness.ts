import type { Admin, IHeaders, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { stringify } from 'yaml';
import type { HubComponent } from '../../../core/component';
import type { HubConfig } from '../../../core/config';
import { createHealthServer } from '../../../core/health';
import { createKafka } from '../../../core/kafka';
import { createLogger, silentLogger } from '../../../core/logger';
import { redisPrefixFor } from '../../../core/names/redis-keys';
import { topics as hubTopics, type HubTopics } from '../../../core/names/topics';
import { createSchemaResolver } from '../../../core/registry';
import {
  createDeadLetterStore,
  createReplayService,
  createStateLog,
  type DeadLetterFilter,
  type DeadLetterRecord,
  type DeadLetterStore,
  type ReplayJob,
  type ReplayService,
  type StateLog,
} from '../../../dlq';
import { hubComponents, loadConfigText } from '../../../hub';
import { ensureTopics } from '../../../router';
import {
  followCatalog,
  loadCatalog,
  publishCatalog,
  type CatalogEntry,
  type CatalogFollower,
} from '../../../schemas';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { startReceiver, testRedis, type Received, type Receiver, type Reply } from '../delivery/helpers';

/**
 * A hub in this test process, as `crossdock start` composes it (hub/components.ts: router, one
 * sink connector per subscriber, the dead-letter indexer, the replay runner), on the shared stack
 * with a random topic prefix (so its Redis prefix is its own too), HTTP subscribers answered by
 * local receivers, and the replay service the admin API would use.
 */

export const SITES = [
  { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } },
];

export interface SubscriberSpec {
  id: string;
  /** How its receiver answers; change it while the test runs through `hub.behave[id]`. */
  behave: (req: Received, attempt: number) => Reply;
  delivery?: Record<string, unknown>;
}

export interface ReplayHubOptions {
  subscribers: SubscriberSpec[];
  routes: unknown[];
  deadLetters?: Record<string, unknown>;
  router?: Record<string, unknown>;
  /** Run the replay runner in this process. @defaultValue true */
  runner?: boolean;
  /** Published to `<prefix>.catalog` before the hub starts (the catalog the hub validates against). */
  catalog?: readonly CatalogEntry[];
}

export interface ReplayHub {
  config: HubConfig;
  /** The configuration as YAML (for a runner in another process). */
  yaml: string;
  t: HubTopics;
  redisPrefix: string;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  redis: Redis;
  receivers: Record<string, Receiver>;
  behave: Record<string, SubscriberSpec['behave']>;
  store: DeadLetterStore;
  service: ReplayService;
  follower: CatalogFollower;
  components: HubComponent[];
  /** The sum of a metric's samples in the hub's registry (labels must match). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  produce(
    topic: string,
    messages: Array<{ key: string | Buffer | null; value: Buffer; headers?: IHeaders }>,
  ): Promise<void>;
  /** Every indexed letter matching `filter`, waiting until there are `n`. */
  letters(filter: DeadLetterFilter, n: number): Promise<DeadLetterRecord[]>;
  /** Waits until the job is in `state` (done by default) and returns it. */
  job(jobId: string, state?: ReplayJob['state'], timeoutMs?: number): Promise<ReplayJob>;
  stop(): Promise<void>;
}

/** The logger of the hub's components: silent unless REPLAY_TEST_LOG names a level. */
export function testLogger() {
  return process.env.REPLAY_TEST_LOG ? createLogger({ level: process.env.REPLAY_TEST_LOG }) : silentLogger();
}

export function replayConfig(o: ReplayHubOptions, receivers: Record<string, Receiver>): string {
  const prefix = randomName('rp').replace(/-/g, '');
  return stringify({
    hub: {
      topicPrefix: prefix,
      topics: { partitions: 2, replicationFactor: 1 },
      router: {
        groupId: `${prefix}-router`,
        maxWaitTimeInMs: 50,
        validationThreads: 0,
        unknownVersionGraceMs: 0,
        retry: { initialMs: 100, maxMs: 1000 },
        ...o.router,
      },
    },
    sites: SITES,
    subscribers: o.subscribers.map((s) => ({
      id: s.id,
      sink: { kind: 'http', url: receivers[s.id]!.url, timeoutMs: 3000 },
      delivery: { retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 200 }, ...s.delivery },
    })),
    routes: o.routes,
    deadLetters: { replay: { ratePerSecond: 50, maxReplays: 3, maxSelection: 10_000 }, ...o.deadLetters },
  });
}

export async function startReplayHub(o: ReplayHubOptions): Promise<ReplayHub> {
  const behave: Record<string, SubscriberSpec['behave']> = {};
  const receivers: Record<string, Receiver> = {};
  for (const s of o.subscribers) {
    behave[s.id] = s.behave;
    receivers[s.id] = await startReceiver((req, n) => behave[s.id]!(req, n));
  }
  const yaml = replayConfig(o, receivers);
  const config = loadConfigText(yaml);
  const t = hubTopics(config);
  const redisPrefix = redisPrefixFor(config.hub.topicPrefix);
  const endpoints = testEndpoints();
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  const producer = kafka.producer();
  await producer.connect();
  if (o.catalog)
    await publishCatalog({
      kafka,
      topic: t.catalog,
      entries: o.catalog,
      replicationFactor: config.hub.topics.replicationFactor,
    });
  const logger = testLogger();
  const health = createHealthServer(undefined, { defaultMetrics: false });
  const all = hubComponents({ config, endpoints, logger, health });
  const components = o.runner === false ? all.filter((c) => c.name !== 'dlq-replay') : all;
  const started: HubComponent[] = [];
  for (const c of components) {
    await c.start();
    started.push(c);
  }
  const redis = testRedis();
  // The admin API's side: the store (state changes to dlq.state first) and the replay service.
  const hubKafka = createKafka({ clientId: randomName('replay-test'), brokers: endpoints.kafkaBrokers });
  const stateLog: StateLog = createStateLog(hubKafka, t.dlqState);
  const store = createDeadLetterStore({ redis, redisPrefix, stateLog });
  const follower = followCatalog({
    kafka: hubKafka,
    topic: t.catalog,
    fallback: loadCatalog().entries,
    name: randomName('replay-test'),
    pollMs: 300,
  });
  await follower.start();
  const service = createReplayService({
    redis,
    redisPrefix,
    store,
    config: () => config,
    resolver: createSchemaResolver(endpoints.registryUrl),
    catalog: () => follower.current(),
  });
  return {
    config,
    yaml,
    t,
    redisPrefix,
    kafka,
    admin,
    producer,
    redis,
    receivers,
    behave,
    store,
    service,
    follower,
    components: started,
    async metric(name, labels = {}) {
      const m = await health.metrics.getSingleMetric(name)?.get();
      return (m?.values ?? [])
        .filter((v) =>
          Object.entries(labels).every(
            ([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want,
          ),
        )
        .reduce((n, v) => n + v.value, 0);
    },
    produce: async (topic, messages) => void (await producer.send({ topic, acks: -1, messages })),
    async letters(filter, n) {
      let found: DeadLetterRecord[] = [];
      await eventually(
        async () => {
          const ids = await store.ids(filter, 100_000);
          found = (await Promise.all(ids.map((id) => store.get(id)))).filter(
            (r): r is DeadLetterRecord => r !== undefined,
          );
          return found.length >= n;
        },
        `${n} dead letters matching ${JSON.stringify(filter)} in the index`,
        60_000,
      );
      return found;
    },
    async job(jobId, state = 'done', timeoutMs = 120_000) {
      let job: ReplayJob | undefined;
      await eventually(
        async () => (job = await service.get(jobId))?.state === state,
        `replay job ${jobId} to be ${state}`,
        timeoutMs,
      );
      return job!;
    },
    async stop() {
      for (const c of [...started].reverse()) await c.stop().catch(() => undefined);
      await follower.stop().catch(() => undefined);
      await stateLog.close().catch(() => undefined);
      for (const r of Object.values(receivers)) await r.close();
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** 2xx answers a receiver gave, by Idempotency-Key (eventId). */
export function okCounts(receiver: Receiver, ok: Set<number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of receiver.requests) if (ok.has(r.n)) out.set(r.key, (out.get(r.key) ?? 0) + 1);
  return out;
}

/**
 * Everything a dry run could change, as it is now: the end offsets of every topic of the hub,
 * every Redis key of the hub's prefix with its value (DUMP: index, states, jobs, idempotency
 * records, duplicate marks, retry state), and the index as `list` shows it.
 */
export async function snapshot(hub: ReplayHub): Promise<unknown> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await hub.redis.scan(cursor, 'MATCH', `${hub.redisPrefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.filter((k) => !k.includes(':tmp:')));
  } while (cursor !== '0');
  keys.sort();
  const dumps: Record<string, string | null> = {};
  for (const k of keys) dumps[k] = (await hub.redis.dumpBuffer(k))?.toString('base64') ?? null;
  const topicNames = (await hub.admin.listTopics())
    .filter((n) => n.startsWith(`${hub.config.hub.topicPrefix}.`))
    .sort();
  const offsets: Record<string, string[]> = {};
  for (const n of topicNames)
    offsets[n] = (await hub.admin.fetchTopicOffsets(n))
      .sort((a, b) => a.partition - b.partition)
      .map((p) => `${p.partition}:${p.high}`);
  const index = await hub.store.list({}, { limit: 1000 });
  return { keys: dumps, offsets, index };
}

/**
 * Whether the flow tracker has handed on every ingress record: its group's committed offset is at
 * the end of each partition. The tracker reads a record only once the router has decided it and
 * commits only after its sinks (scorecards, flow steps) have written, so this is a positive sign
 * that the router and the tracker have both done with everything produced so far.
 */
export async function trackerCaughtUp(hub: ReplayHub): Promise<boolean> {
  for (const site of SITES) {
    const topic = hub.t.ingress(site.id);
    const ends = await hub.admin.fetchTopicOffsets(topic);
    const [committed] = await hub.admin.fetchOffsets({ groupId: hub.t.flowTrackerGroup, topics: [topic] });
    for (const end of ends) {
      const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      if (BigInt(end.high) > 0n && BigInt(at) < BigInt(end.high)) return false;
    }
  }
  return true;
}

/**
 * The snapshot once the hub is still: the hub's components (the indexer, the flow tracker, which
 * reads each record only after the router has decided it) write a moment after the router, so a
 * "changes nothing" check takes its "before" only once the tracker has committed past every
 * ingress record (trackerCaughtUp) and then two snapshots half a second apart agree. Agreement
 * alone was not enough: CI caught the tracker's first scorecard write landing after two equal
 * snapshots, when it was more than half a second behind.
 */
export async function settledSnapshot(hub: ReplayHub, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  await eventually(
    () => trackerCaughtUp(hub),
    'the flow tracker to have handed on every ingress record',
    timeoutMs,
  );
  let last = JSON.stringify(await snapshot(hub));
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await snapshot(hub);
    const text = JSON.stringify(now);
    if (text === last) return now;
    if (Date.now() > deadline) throw new Error(`the hub did not settle within ${timeoutMs} ms`);
    last = text;
  }
}
