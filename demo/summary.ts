import type { SiteScorecard } from '../flows';
import type { FlowDecisions } from './business';
import { flowLines, percent, worstSite, worstSiteLine, type FlowLine, type WorstSite } from './flows';
import type { SiteTally } from './ledger';
import type { MetricsSnapshot } from './metrics';
import type { Observed } from './observer';
import type { Reconciliation } from './reconcile';

/**
 * The summary a demo run ends with (printed, or as JSON with `--json`): what each site sent and
 * got accepted or refused, what each subscriber got, retries, dead letters by code, duplicates
 * the router dropped, end-to-end latency (ingress topic → the subscriber has it), the
 * reconciliation, and what to look at next.
 */
export interface DemoSummary {
  runId: string;
  topicPrefix: string;
  seed: number;
  rate: number;
  /** Seconds the sites were sending. */
  sentForSeconds: number;
  /** Each site's tally; `accepted` counts what is on the site's ingress topic (the hub accepted it). */
  sites: Record<string, SiteTally>;
  subscribers: Record<
    string,
    { delivered: number; retried: number; waiting: number; deadLettered: Record<string, number> }
  >;
  retried: number;
  deadLettered: { router: Record<string, number>; delivery: Record<string, number> };
  duplicatesSuppressed: number;
  /** Ingress topic → delivered (webhook receiver applied it / Kafka sink wrote it), per copy. */
  latencyMs: { p50: number | null; p99: number | null; copies: number };
  reconciliation: Reconciliation;
  flows: DemoFlowsSummary;
  /** What happened to the run's topics and Redis keys. */
  cleanup: string;
  logFile: string;
  next: string[];
}

/** The flows of the run, as the flow tracker saw them (its scorecards) and as the business planned them. */
export interface DemoFlowsSummary {
  /** The demo's time scale (demo/timescale.ts). */
  timeScale: string;
  /** Per configured flow, summed over the sites' scorecards of the run. */
  byFlow: Record<string, FlowLine>;
  /** Flow alerts: records on `<prefix>.flow.alerts` (null when the run could not read it), by kind from the tracker's counter. */
  alerts: { onTopic: number | null; byKind: Record<string, number> };
  /** Every site's conformance, worst first. */
  conformance: Array<{ siteId: string; conformance: number }>;
  worstSite: WorstSite | null;
  /** What the simulated business decided (sent on time, late, never), per flow. */
  planned: Record<string, FlowDecisions>;
  /** The tracker's lag when the scorecards were read (null when no tracker reported it). */
  trackerLag: number | null;
  /** Why there are no scorecards, when there are none. */
  unavailable?: string;
}

/** What the summary's flow part is made from (the runner reads the scorecards: `readScorecards`). */
export interface FlowFacts {
  timeScale: string;
  flowNames: readonly string[];
  /** The run's scorecards, or why they could not be read. */
  scorecards: readonly SiteScorecard[] | { unavailable: string };
  alertsOnTopic: number | null;
  planned: Record<string, FlowDecisions>;
}

/** The q-quantile (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface SummaryFacts {
  runId: string;
  topicPrefix: string;
  seed: number;
  rate: number;
  sentForSeconds: number;
  tallies: ReadonlyMap<string, SiteTally>;
  observed: Observed;
  /** Webhook receivers: subscriber → eventId → { at }. */
  received: ReadonlyMap<string, ReadonlyMap<string, { at: number }>>;
  metrics: MetricsSnapshot;
  reconciliation: Reconciliation;
  flows: FlowFacts;
  cleanup: string;
  logFile: string;
  next: string[];
}

/** The summary's flow part, from the scorecards and the metrics (pure). */
export function buildFlowsSummary(f: FlowFacts, metrics: MetricsSnapshot): DemoFlowsSummary {
  const cards = Array.isArray(f.scorecards) ? (f.scorecards as readonly SiteScorecard[]) : [];
  return {
    timeScale: f.timeScale,
    byFlow: flowLines(cards, f.flowNames, metrics.flowOverdue),
    alerts: { onTopic: f.alertsOnTopic, byKind: { ...metrics.alertsByKind } },
    conformance: [...cards]
      .sort((a, b) => a.conformance - b.conformance || a.siteId.localeCompare(b.siteId))
      .map((c) => ({ siteId: c.siteId, conformance: c.conformance })),
    worstSite: worstSite(cards),
    planned: f.planned,
    trackerLag: metrics.trackerLag,
    ...(Array.isArray(f.scorecards)
      ? {}
      : { unavailable: (f.scorecards as { unavailable: string }).unavailable }),
  };
}

const bump = (r: Record<string, number>, k: string, n = 1) => void (r[k] = (r[k] ?? 0) + n);

export function buildSummary(f: SummaryFacts): DemoSummary {
  const acceptedBySite: Record<string, number> = {};
  for (const a of f.observed.accepted.values()) bump(acceptedBySite, a.siteId);
  const sites: DemoSummary['sites'] = {};
  for (const [id, t] of f.tallies)
    sites[id] = {
      kind: t.kind,
      sent: t.sent,
      accepted: acceptedBySite[id] ?? 0,
      refused: { ...t.refused },
      failed: t.failed,
      resent: t.resent,
      bad: { ...t.bad },
    };
  const latencies: number[] = [];
  const subscribers: DemoSummary['subscribers'] = {};
  const delivery: Record<string, number> = {};
  for (const [sub, r] of Object.entries(f.reconciliation.subscribers)) {
    subscribers[sub] = {
      delivered: r.delivered,
      retried: f.metrics.retriesBySub[sub] ?? 0,
      waiting: r.waiting,
      deadLettered: { ...r.deadLettered },
    };
    for (const [code, n] of Object.entries(r.deadLettered)) bump(delivery, code, n);
    const got: ReadonlyMap<string, { at: number } | number> | undefined =
      f.received.get(sub) ?? f.observed.sinkDelivered.get(sub);
    for (const [eventId, v] of got ?? []) {
      const accepted = f.observed.accepted.get(eventId);
      const at = typeof v === 'number' ? v : v.at;
      if (accepted) latencies.push(Math.max(0, at - accepted.at));
    }
  }
  latencies.sort((a, b) => a - b);
  const router = { ...f.reconciliation.routerDeadLettered };
  for (const [code, n] of Object.entries(f.observed.routerDeadAnonymous)) bump(router, code, n);
  return {
    runId: f.runId,
    topicPrefix: f.topicPrefix,
    seed: f.seed,
    rate: f.rate,
    sentForSeconds: f.sentForSeconds,
    sites,
    subscribers,
    retried: Object.values(f.metrics.retriesBySub).reduce((a, b) => a + b, 0),
    deadLettered: { router, delivery },
    duplicatesSuppressed: f.metrics.duplicates,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), copies: latencies.length },
    reconciliation: f.reconciliation,
    flows: buildFlowsSummary(f.flows, f.metrics),
    cleanup: f.cleanup,
    logFile: f.logFile,
    next: f.next,
  };
}

const codes = (r: Record<string, number>) => {
  const e = Object.entries(r);
  return e.length ? e.map(([c, n]) => `${c} ${n}`).join(', ') : '-';
};

export function renderSummary(s: DemoSummary): string {
  const r = s.reconciliation;
  const lines = [
    `crossdock demo ${s.runId}: ${s.sentForSeconds} s of business at ${s.rate} events/s (seed ${s.seed}, topics ${s.topicPrefix}.*)`,
    '',
    `${'site'.padEnd(10)} ${'kind'.padEnd(5)} ${'sent'.padStart(6)} ${'accepted'.padStart(9)}  refused at ingest`,
    ...Object.entries(s.sites).map(
      ([id, t]) =>
        `${id.padEnd(10)} ${t.kind.padEnd(5)} ${String(t.sent).padStart(6)} ${String(t.accepted).padStart(9)}  ${codes(t.refused)}${t.resent ? `  (${t.resent} resent)` : ''}${t.failed ? `  (${t.failed} failed to send)` : ''}`,
    ),
    '',
    `${'subscriber'.padEnd(24)} ${'delivered'.padStart(9)} ${'retried'.padStart(8)} ${'waiting'.padStart(8)}  dead-lettered`,
    ...Object.entries(s.subscribers).map(
      ([id, t]) =>
        `${id.padEnd(24)} ${String(t.delivered).padStart(9)} ${String(t.retried).padStart(8)} ${String(t.waiting).padStart(8)}  ${codes(t.deadLettered)}`,
    ),
    '',
    `retries scheduled      ${s.retried}`,
    `dead-lettered, router  ${codes(s.deadLettered.router)}`,
    `dead-lettered, delivery ${codes(s.deadLettered.delivery)}`,
    `duplicates suppressed  ${s.duplicatesSuppressed} (sites that sent an event again with its id)`,
    `end-to-end latency     p50 ${s.latencyMs.p50 ?? '-'} ms, p99 ${s.latencyMs.p99 ?? '-'} ms over ${s.latencyMs.copies} deliveries (ingress topic → subscriber)`,
    '',
    `reconciliation: ${r.holds ? 'HOLDS' : 'DOES NOT HOLD'}: ${r.accepted} accepted = ${r.routed} routed + ${sumOf(r.routerDeadLettered)} dead-lettered by the router + ${r.unrouted} unrouted${r.undecided ? ` + ${r.undecided} UNDECIDED` : ''}`,
    ...Object.entries(r.subscribers).map(
      ([id, t]) =>
        `  ${id.padEnd(24)} ${t.expected} routed = ${t.delivered} delivered + ${t.waiting} waiting + ${sumOf(t.deadLettered)} dead-lettered${t.missing ? ` + ${t.missing} MISSING` : ''}${t.unexpected ? `; ${t.unexpected} UNEXPECTED deliveries` : ''}`,
    ),
    ...(r.missingSample.length
      ? [
          '  not accounted for (first ones):',
          ...r.missingSample.map((m) => `    ${m.eventId}${m.subscriber ? ` → ${m.subscriber}` : ''}`),
        ]
      : []),
    '',
    ...renderFlows(s.flows),
    '',
    `cleanup: ${s.cleanup}`,
    `log: ${s.logFile}`,
    ...(s.next.length ? ['', 'next:', ...s.next.map((n) => `  ${n}`)] : []),
  ];
  return lines.join('\n');
}

/** The flow lines of the summary. */
export function renderFlows(f: DemoFlowsSummary): string[] {
  const n = (v: number | null) => String(v ?? '-');
  const w = [16, 8, 8, 6, 6, 8, 11, 11];
  const row = (cells: Array<string | number>) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]!) : String(c).padStart(w[i]!))).join(' ');
  const kinds = Object.entries(f.alerts.byKind);
  return [
    `flows (time scale: ${f.timeScale})`,
    ...(f.unavailable ? [`  no scorecards: ${f.unavailable}`] : []),
    row(['flow', 'started', 'on time', 'late', 'open', 'overdue', 'incomplete', 'completion']),
    ...Object.entries(f.byFlow).map(([flow, l]) =>
      row([
        flow,
        l.started,
        l.completedOnTime,
        l.completedLate,
        l.open,
        n(l.overdue),
        l.incomplete,
        percent(l.completionRate),
      ]),
    ),
    `  planned by the business: ${Object.entries(f.planned)
      .map(
        ([flow, p]) =>
          `${flow} ${p.started} (${p.onTime} on time, ${p.late} late, ${p.incomplete} never complete)`,
      )
      .join('; ')}`,
    `flow alerts            ${f.alerts.onTopic ?? '-'} on the flow.alerts topic${kinds.length ? ` (${kinds.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `worst site             ${f.worstSite ? worstSiteLine(f.worstSite) : '-'}`,
    ...(f.conformance.length
      ? [
          `conformance            ${f.conformance.map((c) => `${c.siteId} ${c.conformance.toFixed(3)}`).join(', ')}`,
        ]
      : []),
  ];
}

function sumOf(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
