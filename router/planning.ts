import type { GroupMessage } from '../core/kafka-client/transactional';
import type { RedisConnection, RegistryConnection } from '../core/connection';
import { systemClock } from '../core/clock';
import type { HubConfig } from '../core/config';
import { routerKeys } from '../core/names/redis-keys';
import { topics as hubTopics } from '../core/names/topics';
import { createRedis, type Redis } from '../core/redis';
import { createSchemaResolver } from '../core/registry';
import { loadCatalog, type Catalog, type CatalogEntry } from '../schemas';
import { createLocalAnalyzer, type Analyzer } from './analysis';
import { createWorkerAnalyzer } from './analysis-pool';
import { planBatch, type BatchPlan, type PlannerDeps } from './batch';
import { liveRouterCatalog } from './catalog';
import { withCatalogGrace } from './catalog-grace';
import { createDeduper } from './dedupe';
import type { RouterLog } from './log-events';
import { compileRoutes } from './match';
import type { RouterMetrics } from './metrics';
import { createValidator } from './validate';

/** What the planner needs of a catalog follower (schemas/follow.ts CatalogFollower). */
export interface CatalogSource {
  current(): readonly CatalogEntry[];
  onChange(listener: (entries: readonly CatalogEntry[]) => void): () => void;
}

export interface BatchPlannerOptions {
  config: HubConfig;
  registry: RegistryConnection;
  redis: RedisConnection;
  /** Prefix of every Redis key (core/names/redis-keys.ts). */
  redisPrefix: string;
  /** Prefix of the analysis Redis connections' names. */
  connectionName: string;
  /**
   * The event catalog's entries. Plain data: they travel to the analysis workers.
   * @defaultValue schemas/ via loadCatalog()
   */
  catalog?: Pick<Catalog, 'entries'>;
  /**
   * The catalog as it changes while the router runs (schemas/follow.ts): its current() replaces
   * `catalog`, and each change reaches the analysis (every worker thread) before the next batch.
   */
  catalogSource?: CatalogSource;
  metrics: RouterMetrics;
  log: RouterLog;
}

/**
 * Planning: a fetched batch → its BatchPlan (router/batch.ts) through the analysis (validate,
 * hash, route, dedupe; router/analysis.ts). The analysis runs on `hub.router.validationThreads`
 * worker threads, or on this thread when that is 0 (then this unit owns the Redis connection of
 * the duplicate checks).
 *
 * State: the analyzer and its Redis connection (main-thread analysis only), set by start() and
 * released by close().
 */
export class BatchPlanner {
  private readonly topics;
  private analyzer: Analyzer | undefined;
  private redis: Redis | undefined;
  private deps: PlannerDeps | undefined;
  private unfollow: (() => void) | undefined;

  constructor(private readonly options: BatchPlannerOptions) {
    this.topics = hubTopics(options.config);
  }

  /** Starts the analysis (the worker threads, which compile the catalog, routes and rules). */
  async start(): Promise<void> {
    const { config, log, metrics } = this.options;
    const settings = config.hub.router;
    const router = compileRoutes(config);
    const source = this.options.catalogSource;
    const initial = source ? { entries: [...source.current()] } : (this.options.catalog ?? loadCatalog());
    let analyzer: Analyzer;
    // Analysis (decode, validate, hash, route, dedupe) runs on worker threads unless configured off.
    if (settings.validationThreads > 0) {
      const pool = createWorkerAnalyzer({
        config,
        registry: this.options.registry,
        redis: this.options.redis,
        redisPrefix: this.options.redisPrefix,
        name: this.options.connectionName,
        threads: settings.validationThreads,
        log,
        allHeaders: router.usesHeaders,
        catalog: initial,
      });
      analyzer = pool;
      this.unfollow = source?.onChange((entries) => pool.updateCatalog(entries));
      await pool.start();
    } else {
      const redis = createRedis({
        connection: this.options.redis,
        name: this.options.connectionName,
        failFast: true,
      });
      this.redis = redis;
      const catalog = liveRouterCatalog(initial);
      this.unfollow = source?.onChange((entries) => catalog.replace({ entries: [...entries] }));
      analyzer = createLocalAnalyzer({
        validator: createValidator({
          config,
          resolver: createSchemaResolver(this.options.registry),
          catalog,
          clock: systemClock,
          convertAll: router.usesFields,
        }),
        router,
        deduper: createDeduper(redis, routerKeys(this.options.redisPrefix), settings.duplicateWindowSeconds),
      });
    }
    // An event the catalog does not know yet waits for a push on its way (router/catalog-grace.ts).
    this.analyzer = withCatalogGrace(analyzer, {
      graceMs: settings.unknownVersionGraceMs,
      clock: systemClock,
    });
    this.deps = {
      analyzer: this.analyzer,
      topics: this.topics,
      sendUnrouted: settings.sendUnrouted,
      clock: systemClock,
      log,
      metrics,
    };
  }

  /**
   * The site whose events a topic holds: an ingress topic's site, the hub's own site `crossdock`
   * for the flow alerts topic; undefined when the router does not read the topic.
   */
  siteOf(topic: string): string | undefined {
    return this.topics.siteOfRouted(topic);
  }

  /**
   * Plans one partition's fetched records. Throws a retriable CrossdockError when a dependency
   * is down or a worker failed (router/batch.ts).
   */
  plan(
    siteId: string,
    topic: string,
    partition: number,
    messages: readonly GroupMessage[],
  ): Promise<BatchPlan> {
    if (!this.deps) throw new Error('BatchPlanner.plan() before start()');
    return planBatch(
      this.deps,
      siteId,
      messages.map((m) => ({
        topic,
        partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers,
      })),
    );
  }

  /** Ends the worker threads and the analysis Redis connection. */
  async close(): Promise<void> {
    this.unfollow?.();
    await this.analyzer?.close().catch(() => undefined);
    this.redis?.disconnect();
  }
}
