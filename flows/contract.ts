/**
 * flows: process intelligence. Business-flow completeness and service levels (the flow tracker)
 * and per-site conformance scorecards. This file is the contract the part's pieces share: the
 * compiled flow definitions (the `flows:` configuration section), the facts the ingress feed hands
 * on, what the tracker records and raises, and what a scorecard says.
 *
 * The data path (docs/flows.md):
 *
 *   ingress topics ─┐   (own consumer group, read_committed)
 *                   ├─ feed (flows/feed/): decides each ingress record once the router has:
 *   dlq.router ─────┘   accepted, rejected (code, rule) or duplicate → IngressFact
 *         │
 *         ├─ scorecard recorder (flows/scorecard/): per site and UTC hour, in Redis
 *         └─ flow engine (flows/engine/): instances, steps, deadlines in Redis
 *                 └─ deadline scanner → FlowAlertRaised on `<prefix>.flow.alerts`
 *                    (the router reads that topic as the reserved site `crossdock`)
 *
 * Every time is epoch milliseconds. Every Redis key comes from core/names/redis-keys.ts.
 */
import type { FlowStep } from '../core/config';

/** The site id the hub's own events (flow alerts) carry; no configured site may take it. */
export { HUB_SITE_ID } from '../core/hub-site';

/** The event type of a flow alert (schemas/process/FlowAlertRaised). */
export const FLOW_ALERT_EVENT_TYPE = 'FlowAlertRaised';

// ---------------------------------------------------------------------------------------------
// Configuration (`flows:`), compiled: durations in ms, defaults applied.
// ---------------------------------------------------------------------------------------------

// The compiled flow types are declared in core/config/types.ts, because HubConfig.flows carries
// them and core names no part; they are this part's contract all the same (flows/config-schema.ts
// compiles them, docs/flows.md "Defining flows").
export type {
  FlowKeySource,
  FlowStep,
  FlowDefinition,
  FieldCondition as FlowFieldCondition,
} from '../core/config';

/** The deadline of `step` for an instance of `siteGroups` (the site's groups, in order). */
export function stepWithinMs(step: FlowStep, siteGroups: readonly string[]): number {
  for (const g of siteGroups) {
    const ms = step.withinBySiteGroup[g];
    if (ms !== undefined) return ms;
  }
  return step.withinMs;
}

// ---------------------------------------------------------------------------------------------
// The feed: one fact per ingress record, once the router decided it.
// ---------------------------------------------------------------------------------------------

export type IngressOutcome = 'accepted' | 'rejected' | 'duplicate';

export interface IngressFact {
  /** Where the record is: the feed's position, and what makes handling it again a no-op. */
  topic: string;
  partition: number;
  offset: string;
  siteId: string;
  /** '' when the record could not be read far enough to tell. */
  eventId: string;
  /** 'unknown' when the record could not be read far enough to tell. */
  eventType: string;
  /** The schema version the record was written with, when its schema is in the catalog. */
  schemaVersion?: number;
  /** That version's catalog status was `deprecated`. */
  deprecated: boolean;
  /** metadata.occurredAt; the record's timestamp when it could not be read. */
  occurredAt: number;
  /** The ingress record's timestamp. */
  receivedAt: number;
  outcome: IngressOutcome;
  /** For `rejected`: the router's error code (cd-error-code) and, for a data rule, its name. */
  rejection?: { code: string; rule?: string };
  /**
   * For `accepted`: the decoded event as JSON (decimals as strings, core/avro.ts toJsonSafe). When
   * the tracker is told which fields its sinks read (flows/component.ts `eventFields`; by default
   * the fields the flows read), only `metadata` and those top-level fields.
   */
  event?: Readonly<Record<string, unknown>>;
  /** For `accepted`: metadata.correlationId. */
  correlationId?: string;
}

/** Who takes the feed's facts, in record order per partition; awaited before the feed moves on. */
export interface FactSink {
  onFacts(facts: readonly IngressFact[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The engine: what happened to a step, and the alerts.
// ---------------------------------------------------------------------------------------------

/**
 * What one event did to its flow instance:
 * - `on_time` / `late`: the step arrived for the first time, within or after its deadline;
 * - `out_of_order`: it arrived while an earlier step had not (recorded all the same; its latency
 *   is then measured from the latest earlier step present, its deadline judged the same way);
 * - `duplicate`: the step was already there from another event (the first one stays);
 * - `replayed`: the same event again (the feed re-read it): nothing changes, nothing is counted.
 */
export type StepOutcome = 'on_time' | 'late' | 'out_of_order' | 'duplicate' | 'replayed';

export type FlowAlertKind = 'STEP_LATE' | 'FLOW_INCOMPLETE';

/** A flow alert, the payload of FlowAlertRaised (schemas/process/FlowAlertRaised/v1.avsc). */
export interface FlowAlert {
  /** Deterministic: the same alert always has the same id (a re-publish is a duplicate). */
  alertId: string;
  kind: FlowAlertKind;
  flow: string;
  /** The instance's key value (correlation id or business key). */
  instanceKey: string;
  /** The instance's site (of its first event). */
  siteId: string;
  /** STEP_LATE: the step that is late; FLOW_INCOMPLETE: the first missing step. */
  step: string;
  stepIndex: number;
  /** When the step was due (STEP_LATE) or the instance expired (FLOW_INCOMPLETE). */
  dueAt: number;
  /** When the tracker raised it (its clock). */
  raisedAt: number;
  /** The step's event had not arrived (`missing`) or arrived after dueAt (`arrived_late`). */
  observed: 'missing' | 'arrived_late';
  /** Event ids of the steps present, in step order ('' for a missing one). */
  stepEventIds: readonly string[];
}

/**
 * FlowAlert.observed as the schema's enum symbol (Avro enum symbols are UPPER_SNAKE_CASE): the
 * FlowAlertRaised payload is the FlowAlert with `observed` mapped through this table (and kind,
 * dueAt, raisedAt as they are: the schema's kind symbols equal FlowAlertKind; times encode as
 * timestamp-millis).
 */
export const FLOW_ALERT_OBSERVED_SYMBOL = Object.freeze({
  missing: 'MISSING',
  arrived_late: 'ARRIVED_LATE',
} as const satisfies Record<FlowAlert['observed'], string>);

/** One flow instance as stored (flows show, the console). */
export interface FlowInstance {
  flow: string;
  key: string;
  siteId: string;
  startedAt: number;
  steps: ReadonlyArray<{ eventType: string; eventId?: string; at?: number; dueAt?: number; late?: boolean }>;
  complete: boolean;
  /** Alerts raised for it (alert ids). */
  alerts: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Scorecards: per site, per period.
// ---------------------------------------------------------------------------------------------

export interface StepFigures {
  step: string;
  stepIndex: number;
  /** Steps that arrived in the period (first arrivals: on time, late or out of order). */
  arrived: number;
  onTime: number;
  /** Latency from the previous step, nearest rank over the period's histogram (docs/flows.md). */
  p50Ms: number | null;
  p95Ms: number | null;
  /** The deadline this site's instances have (its groups applied). */
  withinMs: number;
}

export interface FlowFigures {
  flow: string;
  started: number;
  completed: number;
  completedOnTime: number;
  /** Instances that expired incomplete in the period. */
  incomplete: number;
  /** completed / (completed + incomplete); null when neither happened. */
  completionRate: number | null;
  outOfOrder: number;
  duplicates: number;
  alerts: number;
  steps: readonly StepFigures[];
}

export interface SiteScorecard {
  siteId: string;
  /** The period read: [from, to). */
  from: number;
  to: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Rejections by the router's code and, for a data rule, the rule's name; most first. */
  rejectedBy: ReadonlyArray<{ code: string; rule?: string; count: number }>;
  /** Accepted events on a deprecated schema version. */
  deprecated: number;
  /** deprecated / accepted; null when nothing was accepted. */
  deprecatedShare: number | null;
  /** What was accepted, by event type and schema version. */
  versions: ReadonlyArray<{ eventType: string; version: number; deprecated: boolean; count: number }>;
  flows: readonly FlowFigures[];
  /** The site's mapping chain from the configuration, e.g. `us-dal > csv-legacy > base`, or the connector kind. */
  mappingVariant: string;
  /** receivedAt of the newest event seen from the site (any outcome), null when none. */
  lastEventAt: number | null;
  /**
   * One figure to rank sites by, 0..1: acceptedShare × (1 − deprecatedShare) × onTimeRate, where
   * acceptedShare = accepted / (accepted + rejected), onTimeRate = the share of the site's
   * completed-or-incomplete flow instances that completed on time; a factor with no data is 1.
   */
  conformance: number;
  /**
   * False for a site that sent data in the period but is no longer in the configuration (listed
   * so its figures do not vanish); true for a configured site. The reader always sets it.
   */
  configured?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The scorecard hour hash (core/names/redis-keys.ts flowKeys().siteHour): who writes which field.
// Every count is an integer (HINCRBY); the hour is the UTC hour of the time named.
// ---------------------------------------------------------------------------------------------

/**
 * Fields of one site's hour. The feed's recorder (flows/scorecard) writes the ingress figures by
 * the hour of the record's receivedAt; the engine's step script (flows/engine) writes the flow
 * figures in the same Redis call that moves the instance, so a figure is counted once with the
 * change it describes:
 * - started, steps and duplicates/out-of-order by the hour of the step event's receivedAt;
 * - completed / completed on time by the hour of the completing event's receivedAt;
 * - incomplete and alerts by the hour of the tracker's clock when it raised them.
 */
export const SCORE_FIELDS = Object.freeze({
  accepted: 'acc',
  rejected: 'rej',
  duplicates: 'dup',
  deprecated: 'dep',
  /** `rej:<code>|<rule or empty>` */
  rejectedBy: (code: string, rule?: string) => `rej:${code}|${rule ?? ''}`,
  /** `ver:<eventType>|<version>|<1 deprecated, 0 not>` */
  version: (eventType: string, version: number, deprecated: boolean) =>
    `ver:${eventType}|${version}|${deprecated ? 1 : 0}`,
  /** The newest receivedAt seen (ms), kept as the maximum. */
  lastEventAt: 'last',
  flowStarted: (flow: string) => `f:${flow}:started`,
  flowCompleted: (flow: string) => `f:${flow}:completed`,
  flowCompletedOnTime: (flow: string) => `f:${flow}:ontime`,
  flowIncomplete: (flow: string) => `f:${flow}:incomplete`,
  flowOutOfOrder: (flow: string) => `f:${flow}:ooo`,
  flowDuplicates: (flow: string) => `f:${flow}:dup`,
  flowAlerts: (flow: string) => `f:${flow}:alerts`,
  stepArrived: (flow: string, stepIndex: number) => `f:${flow}:s${stepIndex}:arrived`,
  stepOnTime: (flow: string, stepIndex: number) => `f:${flow}:s${stepIndex}:ontime`,
  /** Count of step latencies in LATENCY_BUCKETS_MS[bucket] (the last bucket is everything above). */
  stepLatency: (flow: string, stepIndex: number, bucket: number) => `f:${flow}:s${stepIndex}:h${bucket}`,
});

/**
 * Upper bounds (ms, inclusive) of the step latency histogram: 1 s to 60 days, about ×1.5 apart,
 * then one open bucket. A quantile is the upper bound of the bucket that holds its nearest rank
 * (the open bucket reports the largest bound): exact to within one bucket, a fixed memory per
 * site, hour and step whatever the volume.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze(
  (() => {
    const out: number[] = [];
    for (let b = 1000; b < 60 * 86_400_000; b = Math.ceil(b * 1.5)) out.push(b);
    out.push(60 * 86_400_000);
    return out;
  })(),
);

/** The histogram bucket of a latency (LATENCY_BUCKETS_MS.length for the open one). */
export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKETS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BUCKETS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The UTC hour a time falls in (ms). */
export function hourStart(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3_600_000;
}

/** How long a site hour is kept (ms): 35 days, so `--since 30d` always reads whole data. */
export const SITE_HOUR_TTL_MS = 35 * 86_400_000;

// ---------------------------------------------------------------------------------------------
// Metric names (flows/metrics.ts registers them; the dashboard and alert rules use them).
// ---------------------------------------------------------------------------------------------

export const FLOW_METRIC_NAMES = Object.freeze({
  /** Counter {flow, step, site, outcome}: StepOutcome except `replayed`. */
  steps: 'crossdock_flow_steps_total',
  /** Counter {flow, site}. */
  started: 'crossdock_flow_instances_started_total',
  /** Counter {flow, site, on_time: "true"|"false"}. */
  completed: 'crossdock_flow_instances_completed_total',
  /** Counter {flow, site}. */
  incomplete: 'crossdock_flow_instances_incomplete_total',
  /** Counter {flow, step, kind}: alerts raised (once each). */
  alerts: 'crossdock_flow_alerts_total',
  /** Gauge {flow}: instances open now. */
  open: 'crossdock_flow_open_instances',
  /** Gauge {flow}: open instances past a deadline with the step still missing. */
  overdue: 'crossdock_flow_overdue_instances',
  /** Histogram {flow, step}: step latency from the previous step (seconds). */
  stepLatency: 'crossdock_flow_step_latency_seconds',
  /** Gauge: ingress records the router has decided that the tracker has not read yet. */
  trackerLag: 'crossdock_flow_tracker_lag_records',
  /** Gauge {site}: the site's conformance (SiteScorecard.conformance) over the last 24 hours. */
  siteConformance: 'crossdock_site_conformance',
  /** Gauge {site}: accepted events over the last 24 hours. */
  siteAccepted: 'crossdock_site_events_accepted',
  /** Gauge {site, code}: rejected events over the last 24 hours. */
  siteRejected: 'crossdock_site_events_rejected',
  /** Gauge {site}: share of accepted events on deprecated schema versions, last 24 hours. */
  siteDeprecatedShare: 'crossdock_site_deprecated_share',
  /** Gauge {site, flow}: completion rate over the last 24 hours (absent when no instance ended). */
  siteFlowCompletion: 'crossdock_site_flow_completion_rate',
  /** Gauge {site}: Unix seconds of the newest event seen from the site. */
  siteLastEvent: 'crossdock_site_last_event_seconds',
});
