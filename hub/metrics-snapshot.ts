import type { Registry } from 'prom-client';
import { FLOW_METRIC_NAMES } from '../flows';

/**
 * What a process reads of its own hub's metrics registry (hub/observability.ts lists the metrics),
 * in-process: counters summed by the labels shown. Read by `crossdock demo`'s live view and
 * summary, and by the admin API's overview (hub/overview.ts).
 */
export interface MetricsSnapshot {
  at: number;
  /** Router: records read per site (crossdock_router_events_in_total). */
  inBySite: Record<string, number>;
  /** Copies delivered per subscriber (crossdock_delivery_delivered_total). */
  deliveredBySub: Record<string, number>;
  /** Failed attempts per subscriber (crossdock_delivery_failures_total). */
  failuresBySub: Record<string, number>;
  /** Retries scheduled per subscriber. */
  retriesBySub: Record<string, number>;
  inRetryBySub: Record<string, number>;
  /** 0 closed, 1 half-open, 2 open. */
  breakerBySub: Record<string, number>;
  /** Dead letters by code: the router's and each subscriber's. */
  deadByCode: Record<string, number>;
  deadBySub: Record<string, number>;
  duplicates: number;
  /** The router's consumer lag, summed over its partitions. */
  lag: number;
  /** The flow tracker (flows/metrics.ts): instances started and completed, by flow. */
  flowStarted: Record<string, number>;
  flowCompleted: Record<string, number>;
  /** Open and overdue instances now, by flow (the tracker's summary). */
  flowOpen: Record<string, number>;
  flowOverdue: Record<string, number>;
  /** Flow alerts raised, by kind (STEP_LATE, FLOW_INCOMPLETE). */
  alertsByKind: Record<string, number>;
  /** Router-decided ingress records the tracker has not read; null when no tracker reports it. */
  trackerLag: number | null;
  /** Events held in Redis per subscriber: in retry or parked behind their key (crossdock_delivery_held_events). */
  heldBySub: Record<string, number>;
  /** Epoch ms of the newest event seen from each site (the tracker's scorecards, last 24 hours). */
  lastEventBySite: Record<string, number>;
}

interface MetricJson {
  name: string;
  values: Array<{ value: number; labels: Record<string, string | number> }>;
}

const add = (r: Record<string, number>, k: string | number | undefined, v: number) => {
  const key = String(k ?? '?');
  r[key] = (r[key] ?? 0) + v;
};

/** A snapshot from metrics as prom-client's getMetricsAsJSON() gives them. */
export function snapshotOf(metrics: readonly MetricJson[], at: number): MetricsSnapshot {
  const s: MetricsSnapshot = {
    at,
    inBySite: {},
    deliveredBySub: {},
    failuresBySub: {},
    retriesBySub: {},
    inRetryBySub: {},
    breakerBySub: {},
    deadByCode: {},
    deadBySub: {},
    duplicates: 0,
    lag: 0,
    flowStarted: {},
    flowCompleted: {},
    flowOpen: {},
    flowOverdue: {},
    alertsByKind: {},
    trackerLag: null,
    heldBySub: {},
    lastEventBySite: {},
  };
  for (const m of metrics)
    for (const v of m.values) {
      const l = v.labels;
      switch (m.name) {
        case 'crossdock_router_events_in_total':
          add(s.inBySite, l.site, v.value);
          break;
        case 'crossdock_delivery_delivered_total':
          add(s.deliveredBySub, l.subscriber, v.value);
          break;
        case 'crossdock_delivery_failures_total':
          add(s.failuresBySub, l.subscriber, v.value);
          break;
        case 'crossdock_delivery_retries_scheduled_total':
          add(s.retriesBySub, l.subscriber, v.value);
          break;
        case 'crossdock_delivery_in_retry':
          s.inRetryBySub[String(l.subscriber)] = v.value;
          break;
        case 'crossdock_delivery_breaker_state':
          s.breakerBySub[String(l.subscriber)] = v.value;
          break;
        case 'crossdock_router_dead_letters_total':
          add(s.deadByCode, l.code, v.value);
          add(s.deadBySub, 'router', v.value);
          break;
        case 'crossdock_delivery_dead_lettered_total':
          add(s.deadByCode, l.code, v.value);
          add(s.deadBySub, l.subscriber, v.value);
          break;
        case 'crossdock_router_duplicates_total':
          s.duplicates += v.value;
          break;
        case 'crossdock_router_consumer_lag':
          s.lag += v.value;
          break;
        case FLOW_METRIC_NAMES.started:
          add(s.flowStarted, l.flow, v.value);
          break;
        case FLOW_METRIC_NAMES.completed:
          add(s.flowCompleted, l.flow, v.value);
          break;
        case FLOW_METRIC_NAMES.open:
          add(s.flowOpen, l.flow, v.value);
          break;
        case FLOW_METRIC_NAMES.overdue:
          add(s.flowOverdue, l.flow, v.value);
          break;
        case FLOW_METRIC_NAMES.alerts:
          add(s.alertsByKind, l.kind, v.value);
          break;
        case FLOW_METRIC_NAMES.trackerLag:
          s.trackerLag = (s.trackerLag ?? 0) + v.value;
          break;
        case 'crossdock_delivery_held_events':
          s.heldBySub[String(l.subscriber)] = v.value;
          break;
        case FLOW_METRIC_NAMES.siteLastEvent:
          s.lastEventBySite[String(l.site)] = v.value * 1000;
          break;
      }
    }
  return s;
}

/** Every metric snapshotOf reads. */
export const SNAPSHOT_METRICS: readonly string[] = Object.freeze([
  'crossdock_router_events_in_total',
  'crossdock_router_dead_letters_total',
  'crossdock_router_duplicates_total',
  'crossdock_router_consumer_lag',
  'crossdock_delivery_delivered_total',
  'crossdock_delivery_failures_total',
  'crossdock_delivery_retries_scheduled_total',
  'crossdock_delivery_in_retry',
  'crossdock_delivery_breaker_state',
  'crossdock_delivery_dead_lettered_total',
  'crossdock_delivery_held_events',
  FLOW_METRIC_NAMES.started,
  FLOW_METRIC_NAMES.completed,
  FLOW_METRIC_NAMES.open,
  FLOW_METRIC_NAMES.overdue,
  FLOW_METRIC_NAMES.alerts,
  FLOW_METRIC_NAMES.trackerLag,
  FLOW_METRIC_NAMES.siteLastEvent,
]);

/**
 * A snapshot of the registry, reading only the metrics named (their `collect` runs: a gauge read
 * from Redis costs what it costs on /metrics), never the whole registry. A metric that cannot be
 * read is left out.
 */
export async function readSnapshot(
  registry: Registry,
  now = Date.now(),
  names: readonly string[] = SNAPSHOT_METRICS,
): Promise<MetricsSnapshot> {
  const read: MetricJson[] = [];
  for (const name of names) {
    const metric = registry.getSingleMetric(name);
    // A gauge whose collect fails (its Redis down) is left out, as if not registered: the
    // snapshot of the others still counts.
    if (metric)
      await metric.get().then(
        (m) => read.push(m as unknown as MetricJson),
        () => undefined,
      );
  }
  return snapshotOf(read, now);
}
