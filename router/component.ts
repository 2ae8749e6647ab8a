import crypto from 'node:crypto';
import os from 'node:os';
import {
  logLevel,
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type LogEntry,
  type Message,
  type Producer,
  type Transaction,
} from 'kafkajs';
import { systemClock, type Clock } from '../core/clock';
import type { ComponentDeps, HubComponent } from '../core/component';
import { topics as hubTopics, type HubConfig } from '../core/config';
import { describeError, isCrossdockError } from '../core/errors';
import type { Logger } from '../core/logger';
import { createKafka } from '../core/kafka';
import { createRedis, type Redis } from '../core/redis';
import { createSchemaResolver, type SchemaResolver } from '../core/registry';
import { loadCatalog } from '../schemas';
import { createLocalAnalyzer, type Analyzer } from './analysis';
import { createWorkerAnalyzer } from './analysis-pool';
import { planBatch, type BatchPlan, type PlannerDeps } from './batch';
import { createTxnQueue, type TransactionScope, type TxnQueue } from './txn-queue';
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
  /**
   * Transactional producers in the pool: a batch planned while a transaction is in flight starts
   * its own on an idle producer instead of waiting (each has its own transactional id: the
   * instance id, then `<instanceId>-tx<n>`). @defaultValue 2
   */
  transactionalProducers?: number;
  /** Instrumentation: called after each batch's transaction committed (benchmarks, tests). */
  onBatchCommitted?: (info: BatchCommitted) => void;
}

/** What `onBatchCommitted` receives. Times are Date.now() values. */
export interface BatchCommitted {
  topic: string;
  partition: number;
  records: number;
  startedAt: number;
  /** When validation, dedupe and routing were done and the transaction began. */
  plannedAt: number;
  committedAt: number;
}

export interface RouterComponent extends HubComponent {
  readonly metrics: RouterMetrics;
  /** True while consuming with every dependency answering. */
  ready(): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bytes per topic in one produce request. A partition's records travel as one record batch,
 * which the broker refuses above max.message.bytes (1 MiB by default); group commit can gather
 * several fetched batches (each up to 1 MiB) and copies carry extra headers, so each topic's
 * share of a send is cut well below that (a partition's batch is at most its topic's share). The
 * bound is per topic, not per request: at fan-out F one send carries F topics' shares, so a
 * transaction needs F times fewer sequential produce round trips.
 */
const MAX_SEND_BYTES = 512 * 1024;

function approxBytes(m: Message): number {
  let n =
    70 +
    (Buffer.isBuffer(m.value) ? m.value.length : String(m.value ?? '').length) +
    (Buffer.isBuffer(m.key) ? m.key.length : String(m.key ?? '').length);
  for (const k in m.headers) {
    const v = m.headers[k];
    n += k.length + 10 + (Buffer.isBuffer(v) ? v.length : String(v ?? '').length);
  }
  return n;
}

/**
 * The planned copies as sendBatch calls in which each topic carries at most `limit` bytes
 * (one oversized message goes alone rather than never); order kept per topic.
 */
export function chunkByBytes(
  out: Map<string, Message[]>,
  limit: number,
): Array<Array<{ topic: string; messages: Message[] }>> {
  const chunks: Array<Array<{ topic: string; messages: Message[] }>> = [];
  for (const [topic, messages] of out) {
    // The topic's k-th share goes into the k-th send.
    let k = 0;
    let part: Message[] = [];
    let size = 0;
    const flushPart = () => {
      if (!part.length) return;
      if (!chunks[k]) chunks[k] = [];
      chunks[k]!.push({ topic, messages: part });
      k++;
      part = [];
      size = 0;
    };
    for (const m of messages) {
      const b = approxBytes(m);
      if (size + b > limit && part.length) flushPart();
      part.push(m);
      size += b;
    }
    flushPart();
  }
  return chunks;
}

/**
 * kafkajs logs, with one change: CONCURRENT_TRANSACTIONS (the broker still finishing the
 * previous commit when the next transaction starts) is routine with back-to-back transactions
 * and retried at once, so it is debug, not error: normal operation logs nothing.
 */
function routerLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const routine = /concurrent operation on the same transaction/.test(
        `${message} ${String(extra.error ?? '')}`,
      );
      if (level === logLevel.ERROR && !routine) logger.error({ kafkajs: extra }, message);
      else if (level === logLevel.WARN && !routine) logger.warn({ kafkajs: extra }, message);
      else logger.debug({ kafkajs: extra }, message);
    };
}

export function createRouter(options: RouterOptions): RouterComponent {
  const { config, endpoints } = options;
  const settings = config.hub.router;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'router' });
  const t = hubTopics(config);
  const metrics = createRouterMetrics(options.health.metrics);
  const instanceId =
    options.instanceId ??
    process.env.CROSSDOCK_ROUTER_INSTANCE ??
    `${settings.groupId}-${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;

  let kafka: Kafka | undefined;
  let consumer: Consumer | undefined;
  let producers: Producer[] = [];
  let redis: Redis | undefined;
  let analyzer: Analyzer | undefined;
  let running = false;
  let joined = false;
  let degraded: string | undefined;
  let crashed = false;
  let stopping: Promise<void> | undefined;
  // Group commit over a small pool of transactional producers (router/txn-queue.ts). kafkajs
  // allows one open transaction per producer; a batch planned while a transaction is in flight
  // starts its own on an idle producer, and batches queued while every producer is busy share the
  // next transaction. eachBatch waits for its batch's commit: kafkajs then waits for it before
  // rejoining the group or leaving it, so a partition changes owner only between transactions
  // (returning earlier measured ~10% more throughput at fan-out 1, but let a transaction commit
  // after its partition had moved: duplicates in the rebalance test). A failed transaction rewinds
  // its partitions; a batch planned before a rebalance began is dropped or its transaction aborted.
  let txq: TxnQueue<BatchPlan> | undefined;

  async function transact(producer: Producer, scope: TransactionScope<BatchPlan>): Promise<boolean> {
    const out = new Map<string, Message[]>();
    for (const b of scope.batches) {
      for (const [topic, messages] of b.payload.out) {
        const list = out.get(topic);
        if (list) for (const m of messages) list.push(m);
        else out.set(topic, messages.slice());
      }
    }
    let tx: Transaction | undefined;
    try {
      tx = await producer.transaction();
      for (const chunk of chunkByBytes(out, MAX_SEND_BYTES)) await tx.sendBatch({ topicMessages: chunk });
      const offsets = {
        consumerGroupId: settings.groupId,
        topics: [...scope.offsets].map(([topic, partitions]) => ({ topic, partitions })),
      };
      // kafkajs retries CONCURRENT_TRANSACTIONS (the broker still writing the previous
      // transaction's markers) when adding partitions, but not on AddOffsetsToTxn, which sendOffsets
      // sends first: retry that here, as the Java client does.
      for (let attempt = 0; ; attempt++) {
        try {
          await tx.sendOffsets(offsets);
          break;
        } catch (err) {
          if ((err as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 20) throw err;
          await sleep(Math.min(200, 5 * 2 ** attempt));
        }
      }
      // A rebalance began while this transaction was open: its partitions may already be
      // someone else's, who reads them from the last committed offset. Abort, don't commit.
      if (!scope.stillValid()) {
        await tx.abort();
        metrics.transactions.inc({ outcome: 'aborted' });
        return false;
      }
      await tx.commit();
      metrics.transactions.inc({ outcome: 'committed' });
      logger.debug({ event: 'router.committed', batches: scope.batches.length }, 'transaction committed');
      return true;
    } catch (err) {
      metrics.transactions.inc({ outcome: 'aborted' });
      await tx?.abort().catch(() => undefined);
      throw err;
    }
  }

  async function runBatch(planner: PlannerDeps, p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const siteId = t.siteOfIngress(batch.topic);
    if (!siteId || batch.messages.length === 0 || !txq) return;
    const queue = txq;
    const key = `${batch.topic}/${batch.partition}`;
    // Captured before planning: a failure of an earlier batch of this partition, or a rebalance,
    // while this one is planned makes it stale (dropped, read again).
    const epoch = queue.epoch(key);
    const generation = queue.generation();
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    let attempt = 0;
    for (;;) {
      if (!p.isRunning() || p.isStale()) return;
      try {
        const plan = await planBatch(
          planner,
          siteId,
          batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: m.headers,
          })),
        );
        const plannedAt = Date.now();
        logger.debug(
          {
            event: 'router.planned',
            topic: batch.topic,
            partition: batch.partition,
            records: batch.messages.length,
            ...plan.counts,
          },
          'batch planned',
        );
        if (p.isStale() || queue.epoch(key) !== epoch || queue.generation() !== generation) return;
        let committed: boolean;
        try {
          committed = await queue.submit(
            {
              key,
              topic: batch.topic,
              partition: batch.partition,
              first: batch.messages[0]!.offset,
              next: (BigInt(batch.lastOffset()) + 1n).toString(),
              payload: plan,
            },
            epoch,
            generation,
          );
        } catch {
          // The transaction failed; the queue rewound the partition (seek) to this batch's
          // first offset, so kafkajs reads it again. Nothing of it is visible.
          return;
        }
        // Dropped (a rebalance began, or an earlier batch failed): whoever owns the partition
        // reads it again from the last committed offset.
        if (!committed) return;
        p.resolveOffset(batch.lastOffset());
        plan.record();
        crashed = false;
        options.onBatchCommitted?.({
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages.length,
          startedAt,
          plannedAt,
          committedAt: Date.now(),
        });
        metrics.lag.set(
          { topic: batch.topic, partition: String(batch.partition) },
          Number(batch.offsetLag()),
        );
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
        const dependency =
          err.code === 'CD_E_ROUTER_STATE_UNAVAILABLE'
            ? 'redis'
            : err.code === 'CD_E_ROUTER_WORKER_FAILED'
              ? 'worker'
              : 'registry';
        metrics.transientRetries.inc({ dependency });
        if (!degraded)
          logger.warn(
            { event: 'router.paused', code: err.code, dependency },
            `pausing: ${describeError(err)}`,
          );
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
    const router = compileRoutes(config);
    // Analysis (decode, validate, hash, route, dedupe) runs on worker threads unless configured
    // off or a test injected its own catalog, resolver or clock (code cannot cross to a thread).
    const injected = options.catalog || options.resolver || options.clock;
    if (settings.validationThreads > 0 && !injected) {
      const pool = createWorkerAnalyzer({
        config,
        registryUrl: endpoints.registryUrl,
        redisUrl: endpoints.redisUrl,
        keyPrefix: options.keyPrefix ?? '',
        name: `crossdock-router-${instanceId}`,
        threads: settings.validationThreads,
        logger,
        allHeaders: router.usesHeaders,
      });
      analyzer = pool;
      await pool.start();
    } else {
      redis = createRedis({
        url: endpoints.redisUrl,
        name: `crossdock-router-${instanceId}`,
        failFast: true,
      });
      const catalog = options.catalog ?? routerCatalog(loadCatalog());
      const resolver = options.resolver ?? createSchemaResolver(endpoints.registryUrl);
      analyzer = createLocalAnalyzer({
        validator: createValidator({ config, resolver, catalog, clock, convertAll: router.usesFields }),
        router,
        deduper: createDeduper(redis, routerKeys(options.keyPrefix), settings.duplicateWindowSeconds),
      });
    }
    kafka = createKafka({
      clientId: `crossdock-router-${instanceId}`,
      brokers: endpoints.kafkaBrokers,
      logger,
      extra: { logCreator: routerLogCreator(logger) },
    });
    if (options.createTopics !== false) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, config);
      } finally {
        await admin.disconnect();
      }
    }
    const planner: PlannerDeps = {
      analyzer,
      topics: t,
      sendUnrouted: settings.sendUnrouted,
      clock,
      logger,
      metrics,
    };
    const poolSize = Math.max(1, Math.floor(options.transactionalProducers ?? 2));
    producers = Array.from({ length: poolSize }, (_v, i) =>
      kafka!.producer({
        // The first keeps the instance id; the others add a suffix. All are stable when the
        // instance id is, so a restarted instance fences every one of its predecessor's.
        transactionalId: i === 0 ? instanceId : `${instanceId}-tx${i}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 30000,
        // Java-compatible murmur2 partitioning, so copies land where any Kafka client would put them.
        createPartitioner: Partitioners.DefaultPartitioner,
        // kafkajs starts retries at 300 ms; CONCURRENT_TRANSACTIONS clears in a few ms, and each
        // batch is a transaction, so a short first backoff is worth most of the throughput.
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10, maxRetryTime: 2000 },
      }),
    );
    consumer = kafka.consumer({
      groupId: settings.groupId,
      // A crash kafkajs deems non-retriable would otherwise leave a live process with a dead
      // consumer. Restart it (with kafkajs's backoff); /readyz stays 503 until a batch commits.
      retry: {
        restartOnFailure: async (err) => {
          crashed = true;
          logger.error(
            { event: 'router.consumer_restart', error: describeError(err) },
            'consumer failed; restarting it',
          );
          return true;
        },
      },
      readUncommitted: false,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      sessionTimeout: options.sessionTimeoutMs ?? 10000,
      heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10000) / 5)),
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
      txq?.rebalanced();
    });
    // The earliest sign of a rebalance: batches not yet committed are dropped or aborted.
    consumer.on(consumer.events.REBALANCING, () => txq?.rebalanced());
    consumer.on(consumer.events.CRASH, (e) =>
      logger.error(
        { event: 'router.consumer_crash', error: describeError(e.payload.error), restart: e.payload.restart },
        'consumer crashed',
      ),
    );
    options.health.addReadiness('router', () => ready());
    for (const p of producers) await p.connect();
    txq = createTxnQueue<Producer, BatchPlan>({
      producers,
      transact,
      onFailed: (err, rewind) => {
        logger.error(
          { event: 'router.transaction_failed', error: describeError(err), rewind },
          'transaction failed; reading its partitions again',
        );
        for (const r of rewind) {
          try {
            consumer?.seek(r);
          } catch (seekErr) {
            // Not running any more (stopping): the next start reads from the commits anyway.
            logger.warn(
              { event: 'router.rewind_skipped', error: describeError(seekErr), ...r },
              'rewind skipped',
            );
          }
        }
      },
    });
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
    return running && joined && !degraded && !crashed;
  }

  async function stop(): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      running = false;
      await consumer?.disconnect().catch(() => undefined);
      // kafkajs waited for the running batches, and each waits for its commit: nothing is in flight.
      for (const p of producers) await p.disconnect().catch(() => undefined);
      await analyzer?.close().catch(() => undefined);
      redis?.disconnect();
      logger.info({ event: 'router.stopped', instanceId }, 'router stopped');
    })();
    return stopping;
  }

  return { name: 'router', metrics, start, stop, ready };
}
