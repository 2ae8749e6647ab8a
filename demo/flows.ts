import type { EventTypeName } from '../connectors/sdk';
import { stepWithinMs, type FlowDefinition, type SiteScorecard } from '../flows';
import type { DeadlineOf } from './business';

/**
 * What the demo makes of the hub's flows: the deadlines its business plans with (from the run's
 * scaled configuration), and the summary's flow lines and worst site (from the scorecards the
 * flow tracker keeps, read through flows/ `readScorecards`). Pure.
 */

/**
 * The deadline of `to` after `from` at a site: the first configured flow with consecutive steps
 * `from` → `to` (stepWithinMs with the site's groups).
 */
export function deadlinesOf(
  flows: readonly FlowDefinition[],
  groupsOf: (siteId: string) => readonly string[],
): DeadlineOf {
  return (from: EventTypeName, to: EventTypeName, siteId: string) => {
    for (const f of flows)
      for (let i = 1; i < f.steps.length; i++)
        if (f.steps[i - 1]!.eventType === from && f.steps[i]!.eventType === to)
          return stepWithinMs(f.steps[i]!, groupsOf(siteId));
    return undefined;
  };
}

/** One flow over all sites, from the scorecards of the run. */
export interface FlowLine {
  started: number;
  completedOnTime: number;
  completedLate: number;
  /** Started and neither completed nor expired yet (late ones among them: `overdue`). */
  open: number;
  /** Of `open`, instances past a deadline with the step still missing (the tracker's summary), when known. */
  overdue: number | null;
  incomplete: number;
  /** completed / (completed + incomplete); null when neither happened. */
  completionRate: number | null;
  alerts: number;
  outOfOrder: number;
  duplicates: number;
}

/** The site with the lowest conformance, and why. */
export interface WorstSite {
  siteId: string;
  conformance: number;
  accepted: number;
  rejected: number;
  /** Its most frequent rejection (code and, for a data rule, its name). */
  topRejection: { code: string; rule?: string; count: number } | null;
  deprecatedShare: number | null;
  /** Its flow instances completed / (completed + incomplete), all flows; null when none ended. */
  flowCompletion: number | null;
  /** Its instances completed on time / ended (the conformance factor). */
  onTimeRate: number | null;
}

/** Per flow, summed over the sites' scorecards (every configured flow has a line). */
export function flowLines(
  cards: readonly SiteScorecard[],
  flowNames: readonly string[],
  overdue: Readonly<Record<string, number>> = {},
): Record<string, FlowLine> {
  const out: Record<string, FlowLine> = {};
  const line = (flow: string): FlowLine =>
    (out[flow] ??= {
      started: 0,
      completedOnTime: 0,
      completedLate: 0,
      open: 0,
      overdue: overdue[flow] ?? null,
      incomplete: 0,
      completionRate: null,
      alerts: 0,
      outOfOrder: 0,
      duplicates: 0,
    });
  for (const f of flowNames) line(f);
  for (const c of cards)
    for (const f of c.flows) {
      const l = line(f.flow);
      l.started += f.started;
      l.completedOnTime += f.completedOnTime;
      l.completedLate += f.completed - f.completedOnTime;
      l.incomplete += f.incomplete;
      l.alerts += f.alerts;
      l.outOfOrder += f.outOfOrder;
      l.duplicates += f.duplicates;
    }
  for (const l of Object.values(out)) {
    const completed = l.completedOnTime + l.completedLate;
    l.open = Math.max(0, l.started - completed - l.incomplete);
    l.completionRate = completed + l.incomplete > 0 ? completed / (completed + l.incomplete) : null;
  }
  return out;
}

/** The site with the lowest conformance (ties: the first by site id); null without scorecards. */
export function worstSite(cards: readonly SiteScorecard[]): WorstSite | null {
  let worst: SiteScorecard | undefined;
  for (const c of [...cards].sort((a, b) => a.siteId.localeCompare(b.siteId)))
    if (!worst || c.conformance < worst.conformance) worst = c;
  if (!worst) return null;
  const top = [...worst.rejectedBy].sort((a, b) => b.count - a.count)[0];
  let completed = 0;
  let onTime = 0;
  let incomplete = 0;
  for (const f of worst.flows) {
    completed += f.completed;
    onTime += f.completedOnTime;
    incomplete += f.incomplete;
  }
  const ended = completed + incomplete;
  return {
    siteId: worst.siteId,
    conformance: worst.conformance,
    accepted: worst.accepted,
    rejected: worst.rejected,
    topRejection: top ? { code: top.code, ...(top.rule ? { rule: top.rule } : {}), count: top.count } : null,
    deprecatedShare: worst.deprecatedShare,
    flowCompletion: ended > 0 ? completed / ended : null,
    onTimeRate: ended > 0 ? onTime / ended : null,
  };
}

const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v * 1000) / 10}%`);

/** Why a site is the worst, in words: its weakest factors of conformance. */
export function worstSiteLine(w: WorstSite): string {
  const why = [
    `accepted ${w.accepted}, rejected ${w.rejected}${w.topRejection ? ` (most: ${w.topRejection.code}${w.topRejection.rule ? ` rule ${w.topRejection.rule}` : ''} ×${w.topRejection.count})` : ''}`,
    `deprecated ${pct(w.deprecatedShare)}`,
    `flows completed ${pct(w.flowCompletion)}, on time ${pct(w.onTimeRate)}`,
  ];
  return `${w.siteId}: conformance ${w.conformance.toFixed(3)} — ${why.join('; ')}`;
}

export { pct as percent };
