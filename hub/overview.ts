import type { HubConfig } from '../core/config';
import { describeError } from '../core/errors';
import type { HealthServer, StatusEntry } from '../core/health';
import type { DeadLetterGroup, DeadLetterStore, OverviewDoc, OverviewSubscriber } from '../dlq';
import { FLOW_METRIC_NAMES } from '../flows';
import { readSnapshot, SNAPSHOT_METRICS, type MetricsSnapshot } from './metrics-snapshot';
import {
  judgeRouter,
  judgeSite,
  judgeSubscriber,
  SITE_QUIET_DEFAULT_MS,
  SOURCE_COMPONENT,
  verdict,
} from './overview-states';

export interface HubOverviewOptions {
  /** The process's health server: its /status document and its metrics registry. */
  health: Pick<HealthServer, 'status' | 'metrics'>;
  /** The configuration in force (read at each request: sites and subscribers change with `config apply`). */
  config: () => HubConfig;
  /** The dead-letter index (open and total counts by site and subscriber). */
  store: Pick<DeadLetterStore, 'groups' | 'summary'>;
  /** @defaultValue Date.now */
  now?: () => number;
  /** A site with no event for this long is `warn`. @defaultValue 2 hours */
  siteQuietMs?: number;
}

/** Rates are over the oldest sample at most this old (and at least RATE_MIN_MS old). */
export const RATE_WINDOW_MS = 10_000;
export const RATE_MIN_MS = 1_000;
/** Samples kept at most (many tabs polling within one window). */
const MAX_SAMPLES = 64;

/** The metrics the overview reads (not the flows' open/overdue gauges, which it does not show). */
const OVERVIEW_METRICS = SNAPSHOT_METRICS.filter(
  (n) => !n.startsWith('crossdock_flow_') || n === FLOW_METRIC_NAMES.siteLastEvent,
);

/** One read of the counters rates and "rising" are judged from. */
interface Sample {
  at: number;
  metrics: MetricsSnapshot;
  /** Router dead letters in the index by site (every one, open or not); undefined when the index did not answer. */
  deadBySite: Record<string, number> | undefined;
}

const delta = (cur: Record<string, number>, base: Record<string, number> | undefined, key: string) =>
  Math.max(0, (cur[key] ?? 0) - (base?.[key] ?? 0));

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

/** Open and total dead letters of the index per subscriber and per site (the router's, by site). */
function deadLetterCounts(groups: readonly DeadLetterGroup[]) {
  const bySub = new Map<string, { open: number; total: number }>();
  const bySite = new Map<string, { open: number; total: number }>();
  const add = (m: Map<string, { open: number; total: number }>, k: string, g: DeadLetterGroup) => {
    const c = m.get(k) ?? { open: 0, total: 0 };
    c.open += g.open;
    c.total += g.count;
    m.set(k, c);
  };
  for (const g of groups) {
    if (g.subscriber) add(bySub, g.subscriber, g);
    else if (g.site) add(bySite, g.site, g);
  }
  return { bySub, bySite };
}

/**
 * The provider of `hub.overview` (dlq/api/overview.ts) for the hub process that serves the API:
 * each call reads the /status document, the few metrics it shows (hub/metrics-snapshot.ts) and
 * the index's groups and summary, all bounded (by sites, subscribers and incident groups, never by
 * dead letters), and judges each part (hub/overview-states.ts).
 *
 * Rates (events/s in per site, delivered/s per subscriber) and "dead letters rising" are counter
 * deltas between this read and an earlier one kept by the provider: the oldest within the last
 * RATE_WINDOW_MS that is at least RATE_MIN_MS old, else the newest older one (after a pause in
 * polling: a longer window, which `rateWindowSeconds` says). The first read has no rates (null).
 */
export function hubOverview(options: HubOverviewOptions): () => Promise<OverviewDoc> {
  const clock = options.now ?? Date.now;
  const quietMs = options.siteQuietMs ?? SITE_QUIET_DEFAULT_MS;
  let samples: Sample[] = [];

  function baseFor(now: number): Sample | undefined {
    const older = samples.filter((s) => now - s.at >= RATE_MIN_MS);
    return older.find((s) => now - s.at <= RATE_WINDOW_MS) ?? older[older.length - 1];
  }

  function keep(sample: Sample): void {
    const now = sample.at;
    const outside = samples.filter((s) => now - s.at > RATE_WINDOW_MS);
    const inside = samples.filter((s) => now - s.at <= RATE_WINDOW_MS);
    // The newest sample outside the window stays: after a pause it is the only base there is.
    samples = [...outside.slice(-1), ...inside, sample].slice(-MAX_SAMPLES);
  }

  return async () => {
    const now = clock();
    const config = options.config();
    // The index lives in Redis: when it does not answer, the rest of the overview still does
    // (that is when it is needed most), with the index's figures null and the reason.
    const index = Promise.all([options.store.groups(), options.store.summary(now)]).then(
      ([groups, summary]) => ({ groups, summary }),
      (err: unknown) => ({ error: describeError(err) }),
    );
    const [status, metrics, indexed] = await Promise.all([
      options.health.status(),
      readSnapshot(options.health.metrics, now, OVERVIEW_METRICS),
      index,
    ]);
    const dead = 'groups' in indexed ? deadLetterCounts(indexed.groups) : undefined;
    const sample: Sample = {
      at: now,
      metrics,
      deadBySite: dead && Object.fromEntries([...dead.bySite].map(([k, v]) => [k, v.total])),
    };
    const base = baseFor(now);
    keep(sample);
    const windowSeconds = base ? (now - base.at) / 1000 : null;
    const rate = (cur: Record<string, number>, old: Record<string, number> | undefined, key: string) =>
      windowSeconds ? delta(cur, old, key) / windowSeconds : null;
    const knowsLastEvent = Boolean(options.health.metrics.getSingleMetric(FLOW_METRIC_NAMES.siteLastEvent));
    const component = (name: string): StatusEntry | undefined => status.components[name];

    const sites = config.sites.map((site) => {
      const eventsPerSecond = rate(metrics.inBySite, base?.metrics.inBySite, site.id);
      const lastEventAt = metrics.lastEventBySite[site.id] ?? null;
      const kind = site.connector.kind;
      const sourceName = SOURCE_COMPONENT[kind];
      return {
        id: site.id,
        ...(site.name ? { name: site.name } : {}),
        kind,
        eventsIn: metrics.inBySite[site.id] ?? 0,
        eventsPerSecond,
        lastEventAt,
        deadLetters: dead ? (dead.bySite.get(site.id) ?? { open: 0, total: 0 }) : null,
        ...verdict(
          judgeSite({
            kind,
            source: sourceName ? component(sourceName) : undefined,
            knowsLastEvent,
            lastEventAt,
            eventsPerSecond,
            newDead:
              sample.deadBySite && base?.deadBySite ? delta(sample.deadBySite, base.deadBySite, site.id) : 0,
            openDead: dead ? (dead.bySite.get(site.id)?.open ?? 0) : null,
            windowSeconds,
            now,
            quietMs,
          }),
        ),
      };
    });

    const routerDead = metrics.deadBySub.router ?? 0;
    const kafka = status.dependencies.kafka as { up?: boolean; lastError?: string } | undefined;
    const router = {
      running: component('router')?.started === true && status.checks.router !== false,
      lag: metrics.lag,
      eventsIn: sum(metrics.inBySite),
      eventsPerSecond: windowSeconds
        ? Math.max(0, sum(metrics.inBySite) - sum(base!.metrics.inBySite)) / windowSeconds
        : null,
      duplicates: metrics.duplicates,
      deadLettered: routerDead,
      routes: config.routes.map((r) => ({ name: r.name, to: [...r.to] })),
      ...verdict(
        judgeRouter({
          component: component('router'),
          healthy: status.checks.router,
          kafka: kafka
            ? { up: kafka.up === true, ...(kafka.lastError ? { lastError: kafka.lastError } : {}) }
            : undefined,
          lag: metrics.lag,
          newDead: base ? delta(metrics.deadBySub, base.metrics.deadBySub, 'router') : 0,
          windowSeconds,
        }),
      ),
    };

    const subscribers = config.subscribers.map((sub): OverviewSubscriber => {
      const s = status.subscribers[sub.id];
      const inRetry = Number(s?.inRetry ?? metrics.inRetryBySub[sub.id] ?? 0);
      const breaker = typeof s?.breaker === 'string' ? s.breaker : 'unknown';
      const lastError = s?.lastError as OverviewSubscriber['lastError'] | undefined;
      return {
        id: sub.id,
        kind: sub.sink.kind,
        routes: config.routes.filter((r) => r.to.includes(sub.id)).map((r) => r.name),
        consuming: typeof s?.consuming === 'boolean' ? s.consuming : null,
        delivered: metrics.deliveredBySub[sub.id] ?? 0,
        deliveredPerSecond: rate(metrics.deliveredBySub, base?.metrics.deliveredBySub, sub.id),
        failures: metrics.failuresBySub[sub.id] ?? 0,
        deadLettered: metrics.deadBySub[sub.id] ?? 0,
        deadLetters: dead ? (dead.bySub.get(sub.id) ?? { open: 0, total: 0 }) : null,
        inRetry,
        parked: Math.max(0, (metrics.heldBySub[sub.id] ?? 0) - (metrics.inRetryBySub[sub.id] ?? 0)),
        heldKeys: Number(s?.heldKeys ?? 0),
        lag: typeof s?.lag === 'number' ? s.lag : null,
        breaker: breaker === 'closed' || breaker === 'open' || breaker === 'half-open' ? breaker : 'unknown',
        breakerRetryInMs: Number(s?.breakerRetryInMs ?? 0),
        ...(typeof s?.breakerSince === 'string' ? { breakerSince: s.breakerSince } : {}),
        ...(lastError && typeof lastError.code === 'string' ? { lastError } : {}),
        ...verdict(
          judgeSubscriber({
            id: sub.id,
            status: s,
            newDead: base ? delta(metrics.deadBySub, base.metrics.deadBySub, sub.id) : 0,
            openDead: dead ? (dead.bySub.get(sub.id)?.open ?? 0) : null,
            windowSeconds,
            now,
          }),
        ),
      };
    });

    const dependencies = Object.entries(status.dependencies)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, d]) => ({
        name,
        up: d.up === true,
        ...(d.checkedAt !== undefined ? { checkedAt: d.checkedAt as string | null } : {}),
        ...(typeof d.latencyMs === 'number' ? { latencyMs: d.latencyMs } : {}),
        ...(typeof d.lastError === 'string' ? { lastError: d.lastError } : {}),
        ...(typeof d.downSince === 'string' ? { downSince: d.downSince } : {}),
      }));

    return {
      at: now,
      rateWindowSeconds: windowSeconds,
      ready: status.ready,
      dependencies,
      sites,
      router,
      subscribers,
      ...('summary' in indexed
        ? {
            deadLetters: {
              open: indexed.summary.open,
              overdue: indexed.summary.overdue,
              ...(indexed.summary.oldestOpenAt !== undefined
                ? { oldestOpenAt: indexed.summary.oldestOpenAt }
                : {}),
            },
          }
        : { deadLetters: null, indexError: `the dead-letter index did not answer: ${indexed.error}` }),
    };
  };
}
