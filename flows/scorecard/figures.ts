import {
  LATENCY_BUCKETS_MS,
  SCORE_FIELDS as F,
  stepWithinMs,
  type FlowDefinition,
  type FlowFigures,
  type SiteScorecard,
  type StepFigures,
} from '../contract';

/**
 * The scorecard figures, from the hour hashes of one site (pure: the reader fetches, this adds
 * up). Every field of flows/contract.ts SCORE_FIELDS is a count summed over the period's hours,
 * except `last`, the newest receivedAt, whose maximum is taken.
 */

/** One site's hour hashes summed: field → total (`last` → maximum). */
export type SummedFields = ReadonlyMap<string, number>;

/** Adds up hour hashes as HGETALL gives them (absent hours: empty objects). */
export function sumHours(hours: ReadonlyArray<Readonly<Record<string, string>>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of hours)
    for (const [field, raw] of Object.entries(h)) {
      const n = Number(raw);
      if (!Number.isFinite(n)) continue;
      const had = out.get(field);
      if (field === F.lastEventAt) out.set(field, had === undefined ? n : Math.max(had, n));
      else out.set(field, (had ?? 0) + n);
    }
  return out;
}

/**
 * A quantile of a latency histogram by nearest rank: the smallest bucket whose cumulative count
 * reaches ceil(q × total), reported as that bucket's upper bound (LATENCY_BUCKETS_MS; the open
 * bucket above the last bound reports the last bound). Null for an empty histogram.
 * @param counts count per bucket, index as latencyBucket() gives it (0..LATENCY_BUCKETS_MS.length)
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  const last = LATENCY_BUCKETS_MS.length - 1;
  for (let b = 0; b < counts.length; b++) {
    seen += counts[b]!;
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(b, last)]!;
  }
  return LATENCY_BUCKETS_MS[last]!;
}

/** completed / (completed + incomplete); null when neither happened. */
export function completionRate(completed: number, incomplete: number): number | null {
  const ended = completed + incomplete;
  return ended > 0 ? completed / ended : null;
}

/** part / whole; null when whole is 0. */
function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * The conformance of a site (flows/contract.ts SiteScorecard.conformance):
 * acceptedShare × (1 − deprecatedShare) × onTimeRate, a factor without data counting 1.
 */
export function conformance(input: {
  accepted: number;
  rejected: number;
  deprecated: number;
  /** Over every flow: instances completed on time, and instances completed or expired incomplete. */
  completedOnTime: number;
  ended: number;
}): number {
  const acceptedShare = share(input.accepted, input.accepted + input.rejected) ?? 1;
  const deprecatedShare = share(input.deprecated, input.accepted) ?? 0;
  const onTimeRate = share(input.completedOnTime, input.ended) ?? 1;
  return acceptedShare * (1 - deprecatedShare) * onTimeRate;
}

const count = (sum: SummedFields, field: string) => sum.get(field) ?? 0;

/** One flow's figures for a site whose groups are `groups`. */
export function flowFigures(sum: SummedFields, flow: FlowDefinition, groups: readonly string[]): FlowFigures {
  const n = flow.name;
  const completed = count(sum, F.flowCompleted(n));
  const incomplete = count(sum, F.flowIncomplete(n));
  const steps: StepFigures[] = flow.steps.map((step) => {
    const hist: number[] = [];
    for (let b = 0; b <= LATENCY_BUCKETS_MS.length; b++)
      hist.push(count(sum, F.stepLatency(n, step.index, b)));
    return {
      step: step.eventType,
      stepIndex: step.index,
      arrived: count(sum, F.stepArrived(n, step.index)),
      onTime: count(sum, F.stepOnTime(n, step.index)),
      p50Ms: histogramQuantile(hist, 0.5),
      p95Ms: histogramQuantile(hist, 0.95),
      withinMs: stepWithinMs(step, groups),
    };
  });
  return {
    flow: n,
    started: count(sum, F.flowStarted(n)),
    completed,
    completedOnTime: count(sum, F.flowCompletedOnTime(n)),
    incomplete,
    completionRate: completionRate(completed, incomplete),
    outOfOrder: count(sum, F.flowOutOfOrder(n)),
    duplicates: count(sum, F.flowDuplicates(n)),
    alerts: count(sum, F.flowAlerts(n)),
    steps,
  };
}

/** What the scorecard of one site needs besides its summed fields. */
export interface ScorecardInput {
  siteId: string;
  from: number;
  to: number;
  /** The site's groups in the configuration ([] for a site no longer configured). */
  groups: readonly string[];
  configured: boolean;
  mappingVariant: string;
  flows: readonly FlowDefinition[];
}

/** The rejection and version fields: `rej:<code>|<rule>`, `ver:<type>|<version>|<0|1>`. */
function breakdowns(sum: SummedFields) {
  const rejectedBy: Array<{ code: string; rule?: string; count: number }> = [];
  const versions: Array<{ eventType: string; version: number; deprecated: boolean; count: number }> = [];
  for (const [field, n] of sum) {
    if (n <= 0) continue;
    if (field.startsWith('rej:')) {
      const [code = '', rule = ''] = field.slice(4).split('|');
      rejectedBy.push({ code, ...(rule ? { rule } : {}), count: n });
    } else if (field.startsWith('ver:')) {
      const body = field.slice(4);
      // The event type is a plain name; split from the right so the last two parts are numbers.
      const dep = body.lastIndexOf('|');
      const ver = body.lastIndexOf('|', dep - 1);
      if (ver < 0) continue;
      versions.push({
        eventType: body.slice(0, ver),
        version: Number(body.slice(ver + 1, dep)),
        deprecated: body.slice(dep + 1) === '1',
        count: n,
      });
    }
  }
  rejectedBy.sort(
    (a, b) => b.count - a.count || a.code.localeCompare(b.code) || (a.rule ?? '').localeCompare(b.rule ?? ''),
  );
  versions.sort((a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version);
  return { rejectedBy, versions };
}

/** The scorecard of one site from its summed hour fields. */
export function siteScorecard(sum: SummedFields, input: ScorecardInput): SiteScorecard {
  const accepted = count(sum, F.accepted);
  const rejected = count(sum, F.rejected);
  const deprecated = count(sum, F.deprecated);
  const flows = input.flows.map((f) => flowFigures(sum, f, input.groups));
  const ended = flows.reduce((a, f) => a + f.completed + f.incomplete, 0);
  const completedOnTime = flows.reduce((a, f) => a + f.completedOnTime, 0);
  const last = sum.get(F.lastEventAt);
  return {
    siteId: input.siteId,
    from: input.from,
    to: input.to,
    accepted,
    rejected,
    duplicates: count(sum, F.duplicates),
    ...breakdowns(sum),
    deprecated,
    deprecatedShare: share(deprecated, accepted),
    flows,
    mappingVariant: input.mappingVariant,
    lastEventAt: last !== undefined && last > 0 ? last : null,
    conformance: conformance({ accepted, rejected, deprecated, completedOnTime, ended }),
    configured: input.configured,
  };
}

/** Worst conformance first; ties: more rejected first, then by site id. */
export function worstFirst(a: SiteScorecard, b: SiteScorecard): number {
  return a.conformance - b.conformance || b.rejected - a.rejected || a.siteId.localeCompare(b.siteId);
}
