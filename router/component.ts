import crypto from 'node:crypto';
import os from 'node:os';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { systemClock, type Clock } from '../core/clock';
import type { ComponentDeps, HubComponent } from '../core/component';
import { topics as hubTopics, type HubConfig } from '../core/config';
import { describeError, isCrossdockError } from '../core/errors';
import { createKafka } from '../core/kafka';
import { createRedis, type Redis } from '../core/redis';
import { createSchemaResolver, type SchemaResolver } from '../core/registry';
import { loadCatalog } from '../schemas';
import { planBatch, type PlannerDeps } from './batch';
import { routerCatalog, type RouterCatalog } from './catalog';
import { createDeduper } from './dedupe';
import { routerKeys } from './keys';
import { compileRoutes } from './match';
import { createRouterMetrics, type RouterMetrics } from './metrics';
import { ensureTopics } from './topics-setup';
import { createValidator } from './validate';

/**
 * The router as a HubComponent: one consumer group over every `<prefix>.ingress.*` topic, and
 * per fetched batch one Kafka transaction holding the fan-out copies, the dead letters, the
 * unrouted copies and the input offsets (sendOffsets). Readers of the output use read_committed,
 * so a crash at any point leaves either all of a batch's effects or none.
 */

export interface RouterOptions extends ComponentDeps {
  config: HubConfig;
  clock?: Clock;
  /** Override the event catalog (tests); default: schemas/ via loadCatalog(). */
  catalog?: RouterCatalog;
  /** Override the schema lookup (tests); default: a cached resolver on endpoints.registryUrl. */
  resolver?: SchemaResolver;
  /** Redis key prefix (tests use a random one). @defaultValue '' */
  keyPrefix?: string;
  /**
   * Transactional id of this instance; must be unique among live instances. A stable id (e.g. a
   * pod name) lets a restarted instance fence its predecessor's open transaction at once.
   * @defaultValue CROSSDOCK_ROUTER_INSTANCE, else `<groupId>-<host>-<pid>-<random>`
   */
  instanceId?: string;
  /** Consumer session timeout (ms): how long a dead instance keeps its partitions. @defaultValue 10000 */
  sessionTimeoutMs?: number;
  /** Create missing topics the configuration needs at start. @defaultValue true */
  createTopics?: boolean;
}

export interface RouterComponent extends HubComponent {
  readonly metrics: RouterMetrics;
  /** True while consuming with every dependency answering. */
  ready(): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createRouter(options: RouterOptions): RouterComponent {
  const { config, endpoints } = options;
  const settings = config.hub.router;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'router' });
  const t = hubTopics(config);
  const metrics = createRouterMetrics(options.health.metrics);
  const instanceId = options.instanceId ?? process.env.CROSSDOCK_ROUTER_INSTANCE ?? `${settings.groupId}-${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;

  let kafka: Kafka | undefined;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let redis: Redis | undefined;
  let running = false;
  let joined = false;
  let degraded: string | undefined;
  let stopping: Promise<void> | undefined;
  // kafkajs allows one open transaction per producer: batches of different partitions take turns.
  let txLock: Promise<unknown> = Promise.resolve();

  async function runBatch(planner: PlannerDeps, p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const siteId = t.siteOfIngress(batch.topic);
    if (!siteId || batch.messages.length === 0) return;
    const started = process.hrtime.bigint();
    let attempt = 0;
    for (;;) {
      if (!p.isRunning() || p.isStale()) return;
      try {
        const plan = await planBatch(
          planner,
          siteId,
          batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers })),
        );
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        const commit = async () => {
          // A revoked partition now belongs to another instance, which re-reads from the last
          // committed offset: committing here would double its work.
          if (p.isStale()) return false;
          const tx = await producer!.transaction();
          try {
            if (plan.out.size) await tx.sendBatch({ topicMessages: [...plan.out].map(([topic, messages]) => ({ topic, messages })) });
            await tx.sendOffsets({ consumerGroupId: settings.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
            await tx.commit();
            metrics.transactions.inc({ outcome: 'committed' });
            logger.debug({ event: 'router.committed', topic: batch.topic, partition: batch.partition, next, ...plan.counts }, 'batch committed');
            return true;
          } catch (err) {
            metrics.transactions.inc({ outcome: 'aborted' });
            await tx.abort().catch(() => undefined);
            throw err;
          }
        };
        logger.debug({ event: 'router.planned', topic: batch.topic, partition: batch.partition, records: batch.messages.length, ...plan.counts }, 'batch planned');
        const done = txLock.then(commit, commit);
        txLock = done.catch(() => undefined);
        if (!(await done)) return;
        p.resolveOffset(batch.lastOffset());
        metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        if (degraded) {
          logger.info({ event: 'router.resumed', after: degraded }, 'dependencies answer again; resumed');
          degraded = undefined;
        }
        return;
      } catch (err) {
        if (!(isCrossdockError(err) && err.retriable)) throw err;
        // Registry or Redis down: hold this partition (no offset moves, nothing dead-lettered),
        // back off with full jitter, keep the group membership alive, try the batch again.
        const dependency = err.code === 'CD_E_ROUTER_STATE_UNAVAILABLE' ? 'redis' : 'registry';
        metrics.transientRetries.inc({ dependency });
        if (!degraded) logger.warn({ event: 'router.paused', code: err.code, dependency }, `pausing: ${describeError(err)}`);
        degraded = dependency;
        const cap = Math.min(settings.retry.maxMs, settings.retry.initialMs * 2 ** Math.min(attempt++, 20));
        let wait = Math.random() * cap;
        while (wait > 0 && p.isRunning() && !p.isStale()) {
          await sleep(Math.min(wait, 1000));
          wait -= 1000;
          await p.heartbeat().catch(() => undefined);
        }
      }
    }
  }

  async function start(): Promise<void> {
    if (running) return;
    running = true;
    const catalog = options.catalog ?? routerCatalog(loadCatalog());
    const resolver = options.resolver ?? createSchemaResolver(endpoints.registryUrl);
    kafka = createKafka({ clientId: `crossdock-router-${instanceId}`, brokers: endpoints.kafkaBrokers, logger });
    if (options.createTopics !== false) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, config);
      } finally {
        await admin.disconnect();
      }
    }
    redis = createRedis({ url: endpoints.redisUrl, name: `crossdock-router-${instanceId}`, failFast: true });
    const planner: PlannerDeps = {
      validator: createValidator({ config, resolver, catalog, clock }),
      deduper: createDeduper(redis, routerKeys(options.keyPrefix), settings.duplicateWindowSeconds),
      router: compileRoutes(config),
      topics: t,
      sendUnrouted: settings.sendUnrouted,
      clock,
      logger,
      metrics,
    };
    producer = kafka.producer({ transactionalId: instanceId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30000 });
    consumer = kafka.consumer({
      groupId: settings.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      sessionTimeout: options.sessionTimeoutMs ?? 10000,
      heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10000) / 5)),
    });
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    consumer.on(consumer.events.CRASH, (e) => logger.error({ event: 'router.consumer_crash', error: describeError(e.payload.error), restart: e.payload.restart }, 'consumer crashed'));
    options.health.addReadiness('router', () => ready());
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [t.ingressPattern], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: (p) => runBatch(planner, p),
    });
    logger.info({ event: 'router.started', instanceId, groupId: settings.groupId }, 'router consuming');
  }

  function ready(): boolean {
    return running && joined && !degraded;
  }

  async function stop(): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      running = false;
      await consumer?.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      redis?.disconnect();
      logger.info({ event: 'router.stopped', instanceId }, 'router stopped');
    })();
    return stopping;
  }

  return { name: 'router', metrics, start, stop, ready };
}
