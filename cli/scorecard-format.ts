import type { SiteScorecard } from '../flows';
import { duration, table, when } from './table';

/**
 * The human output of `crossdock sites scorecard` (with --json the scorecards print as the reader
 * gives them): one line per site, worst conformance first, or one site in detail.
 */

/** A share as `87.5%`; `-` when there is none. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share)
    ? '-'
    : `${(share * 100).toFixed(1)}%`;
}

/** A latency or deadline in ms as `3h 5m`; `-` when there is none. */
function ms(value: number | null): string {
  return value === null ? '-' : duration(value);
}

function age(lastEventAt: number | null, now: number): string {
  return lastEventAt === null ? 'never' : `${duration(now - lastEventAt)} ago`;
}

function period(cards: readonly SiteScorecard[]): string {
  const c = cards[0];
  return c ? `${when(c.from)} to ${when(c.to)} (whole UTC hours)` : '';
}

const siteName = (c: SiteScorecard) => (c.configured === false ? `${c.siteId} (not configured)` : c.siteId);

/** One line per site: conformance, accepted, rejected, deprecated share, completion per flow, last event, variant. */
export function formatScorecards(cards: readonly SiteScorecard[], now: number): string {
  if (cards.length === 0) return 'no sites: none is configured and the hub holds no figures';
  const flows = [...new Set(cards.flatMap((c) => c.flows.map((f) => f.flow)))];
  const rows = cards.map((c) => [
    siteName(c),
    percent(c.conformance),
    String(c.accepted),
    String(c.rejected),
    percent(c.deprecatedShare),
    ...flows.map((name) => percent(c.flows.find((f) => f.flow === name)?.completionRate)),
    age(c.lastEventAt, now),
    c.mappingVariant,
  ]);
  return [
    `Site scorecards, ${period(cards)}, worst conformance first`,
    '',
    table(
      [
        'SITE',
        'CONFORMANCE',
        'ACCEPTED',
        'REJECTED',
        'DEPRECATED',
        ...flows.map((f) => `${f.toUpperCase()} DONE`),
        'LAST EVENT',
        'VARIANT',
      ],
      rows,
    ),
    '',
    'conformance = accepted share × (1 − deprecated share) × on-time flow share; DONE = completed / (completed + incomplete)',
  ].join('\n');
}

/** One site: its figures, rejections by code and rule, versions, flows and their steps against the deadlines. */
export function formatScorecard(c: SiteScorecard, now: number): string {
  const out: string[] = [
    `Site ${siteName(c)}, ${period([c])}`,
    `mapping variant   ${c.mappingVariant}`,
    `conformance       ${percent(c.conformance)}`,
    `accepted          ${c.accepted}`,
    `rejected          ${c.rejected}`,
    `duplicates        ${c.duplicates}`,
    `deprecated        ${c.deprecated} (${percent(c.deprecatedShare)} of accepted)`,
    `last event        ${c.lastEventAt === null ? 'never' : `${when(c.lastEventAt)} (${age(c.lastEventAt, now)})`}`,
    '',
    'Rejections',
    c.rejectedBy.length
      ? table(
          ['CODE', 'RULE', 'COUNT'],
          c.rejectedBy.map((r) => [r.code, r.rule ?? '-', String(r.count)]),
        )
      : '  none',
    '',
    'Versions accepted',
    c.versions.length
      ? table(
          ['EVENT TYPE', 'VERSION', 'DEPRECATED', 'COUNT'],
          c.versions.map((v) => [
            v.eventType,
            String(v.version),
            v.deprecated ? 'yes' : 'no',
            String(v.count),
          ]),
        )
      : '  none',
  ];
  for (const f of c.flows) {
    out.push(
      '',
      `Flow ${f.flow}: started ${f.started}, completed ${f.completed} (${f.completedOnTime} on time), incomplete ${f.incomplete}, completion ${percent(f.completionRate)}, out of order ${f.outOfOrder}, duplicates ${f.duplicates}, alerts ${f.alerts}`,
      table(
        ['STEP', 'ARRIVED', 'ON TIME', 'P50', 'P95', 'DEADLINE'],
        f.steps.map((s) => [
          `${s.stepIndex} ${s.step}`,
          String(s.arrived),
          String(s.onTime),
          ms(s.p50Ms),
          ms(s.p95Ms),
          s.stepIndex === 0 ? '-' : duration(s.withinMs),
        ]),
      ),
    );
  }
  if (c.flows.length === 0) out.push('', 'No flows are configured.');
  return out.join('\n');
}
