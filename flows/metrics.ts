import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { FLOW_METRIC_NAMES as N, type FlowAlertKind, type SiteScorecard, type StepOutcome } from './contract';

/**
 * The flow tracker's and the scorecards' metrics (names: flows/contract.ts FLOW_METRIC_NAMES).
 *
 * Counters and the latency histogram count what this process's engine did (each step and alert
 * once, when its Redis script said it was new). The gauges are read when Prometheus scrapes, from
 * the sources handed in (the engine's per-flow summary, the scorecards of the last 24 hours), one
 * read per source per second at most, so every process that serves /metrics reports the same
 * figures. A process without a source reports no sample for those gauges.
 */
export interface FlowMetrics {
  step(flow: string, step: string, site: string, outcome: Exclude<StepOutcome, 'replayed'>): void;
  started(flow: string, site: string): void;
  completed(flow: string, site: string, onTime: boolean): void;
  incomplete(flow: string, site: string): void;
  alert(flow: string, step: string, kind: FlowAlertKind): void;
  /** An accepted event that is `step` of `flow` but has no key value for it (skipped). */
  keyless(flow: string, step: string): void;
  /** An accepted step event older than its flow's expireAfter when it arrived: not tracked. */
  expired(flow: string, step: string): void;
  /** A step's latency from the previous step, in ms. */
  latency(flow: string, step: string, ms: number): void;
  /** Router-decided ingress records the tracker has not read yet. */
  setTrackerLag(records: number): void;
}

/** Open and overdue instances of one flow (flows/engine's summary). */
export interface FlowSummary {
  flow: string;
  open: number;
  overdue: number;
}

export interface FlowMetricSources {
  flowSummary?: () => Promise<readonly FlowSummary[]>;
  /** The scorecards of the last 24 hours. */
  scorecards?: () => Promise<readonly SiteScorecard[]>;
}

/**
 * Counter {flow, step}: accepted events that are a step of a flow but carry no value for its key
 * (flows/engine skips them). A diagnostic of the configuration, outside FLOW_METRIC_NAMES (the
 * dashboard's list).
 */
export const FLOW_KEYLESS_METRIC = 'crossdock_flow_events_without_key_total';
/** Counter {flow, step}: step events that arrived already past their flow's expireAfter. */
export const FLOW_EXPIRED_METRIC = 'crossdock_flow_events_expired_total';

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Caches one async read for `ms` (a scrape reads each source once for all its gauges). */
function cachedRead<T>(
  source: (() => Promise<T>) | undefined,
  clock: () => number,
  ms = 1000,
): () => Promise<T | undefined> {
  let cached: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (!source) return Promise.resolve(undefined);
    const now = clock();
    if (!cached || now - cached.at > ms) cached = { at: now, value: source().catch(() => undefined) };
    return cached.value;
  };
}

export function flowMetrics(
  registry: Registry,
  sources: FlowMetricSources = {},
  clock: () => number = Date.now,
): FlowMetrics {
  const registers = [registry];
  const flows = cachedRead(sources.flowSummary, clock);
  const cards = cachedRead(sources.scorecards, clock);

  const steps = metric(
    registry,
    N.steps,
    () =>
      new Counter({
        name: N.steps,
        help: 'Flow steps that arrived, by flow, step (event type), site and outcome (on_time, late, out_of_order, duplicate).',
        labelNames: ['flow', 'step', 'site', 'outcome'],
        registers,
      }),
  );
  const started = metric(
    registry,
    N.started,
    () =>
      new Counter({
        name: N.started,
        help: 'Flow instances started (their first event seen), by flow and site.',
        labelNames: ['flow', 'site'],
        registers,
      }),
  );
  const completed = metric(
    registry,
    N.completed,
    () =>
      new Counter({
        name: N.completed,
        help: 'Flow instances completed (every step seen), by flow, site and whether every step was on time.',
        labelNames: ['flow', 'site', 'on_time'],
        registers,
      }),
  );
  const incomplete = metric(
    registry,
    N.incomplete,
    () =>
      new Counter({
        name: N.incomplete,
        help: 'Flow instances that expired with a step missing, by flow and site.',
        labelNames: ['flow', 'site'],
        registers,
      }),
  );
  const alerts = metric(
    registry,
    N.alerts,
    () =>
      new Counter({
        name: N.alerts,
        help: 'Flow alerts raised (each once), by flow, step and kind (STEP_LATE, FLOW_INCOMPLETE).',
        labelNames: ['flow', 'step', 'kind'],
        registers,
      }),
  );
  const expired = metric(
    registry,
    FLOW_EXPIRED_METRIC,
    () =>
      new Counter({
        name: FLOW_EXPIRED_METRIC,
        help: "Accepted events that are a step of a flow but arrived when an instance they began would already have expired (occurredAt + expireAfter before the tracker's clock: history, a backlog), by flow and step; they are not tracked and raise no alert.",
        labelNames: ['flow', 'step'],
        registers,
      }),
  );
  const keyless = metric(
    registry,
    FLOW_KEYLESS_METRIC,
    () =>
      new Counter({
        name: FLOW_KEYLESS_METRIC,
        help: 'Accepted events that are a step of a flow but carry no value for its key (correlation id or key field), by flow and step; they are not tracked.',
        labelNames: ['flow', 'step'],
        registers,
      }),
  );
  const latency = metric(
    registry,
    N.stepLatency,
    () =>
      new Histogram({
        name: N.stepLatency,
        help: "Time from a flow step's previous step to it (event times), by flow and step.",
        labelNames: ['flow', 'step'],
        buckets: [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400],
        registers,
      }),
  );
  const lag = metric(
    registry,
    N.trackerLag,
    () =>
      new Gauge({
        name: N.trackerLag,
        help: 'Ingress records the router has decided that the flow tracker has not read yet.',
        registers,
      }),
  );
  metric(
    registry,
    N.open,
    () =>
      new Gauge({
        name: N.open,
        help: 'Flow instances open now (started, not complete, not expired), by flow.',
        labelNames: ['flow'],
        registers,
        async collect() {
          const s = await flows();
          this.reset();
          for (const f of s ?? []) this.set({ flow: f.flow }, f.open);
        },
      }),
  );
  metric(
    registry,
    N.overdue,
    () =>
      new Gauge({
        name: N.overdue,
        help: 'Open flow instances with a step past its deadline and still missing, by flow.',
        labelNames: ['flow'],
        registers,
        async collect() {
          const s = await flows();
          this.reset();
          for (const f of s ?? []) this.set({ flow: f.flow }, f.overdue);
        },
      }),
  );
  const siteGauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: Gauge<string>, card: SiteScorecard) => void,
  ) =>
    metric(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames,
          registers,
          async collect() {
            const s = await cards();
            this.reset();
            for (const c of s ?? []) fill(this, c);
          },
        }),
    );
  siteGauge(
    N.siteConformance,
    "Each site's conformance over the last 24 hours, 0..1 (docs/flows.md: accepted share × current-version share × on-time flow share).",
    ['site'],
    (g, c) => g.set({ site: c.siteId }, c.conformance),
  );
  siteGauge(
    N.siteAccepted,
    'Events the router accepted from each site over the last 24 hours.',
    ['site'],
    (g, c) => g.set({ site: c.siteId }, c.accepted),
  );
  siteGauge(
    N.siteRejected,
    'Events the router rejected from each site over the last 24 hours, by error code.',
    ['site', 'code'],
    (g, c) => {
      const byCode = new Map<string, number>();
      for (const r of c.rejectedBy) byCode.set(r.code, (byCode.get(r.code) ?? 0) + r.count);
      for (const [code, n] of byCode) g.set({ site: c.siteId, code }, n);
    },
  );
  siteGauge(
    N.siteDeprecatedShare,
    "Share of each site's accepted events on a deprecated schema version over the last 24 hours (no sample when none was accepted).",
    ['site'],
    (g, c) => {
      if (c.deprecatedShare !== null) g.set({ site: c.siteId }, c.deprecatedShare);
    },
  );
  siteGauge(
    N.siteFlowCompletion,
    'Completed share of the flow instances of each site that completed or expired over the last 24 hours, by flow (no sample when none did).',
    ['site', 'flow'],
    (g, c) => {
      for (const f of c.flows)
        if (f.completionRate !== null) g.set({ site: c.siteId, flow: f.flow }, f.completionRate);
    },
  );
  siteGauge(
    N.siteLastEvent,
    'Unix seconds of the newest event seen from each site (no sample for a site never heard from).',
    ['site'],
    (g, c) => {
      if (c.lastEventAt !== null) g.set({ site: c.siteId }, Math.floor(c.lastEventAt / 1000));
    },
  );

  return {
    step: (flow, step, site, outcome) => steps.inc({ flow, step, site, outcome }),
    started: (flow, site) => started.inc({ flow, site }),
    completed: (flow, site, onTime) => completed.inc({ flow, site, on_time: String(onTime) }),
    incomplete: (flow, site) => incomplete.inc({ flow, site }),
    alert: (flow, step, kind) => alerts.inc({ flow, step, kind }),
    keyless: (flow, step) => keyless.inc({ flow, step }),
    expired: (flow, step) => expired.inc({ flow, step }),
    latency: (flow, step, ms) => latency.observe({ flow, step }, ms / 1000),
    setTrackerLag: (records) => lag.set(records),
  };
}
