import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { createKafka } from '../core/kafka';
import { resolveRedisPrefix } from '../core/names/redis-keys';
import { topics as hubTopics } from '../core/names/topics';
import { createRedis } from '../core/redis';
import { createSchemaResolver } from '../core/registry';
import {
  followCatalog,
  loadCatalog,
  makeCatalog,
  SCHEMAS_DIR,
  type Catalog,
  type CatalogEntry,
} from '../schemas';
import type { FactSink, FlowDefinition } from './contract';
import { DeadLetterReader } from './feed/dlq-reader';
import { factsOf, routerMarkOrigins } from './feed/facts';
import { IngressFeed } from './feed/feed';
import { RouterHorizon } from './feed/horizon';
import { feedLog } from './feed/log-events';
import { readRecordValue } from './feed/read-record';
import { RejectionBook } from './feed/rejections';
import { createFlowEngine, flowAlertEncoder, flowEventFields } from './engine';
import { flowLog } from './engine/log-events';
import { flowMetrics, type FlowMetrics, type FlowMetricSources, type FlowSummary } from './metrics';
import { createScorecardRecorder } from './scorecard/recorder';
import { scorecardSource } from './scorecard/read';

/**
 * The flow tracker as `crossdock start` runs it (docs/flows.md): the feed (flows/feed: one fact
 * per ingress record, once the router decided it) handing its facts to the sinks — the scorecard
 * recorder and the flow engine — and the engine's deadline scanner. It runs with no flow
 * configured too: the scorecards need the feed. Its Kafka, Redis and registry clients are its own,
 * closed on stop.
 */
export interface FlowTrackerOptions extends ComponentDeps {
  config: HubConfig;
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from hub.topicPrefix */
  redisPrefix?: string;
  /**
   * Who takes the facts, each batch at once with the engine's accepted facts, all awaited before
   * the feed commits (so each must be idempotent by offset and eventId and read nothing the engine
   * writes). @defaultValue the scorecard recorder
   */
  sinks?: readonly FactSink[];
  /**
   * The flow engine, handed the accepted facts with the `sinks` and started with the feed.
   * @defaultValue none (the scorecards still run): hub/components.ts passes flows/engine's
   */
  engine?: (
    redis: ReturnType<typeof createRedis>,
    redisPrefix: string,
    metrics: FlowMetrics,
    readUpTo: () => number,
  ) => TrackerEngine;
  /**
   * Sources of the flow and scorecard gauges. @defaultValue the engine's summary and the
   * scorecards of the last 24 hours from this hub's Redis
   */
  metricSources?: FlowMetricSources;
  /** The catalog the router follows falls back to this while nobody pushed. @defaultValue schemas/ */
  catalog?: Pick<Catalog, 'entries'>;
  /**
   * The top-level fields of each event type the sinks read (IngressFact.event holds `metadata`
   * and those only: the rest is not decoded). @defaultValue with `sinks` given: the whole event;
   * else what the configuration's flows read (flowEventFields: the scorecard recorder reads none)
   */
  eventFields?: (eventType: string) => readonly string[] | undefined;
  /** Consumer session timeout (ms). @defaultValue 30000 */
  sessionTimeoutMs?: number;
  /**
   * Ingress partitions handed on at once (each partition's records stay in offset order). A batch
   * mostly waits for Redis and Kafka round trips, so the tracker overlaps more of them than the
   * router. @defaultValue the larger of TRACKER_PARTITIONS_CONCURRENTLY and the router's setting
   */
  partitionsConsumedConcurrently?: number;
}

/** Ingress partitions the tracker hands on at once by default (docs/flows.md "Capacity"). */
export const TRACKER_PARTITIONS_CONCURRENTLY = 12;

/**
 * The flow engine as the tracker drives it (flows/engine createFlowEngine gives one): a sink of
 * the accepted facts, started after the feed (it publishes what a previous run claimed and starts
 * its deadline scanner) and stopped before it.
 */
export interface TrackerEngine extends FactSink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Open and overdue instances per flow (the gauges' source). */
  summary?(): Promise<FlowSummary[]>;
}

/** A sink that takes only the accepted facts (the engine follows accepted events only). */
export function acceptedOnly(sink: FactSink): FactSink {
  return {
    onFacts: (facts) => {
      const accepted = facts.filter((f) => f.outcome === 'accepted');
      return accepted.length ? sink.onFacts(accepted) : Promise.resolve();
    },
  };
}

export interface FlowTrackerComponent extends HubComponent {
  /** Joined its group, reading, every dependency answering. */
  ready(): boolean;
  /** Router-decided ingress records not yet handed on (what the lag gauge says). */
  lag(): number;
  /** Ingress records fetched that wait for the router to decide them (tests, benchmarks). */
  undecided(): number;
  /** How many times the tracker has read how far the router decided (tests, benchmarks). */
  refreshes(): number;
}

export function createFlowTracker(options: FlowTrackerOptions): FlowTrackerComponent {
  const { config, endpoints, health } = options;
  const names = hubTopics(config);
  const logger = options.logger.child({ component: 'flow-tracker' });
  const log = feedLog(logger);
  const redisPrefix = resolveRedisPrefix({
    topicPrefix: config.hub.topicPrefix,
    redisPrefix: options.redisPrefix,
  });
  // Made here (ioredis connects in the background), closed on stop: the sinks and the gauges use it.
  const redis = createRedis({ connection: endpoints.redis, name: 'crossdock-flow-tracker' });
  // The gauges read the engine's summary at scrape time; the engine is made with the metrics.
  const made: { engine?: TrackerEngine } = {};
  const metrics = flowMetrics(
    health.metrics,
    options.metricSources ?? {
      scorecards: scorecardSource({ redis, redisPrefix, config: () => config }),
      flowSummary: async () => (made.engine?.summary ? made.engine.summary() : []),
    },
  );
  // The watermark: the receivedAt of the last fact handed on, per partition; the time up to which
  // every event has been read is the oldest of those among the partitions still behind the router
  // (none behind: now; before the first refresh, or a partition behind with nothing handed since
  // the start: -Infinity). The engine judges deadlines as of it, never of events it has not read.
  const lastHanded = new Map<string, number>();
  const handedMark: FactSink = {
    onFacts: (facts) => {
      for (const f of facts) lastHanded.set(`${f.topic}/${f.partition}`, f.receivedAt);
      return Promise.resolve();
    },
  };
  const readUpTo = (): number => {
    const behind = parts?.horizon.behind(parts.feed.positions);
    if (!behind) return -Infinity;
    let upTo = Infinity;
    for (const key of behind) upTo = Math.min(upTo, lastHanded.get(key) ?? -Infinity);
    return upTo;
  };
  const engine = (made.engine = options.engine?.(redis, redisPrefix, metrics, readUpTo));
  // The recorder (or the given sinks) and the engine take each batch at once: neither reads what
  // the other writes, both are idempotent by offset and eventId, and a batch's wait is then the
  // slower of the two, not their sum. The mark comes after both: the engine's deadlines are judged
  // as of what it has applied.
  const takers = [
    ...(options.sinks ?? [createScorecardRecorder({ redis, redisPrefix })]),
    ...(engine ? [acceptedOnly(engine)] : []),
  ];
  const sinks: FactSink[] = [
    { onFacts: async (facts) => void (await Promise.all(takers.map((s) => s.onFacts(facts)))) },
    handedMark,
  ];
  const flows = (config as { flows?: readonly FlowDefinition[] }).flows ?? [];
  const eventFields = options.eventFields ?? (options.sinks ? undefined : flowEventFields(flows));
  let stopped = false;
  let parts:
    | {
        kafka: ReturnType<typeof createKafka>;
        admin: ReturnType<ReturnType<typeof createKafka>['admin']>;
        follower: ReturnType<typeof followCatalog>;
        reader: DeadLetterReader;
        horizon: RouterHorizon;
        feed: IngressFeed;
        timers: NodeJS.Timeout[];
      }
    | undefined;
  let lastLag = 0;

  const updateLag = () => {
    if (!parts) return;
    lastLag = parts.horizon.lag(parts.feed.positions);
    metrics.setTrackerLag(lastLag);
  };

  async function start(): Promise<void> {
    if (parts || stopped) return;
    const kafka = createKafka({ clientId: 'crossdock-flow-tracker', connection: endpoints.kafka, logger });
    const admin = kafka.admin();
    const resolver = createSchemaResolver(endpoints.registry);
    const follower = followCatalog({
      kafka,
      topic: names.catalog,
      fallback: (options.catalog ?? loadCatalog()).entries,
      name: 'flow-tracker',
      logger,
    });
    let shown: readonly CatalogEntry[] | undefined;
    let catalog: Catalog | undefined;
    const currentCatalog = () => {
      const entries = follower.current();
      if (entries !== shown || !catalog) {
        shown = entries;
        catalog = makeCatalog(SCHEMAS_DIR, [...entries]);
      }
      return catalog;
    };
    const book = new RejectionBook();
    const listTopics = () => admin.listTopics();
    const reader = new DeadLetterReader({
      kafka,
      admin,
      topic: names.dlqRouter,
      groupPrefix: names.flowTrackerReaderGroups,
      book,
      feeds: (topic) => names.ingressPattern.test(topic),
      log,
    });
    const horizon = new RouterHorizon({
      admin,
      routerGroup: config.hub.router.groupId,
      trackerGroup: names.flowTrackerGroup,
      dlqTopic: names.dlqRouter,
      ingressTopics: async () => (await listTopics()).filter((t) => names.ingressPattern.test(t)),
      reader,
      book,
      log,
    });
    const firstOrigins = routerMarkOrigins(redis, redisPrefix);
    const feed = new IngressFeed({
      kafka,
      groupId: names.flowTrackerGroup,
      ingressPattern: names.ingressPattern,
      listTopics,
      horizon,
      book,
      build: (topic, partition, messages) =>
        factsOf(
          {
            siteOf: (t) => names.siteOfIngress(t),
            rejectionOf: (t, p, o) => book.get(t, p, o),
            read: (value, withEvent) =>
              readRecordValue(
                { resolver, catalog: currentCatalog, ...(eventFields ? { eventFields } : {}) },
                value,
                withEvent,
              ),
            firstOrigins,
            onUndecodable: (t, p, offset, failure) =>
              log.emit('flows.feed_undecodable', { topic: t, partition: p, offset, error: failure }),
          },
          topic,
          partition,
          messages,
        ),
      sinks,
      log,
      partitionsConsumedConcurrently:
        options.partitionsConsumedConcurrently ??
        Math.max(TRACKER_PARTITIONS_CONCURRENTLY, config.hub.router.partitionsConsumedConcurrently),
      retry: config.hub.router.retry,
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
      onProgress: updateLag,
    });
    parts = { kafka, admin, follower, reader, horizon, feed, timers: [] };
    await admin.connect();
    await follower.start();
    horizon.start();
    await feed.start();
    await engine?.start();
    parts.timers.push(
      setInterval(updateLag, 1000),
      // A site added while the hub runs: its ingress topic is read from its start.
      setInterval(() => void feed.refreshTopics().catch(() => undefined), config.hub.router.topicRefreshMs),
    );
    health.addReadiness('flow-tracker', () => ready());
    log.emit('flows.tracker_started', {
      groupId: names.flowTrackerGroup,
      topics: feed.topics(),
      flows: flows.length,
    });
  }

  function ready(): boolean {
    return !!parts && parts.feed.healthy() && parts.horizon.healthy();
  }

  async function stop(): Promise<void> {
    const p = parts;
    parts = undefined;
    const first = !stopped;
    stopped = true;
    if (!p) {
      if (first) redis.disconnect();
      return;
    }
    for (const t of p.timers) clearInterval(t);
    health.removeReadiness('flow-tracker');
    await p.feed.stop();
    await engine?.stop();
    await p.horizon.stop();
    await p.reader.stop();
    await p.follower.stop().catch(() => undefined);
    await p.admin.disconnect().catch(() => undefined);
    redis.disconnect();
  }

  return {
    name: 'flow-tracker',
    start,
    stop,
    ready,
    lag: () => lastLag,
    undecided: () => parts?.feed.undecided() ?? 0,
    refreshes: () => parts?.horizon.refreshes ?? 0,
  };
}

/**
 * The flow engine as `crossdock start` gives it to the tracker (hub/components.ts): this hub's
 * flows and sites as the configuration says now, its alerts published on `<prefix>.flow.alerts`
 * with a Kafka client of its own, encoded as FlowAlertRaised against the hub's registry.
 */
export function hubFlowEngine(
  options: Pick<FlowTrackerOptions, 'config' | 'endpoints' | 'logger'> & {
    /** How old a claimed alert must be before a scan looks for it on the topic (engine default: 60 s). */
    graceMs?: number;
  },
): NonNullable<FlowTrackerOptions['engine']> {
  const { config, endpoints } = options;
  const logger = options.logger.child({ component: 'flow-engine' });
  const names = hubTopics(config);
  return (redis, redisPrefix, metrics, readUpTo) =>
    createFlowEngine({
      redis,
      redisPrefix,
      readUpTo,
      flows: () => config.flows,
      sites: () => config.siteById,
      metrics,
      log: flowLog(logger),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      alerts: {
        kafka: createKafka({ clientId: 'crossdock-flow-alerts', connection: endpoints.kafka, logger }),
        topic: names.flowAlerts,
        encode: flowAlertEncoder(loadCatalog(), endpoints.registry),
        checkGroupPrefix: names.flowAlertsCheckGroups,
      },
    });
}
