import crypto from 'node:crypto';
import os from 'node:os';
import {
  logLevel,
  type Admin,
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
import { CrossdockError, describeError, isCrossdockError } from '../core/errors';
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
import {
  TRANSACTION_TIMEOUT_MS,
  createRouterProducer,
  fenceTransactionalId,
  initProducer,
  isFencedError,
} from './producers';
import { createPartitionFence, type FencedPart, type PartitionFence } from './fence';
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
  /**
   * How long to wait for another instance's commit of a partition this one just took over before
   * fencing that instance's transactional id (ms). @defaultValue 5000
   */
  fenceAfterMs?: number;
  /**
   * Instrumentation: awaited after a transaction passed the partition fence and before its
   * EndTxn (tests widen the commit window with it).
   */
  beforeCommit?: () => Promise<void>;
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
 * Lifetime of a commit mark (router/fence.ts): by then the transaction that set it has ended,
 * committed or aborted by the broker, whatever its holder does: the transaction timeout plus the
 * broker's sweep for timed-out transactions (transaction.abort.timed.out.transaction.cleanup.
 * interval.ms, 10 s by default) plus a margin.
 */
const MARK_TTL_MS = TRANSACTION_TIMEOUT_MS + 15_000;

/** A pool member: a transactional producer, replaced when another instance fences its id. */
interface ProducerSlot {
  id: string;
  producer: Producer;
}

/** A planned batch and the claim token of the generation it was planned in. */
interface Planned {
  plan: BatchPlan;
  token: string;
}

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
  let producers: ProducerSlot[] = [];
  let redis: Redis | undefined;
  let fenceRedis: Redis | undefined;
  let fence: PartitionFence | undefined;
  let admin: Admin | undefined;
  /** Per input partition: the generation it was last claimed in (router/fence.ts). */
  const claimed = new Map<string, number>();
  /** Per input partition: the commit of its latest queued batch. */
  const outstanding = new Map<string, Promise<boolean>>();
  let analyzer: Analyzer | undefined;
  let running = false;
  let joined = false;
  let degraded: string | undefined;
  let crashed = false;
  let stopping: Promise<void> | undefined;
  /** Set when stop() stopped waiting for the transactions in flight: none may commit after it. */
  let halted = false;
  // Commit-behind over a small pool of transactional producers (router/txn-queue.ts). A planned
  // batch is queued for a transaction and eachBatch returns at once (its offset resolved), so
  // kafkajs fetches and the router plans the next batches while transactions are in flight. A
  // partition's batches commit in order, one open transaction per partition; batches queued while
  // every producer is busy share the next transaction (group commit). A batch behind a failed
  // one, or planned before a rebalance began, is dropped and read again.
  // kafkajs then no longer waits for a transaction before rejoining the group or leaving it, and
  // has no KIP-447 fencing, so partition ownership is fenced in Redis (router/fence.ts): the first
  // batch of a partition in a generation claims it and waits for any commit of the previous owner,
  // and each transaction checks ownership of all its partitions just before it commits.
  let txq: TxnQueue<Planned> | undefined;

  /** Ends every transaction of another process's transactional id (router/producers.ts). */
  async function fenceProducer(transactionalId: string): Promise<void> {
    await fenceTransactionalId(kafka!, transactionalId);
    logger.warn(
      { event: 'router.fenced_producer', transactionalId },
      'fenced a stuck commit of another instance',
    );
  }

  async function transact(slot: ProducerSlot, scope: TransactionScope<Planned>): Promise<boolean> {
    const out = new Map<string, Message[]>();
    const parts = new Map<string, FencedPart>();
    for (const b of scope.batches) {
      parts.set(b.key, { key: b.key, token: b.payload.token });
      for (const [topic, messages] of b.payload.plan.out) {
        const list = out.get(topic);
        if (list) for (const m of messages) list.push(m);
        else out.set(topic, messages.slice());
      }
    }
    let tx: Transaction | undefined;
    let entered = false;
    // A transaction the queue hands over after stop() disconnected the producers is dropped.
    if (halted) return false;
    try {
      tx = await slot.producer.transaction();
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
      // someone else's. Abort, don't commit (the fence below would also refuse it, later).
      if (!scope.stillValid()) {
        await tx.abort();
        metrics.transactions.inc({ outcome: 'aborted' });
        return false;
      }
      const verdict = await fence!.enter([...parts.values()], slot.id);
      if (!verdict.ok) {
        await tx.abort();
        metrics.transactions.inc({ outcome: 'fenced' });
        // Redis lost the owner record: claim the partition again before its next batch.
        if (verdict.reason === 'missing') claimed.delete(verdict.key);
        throw new CrossdockError(
          'CD_E_ROUTER_FENCED',
          verdict.reason === 'other'
            ? `partition ${verdict.key} was claimed by another router instance; its transaction was aborted`
            : `the owner record of partition ${verdict.key} is gone from Redis; the partition is claimed again`,
          { retriable: true, details: { partition: verdict.key, reason: verdict.reason } },
        );
      }
      entered = true;
      if (options.beforeCommit) await options.beforeCommit();
      if (halted) {
        // stop() gave up waiting and disconnected the producers: no EndTxn now (kafkajs would
        // reconnect for it and keep the process alive); without a commit the transaction can only
        // abort (timeout, or a new owner fencing the id), so the marks can go.
        await verdict.entered.leave().catch(() => undefined);
        return false;
      }
      await tx.commit();
      metrics.transactions.inc({ outcome: 'committed' });
      // Per partition, its last batch's next offset (what sendOffsets committed).
      const committed = new Map(scope.batches.map((b) => [b.key, b.next]));
      // Not awaited: the next transaction's enter follows on the same connection, in order.
      verdict.entered
        .leave(committed)
        .catch((err: unknown) =>
          logger.warn(
            { event: 'router.fence_leave_failed', error: describeError(err) },
            'could not lift commit marks; the next owner waits for them to expire or fences this producer',
          ),
        );
      logger.debug({ event: 'router.committed', batches: scope.batches.length }, 'transaction committed');
      return true;
    } catch (err) {
      if (!isCrossdockError(err)) metrics.transactions.inc({ outcome: 'aborted' });
      // After enter, the outcome of a failed commit is unknown: the marks stay, so a new owner
      // waits for them (or fences this producer) before it reads the committed offsets.
      if (!halted && (!entered || !isFencedError(err))) await tx?.abort().catch(() => undefined);
      if (isFencedError(err)) await replaceProducer(slot);
      throw err;
    }
  }

  /** Another instance fenced this slot's transactional id: take it back with a new producer. */
  async function replaceProducer(slot: ProducerSlot): Promise<void> {
    if (!running) return; // stopping: the slot's producer is disconnected with the others
    logger.warn(
      { event: 'router.producer_fenced', transactionalId: slot.id },
      'producer fenced; replacing it',
    );
    await slot.producer.disconnect().catch(() => undefined);
    slot.producer = createRouterProducer(kafka!, slot.id);
    // If this fails, kafkajs initialises the id with the slot's next transaction.
    await initProducer(slot.producer).catch((err: unknown) =>
      logger.error(
        { event: 'router.producer_replace_failed', error: describeError(err) },
        'could not initialise the replacement producer; its next transaction tries again',
      ),
    );
  }

  /**
   * The first batch of a partition in a generation: take the partition in Redis, wait for the
   * previous owner's commit, and say where its records start being ours. Returns undefined when
   * the batch went stale while waiting; `start` is the committed offset (undefined: none yet).
   */
  async function claimPartition(
    p: EachBatchPayload,
    key: string,
    token: string,
    generation: number,
  ): Promise<{ start?: bigint } | undefined> {
    const { topic, partition } = p.batch;
    let result;
    try {
      result = await fence!.claim(key, token, {
        keepWaiting: () => p.isRunning() && !p.isStale() && txq?.generation() === generation,
        heartbeat: () => p.heartbeat(),
      });
    } catch (err) {
      throw new CrossdockError(
        'CD_E_ROUTER_STATE_UNAVAILABLE',
        `Redis did not answer the partition claim: ${describeError(err)}`,
        {
          retriable: true,
          cause: err,
        },
      );
    }
    if (!result) return undefined;
    metrics.claims.inc({ waited: result.waited });
    if (result.waited !== 'none')
      logger.info(
        { event: 'router.claim_waited', partition: key, waited: result.waited, ms: result.waitedMs },
        "waited for the previous owner's commit",
      );
    // Read after the wait: no commit of the partition is pending now, so this is stable.
    const fetched = await admin!.fetchOffsets({ groupId: settings.groupId, topics: [topic] });
    const kafkaOffset = fetched[0]?.partitions.find((x) => x.partition === partition)?.offset;
    let start: bigint | undefined;
    for (const o of [kafkaOffset, result.recorded]) {
      if (o === undefined || o === null || o === '' || BigInt(o) < 0n) continue;
      if (start === undefined || BigInt(o) > start) start = BigInt(o);
    }
    return { start };
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
    const token = fence!.token(generation);
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    let messages = batch.messages;
    let attempt = 0;
    for (;;) {
      if (!p.isRunning() || p.isStale()) return;
      try {
        if (claimed.get(key) !== generation) {
          const claim = await claimPartition(p, key, token, generation);
          if (!claim) return;
          claimed.set(key, generation);
          const first = BigInt(messages[0]!.offset);
          if (claim.start !== undefined && claim.start > first) {
            // The previous owner committed past what kafkajs fetched when it joined: skip that.
            const from = claim.start;
            messages = messages.filter((m) => BigInt(m.offset) >= from);
            if (messages.length === 0) {
              p.resolveOffset(batch.lastOffset());
              return;
            }
          } else if (claim.start !== undefined && claim.start < first) {
            // kafkajs is ahead of the commits (batches dropped before this claim): read from there.
            consumer!.seek({
              topic: batch.topic,
              partition: batch.partition,
              offset: claim.start.toString(),
            });
            return;
          }
        }
        const plan = await planBatch(
          planner,
          siteId,
          messages.map((m) => ({
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
            records: messages.length,
            ...plan.counts,
          },
          'batch planned',
        );
        if (p.isStale() || queue.epoch(key) !== epoch || queue.generation() !== generation) return;
        const previous = outstanding.get(key);
        const committed = queue.submit(
          {
            key,
            topic: batch.topic,
            partition: batch.partition,
            first: messages[0]!.offset,
            next: (BigInt(batch.lastOffset()) + 1n).toString(),
            payload: { plan, token },
          },
          epoch,
          generation,
        );
        outstanding.set(key, committed);
        const forget = () => {
          if (outstanding.get(key) === committed) outstanding.delete(key);
        };
        const records = messages.length;
        committed.then((ok) => {
          forget();
          // Dropped (a rebalance began, or an earlier batch failed): whoever owns the partition
          // reads it again from the last committed offset.
          if (!ok) return;
          plan.record();
          crashed = false;
          options.onBatchCommitted?.({
            topic: batch.topic,
            partition: batch.partition,
            records,
            startedAt,
            plannedAt,
            committedAt: Date.now(),
          });
          metrics.lag.set(
            { topic: batch.topic, partition: String(batch.partition) },
            Number(batch.offsetLag()),
          );
          metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        }, forget);
        // kafkajs fetches this partition on from here; if the transaction fails, the queue
        // rewinds it (onFailed → seek) to this batch's first offset.
        p.resolveOffset(batch.lastOffset());
        if (degraded) {
          logger.info({ event: 'router.resumed', after: degraded }, 'dependencies answer again; resumed');
          degraded = undefined;
        }
        // At most two batches of a partition outstanding: this one, and the previous one, which
        // must settle before kafkajs may hand over the next.
        if (previous) await previous.catch(() => false);
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
    admin = kafka.admin();
    await admin.connect();
    if (options.createTopics !== false) await ensureTopics(admin, config);
    const planner: PlannerDeps = {
      analyzer,
      topics: t,
      sendUnrouted: settings.sendUnrouted,
      clock,
      logger,
      metrics,
    };
    const poolSize = Math.max(1, Math.floor(options.transactionalProducers ?? 2));
    // The first keeps the instance id; the others add a suffix. All are stable when the instance
    // id is, so a restarted instance fences every one of its predecessor's (initProducer below).
    producers = Array.from({ length: poolSize }, (_v, i) => {
      const id = i === 0 ? instanceId : `${instanceId}-tx${i}`;
      return { id, producer: createRouterProducer(kafka!, id) };
    });
    const runId = `${instanceId}.${crypto.randomBytes(4).toString('hex')}`;
    fenceRedis = createRedis({
      url: endpoints.redisUrl,
      name: `crossdock-router-${instanceId}-fence`,
      failFast: true,
    });
    fence = createPartitionFence({
      redis: fenceRedis,
      prefix: options.keyPrefix ?? '',
      groupId: settings.groupId,
      runId,
      ownTransactionalIds: new Set(producers.map((x) => x.id)),
      markTtlMs: MARK_TTL_MS,
      fenceAfterMs: options.fenceAfterMs ?? 5000,
      fenceProducer,
      busy: (key) => txq?.busy(key) ?? false,
    });
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
    for (const slot of producers) await initProducer(slot.producer);
    txq = createTxnQueue<ProducerSlot, Planned>({
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
      // Let the transactions in flight finish (bounded): what they hold need not be read again.
      // Whoever takes the partitions waits for the commits that entered (router/fence.ts).
      if (txq) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([txq.idle(), new Promise<void>((r) => (timer = setTimeout(r, 10_000)).unref())]);
        clearTimeout(timer);
      }
      halted = true;
      for (const slot of producers) await slot.producer.disconnect().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
      await analyzer?.close().catch(() => undefined);
      redis?.disconnect();
      // After the producers: a leave (marks lifted, offsets recorded) may still be on its way.
      await fenceRedis?.quit().catch(() => fenceRedis?.disconnect());
      logger.info({ event: 'router.stopped', instanceId }, 'router stopped');
    })();
    return stopping;
  }

  return { name: 'router', metrics, start, stop, ready };
}
