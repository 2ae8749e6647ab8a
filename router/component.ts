import crypto from 'node:crypto';
import os from 'node:os';
import type { Admin } from 'kafkajs';
import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { resolveRedisPrefix } from '../core/names/redis-keys';
import { topics as hubTopics } from '../core/names/topics';
import { describeError } from '../core/errors';
import { createKafka } from '../core/kafka';
import { chooseKafkaClient, transactionalFor } from '../core/kafka-client/choose';
import type { NativeBatchLimits } from '../core/kafka-client/native-group';
import type { GroupConsumerEvents } from '../core/kafka-client/transactional';
import { followCatalog, loadCatalog, type Catalog, type CatalogFollower } from '../schemas';
import { PartitionClaims } from './claims';
import type { EnterResult } from './fence';
import { TransactionCommitter } from './commit';
import { FetchLoop, type BatchCommitted } from './fetch-loop';
import { routerKafkaLogCreator, routerLog } from './log-events';
import { createRouterMetrics, type RouterMetrics } from './metrics';
import { BatchPlanner } from './planning';
import { ensureTopics } from './topics-setup';
import { TRANSACTION_TIMEOUT_MS } from './producers';

export type { BatchCommitted } from './fetch-loop';

/**
 * The router as a HubComponent: one consumer group over every `<prefix>.ingress.*` topic, and
 * per fetched batch one Kafka transaction holding the fan-out copies, the dead letters, the
 * unrouted copies and the input offsets (sendOffsets). Readers of the output use read_committed,
 * so a crash at any point leaves either all of a batch's effects or none.
 */

export interface RouterOptions extends ComponentDeps {
  config: HubConfig;
  /**
   * Override the event catalog (tests): its entries, plain data that travels to the analysis
   * worker threads. @defaultValue schemas/ via loadCatalog()
   */
  catalog?: Pick<Catalog, 'entries'>;
  /**
   * Follow the published catalog `<prefix>.catalog` (schemas/follow.ts) so a `schemas push` takes
   * effect without a restart; `catalog` (or schemas/) is then the fallback while nobody pushed.
   * @defaultValue true
   */
  followCatalog?: boolean;
  /** How often the follower looks for the catalog topic while it is missing or empty (ms). @defaultValue 5000 */
  catalogPollMs?: number;
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from hub.topicPrefix (core/names) */
  redisPrefix?: string;
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
  /**
   * Instrumentation: awaited right after EndTxn(commit) answered; a throw stands for an answer
   * that was lost (tests of a commit whose outcome the router must settle from Kafka).
   */
  afterCommit?: () => Promise<void>;
  /** Instrumentation: called after each batch's transaction committed (benchmarks, tests). */
  onBatchCommitted?: (info: BatchCommitted) => void;
  /**
   * The partition fence (router/fence.ts: claims and commit marks in Redis). kafkajs needs it for
   * exactly-once (no KIP-447); on librdkafka the broker does that work and the fence could not act
   * before the broker's wait (docs/router.md "Which partition fence stays"). true on librdkafka
   * costs about a tenth of the throughput; false on kafkajs loses exactly-once in rebalances
   * (tests and benchmarks only). @defaultValue true on kafkajs, false on librdkafka
   */
  partitionFence?: boolean;
  /**
   * On librdkafka: how many records a batch holds at most, and how many milliseconds of
   * consumption the client keeps fetched ahead (its js.consumer.max.batch.size and
   * js.consumer.max.cache.size.per.worker.ms). @defaultValue every record it holds (unbounded)
   */
  nativeBatch?: NativeBatchLimits;
}

export interface RouterComponent extends HubComponent {
  readonly metrics: RouterMetrics;
  /** True while consuming with every dependency answering. */
  ready(): boolean;
  /**
   * Takes a new configuration (already validated; same hub.topicPrefix and hub.router settings)
   * while running: creates the topics it needs, starts a planner with its routes, rules and
   * subscribers, and swaps it in at a batch boundary (router/fetch-loop.ts swapPlanner); then
   * consumes ingress topics that appeared. Calls are applied one after the other.
   */
  reconfigure(next: HubConfig): Promise<void>;
  /** Consumes ingress topics created since the last look now, instead of at the next refresh. */
  refreshTopics(): Promise<string[]>;
}

/** Without the partition fence: every commit may go. */
const NO_FENCE: EnterResult = { ok: true, entered: { leave: () => Promise.resolve() } };
/** Without the partition fence: every partition counts as claimed, from what the consumer fetched. */
const UNFENCED_CLAIMS: Pick<PartitionClaims, 'token' | 'holds' | 'claim'> = {
  token: () => '',
  holds: () => true,
  claim: () => Promise.resolve({}),
};

/** How long stop() lets the transactions in flight finish (ms). */
const STOP_DRAIN_MS = 10_000;

/** The parts of a started router; stop() closes what start() got to. */
interface Started {
  planner?: BatchPlanner;
  follower?: CatalogFollower;
  admin?: Admin;
  commits?: TransactionCommitter;
  claims?: PartitionClaims;
  loop?: FetchLoop;
}

/**
 * Wires the units: planning (router/planning.ts), the partition claims (router/claims.ts), the
 * transaction committer (router/commit.ts) and the fetch loop (router/fetch-loop.ts).
 */
export function createRouter(options: RouterOptions): RouterComponent {
  const { endpoints } = options;
  let config = options.config;
  const settings = config.hub.router;
  const redisPrefix = resolveRedisPrefix({
    topicPrefix: config.hub.topicPrefix,
    redisPrefix: options.redisPrefix,
  });
  const log = routerLog(options.logger.child({ component: 'router' }));
  const metrics = createRouterMetrics(options.health.metrics);
  const instanceId =
    options.instanceId ??
    process.env.CROSSDOCK_ROUTER_INSTANCE ??
    `${settings.groupId}-${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const name = `crossdock-router-${instanceId}`;
  // Chosen now: an explicit librdkafka that cannot be loaded stops the router before it starts.
  const clientChoice = chooseKafkaClient('router', config.hub.kafka.clients.router, {
    logger: options.logger,
  });
  let parts: Started | undefined;
  let running = false;
  let stopping: Promise<void> | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let reconfiguring: Promise<void> = Promise.resolve();

  const newPlanner = (c: HubConfig, follower: CatalogFollower | undefined) =>
    new BatchPlanner({
      config: c,
      registry: endpoints.registry,
      redis: endpoints.redis,
      redisPrefix,
      connectionName: name,
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(follower ? { catalogSource: follower } : {}),
      metrics,
      log,
    });

  async function start(): Promise<void> {
    if (running) return;
    running = true;
    const p: Started = (parts = {});
    const kafka = createKafka({
      clientId: name,
      connection: endpoints.kafka,
      logger: log.logger,
      extra: { logCreator: routerKafkaLogCreator(log) },
    });
    let follower: CatalogFollower | undefined;
    if (options.followCatalog !== false) {
      // The published catalog, read to its end before anything is validated (schemas/follow.ts).
      follower = followCatalog({
        kafka,
        topic: hubTopics(config).catalog,
        fallback: (options.catalog ?? loadCatalog()).entries,
        name: instanceId,
        logger: log.logger,
        ...(options.catalogPollMs !== undefined ? { pollMs: options.catalogPollMs } : {}),
      });
      p.follower = follower;
      const shown = follower;
      const show = () => {
        const at = shown.publishedAt();
        metrics.catalogPublished.set(at ? Date.parse(at) / 1000 : 0);
      };
      follower.onChange(show);
      await follower.start();
      show();
    }
    const planner = newPlanner(config, follower);
    p.planner = planner;
    await planner.start();
    const admin = kafka.admin();
    p.admin = admin;
    await admin.connect();
    if (options.createTopics !== false) await ensureTopics(admin, config);
    // The consumer reports to the fetch loop, made below; it reports nothing before it connects.
    const events: GroupConsumerEvents = {
      joined: () => loop.events.joined(),
      rebalancing: () => loop.events.rebalancing(),
      crashed: (err, restart) => loop.events.crashed(err, restart),
      restarting: (err) => loop.events.restarting(err),
    };
    const client = transactionalFor(clientChoice, kafka, {
      groupId: settings.groupId,
      clientId: name,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10000,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
      events,
      connection: endpoints.kafka,
      logger: log.logger,
      ...(options.nativeBatch ? { batch: options.nativeBatch } : {}),
    });
    const commits: TransactionCommitter = new TransactionCommitter({
      client,
      fetchCommitted: (topics) => admin.fetchOffsets({ groupId: settings.groupId, topics }),
      instanceId,
      ...(options.transactionalProducers !== undefined ? { poolSize: options.transactionalProducers } : {}),
      enter: (parts, transactionalId) =>
        claims ? claims.enter(parts, transactionalId) : Promise.resolve(NO_FENCE),
      rewind: (list) => loop.rewind(list),
      ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
      ...(options.afterCommit ? { afterCommit: options.afterCommit } : {}),
      metrics,
      log,
    });
    p.commits = commits;
    // The partition fence: on kafkajs only, unless told (docs/router.md "Which partition fence stays").
    const fenced = options.partitionFence ?? client.client === 'kafkajs';
    const claims: PartitionClaims | undefined = !fenced
      ? undefined
      : new PartitionClaims({
          redis: endpoints.redis,
          connectionName: `${name}-fence`,
          redisPrefix,
          groupId: settings.groupId,
          runId: `${instanceId}.${crypto.randomBytes(4).toString('hex')}`,
          ownTransactionalIds: commits.transactionalIds,
          fenceAfterMs: options.fenceAfterMs ?? 5000,
          fenceProducer: (id) => commits.fenceProducer(id),
          busy: (key) => commits.busy(key),
          admin,
          metrics,
          log,
        });
    if (claims) p.claims = claims;
    const loop: FetchLoop = new FetchLoop({
      consumer: client.consumer,
      settings,
      topicPattern: hubTopics(config).routedPattern,
      listTopics: () => admin.listTopics(),
      planner,
      commits,
      claims: claims ?? UNFENCED_CLAIMS,
      metrics,
      log,
      ...(options.onBatchCommitted ? { onBatchCommitted: options.onBatchCommitted } : {}),
    });
    p.loop = loop;
    options.health.addReadiness('router', () => ready());
    await commits.start();
    await loop.start();
    refreshTimer = setInterval(() => void refreshTopics(), settings.topicRefreshMs);
    refreshTimer.unref();
    log.emit('router.started', { instanceId, groupId: settings.groupId });
  }

  function refreshTopics(): Promise<string[]> {
    const loop = parts?.loop;
    if (!running || !loop) return Promise.resolve([]);
    return loop.refreshTopics().catch((err: unknown) => {
      log.emit('router.topics_refresh_failed', { error: describeError(err) });
      return [];
    });
  }

  function reconfigure(next: HubConfig): Promise<void> {
    const step = reconfiguring.then(async () => {
      const p = parts;
      if (!running || !p?.loop || !p.admin) {
        config = next;
        return;
      }
      const created = options.createTopics !== false ? await ensureTopics(p.admin, next) : [];
      const planner = newPlanner(next, p.follower);
      await planner.start();
      p.planner = planner;
      const previous = await p.loop.swapPlanner(planner);
      config = next;
      log.emit('router.reconfigured', {
        routes: next.routes.length,
        subscribers: next.subscribers.length,
        created,
      });
      await previous.close();
      await refreshTopics();
    });
    reconfiguring = step.catch(() => undefined);
    return step;
  }

  function ready(): boolean {
    return running && (parts?.loop?.healthy() ?? false);
  }

  async function stop(): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      running = false;
      if (refreshTimer) clearInterval(refreshTimer);
      await reconfiguring;
      const p = parts;
      p?.commits?.stopReplacing();
      await p?.loop?.stop();
      // Whoever takes the partitions waits for the commits that entered (router/fence.ts).
      await p?.commits?.stop(STOP_DRAIN_MS);
      await p?.admin?.disconnect().catch(() => undefined);
      await p?.planner?.close();
      await p?.follower?.stop();
      // After the producers: a leave (marks lifted, offsets recorded) may still be on its way.
      await p?.claims?.close();
      log.emit('router.stopped', { instanceId });
    })();
    return stopping;
  }

  return { name: 'router', metrics, start, stop, ready, reconfigure, refreshTopics };
}
