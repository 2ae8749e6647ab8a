/**
 * The human output of `crossdock dlq …` (with --json the commands print the API's JSON instead).
 */
import type {
  DeadLetterGroup,
  DeadLetterPage,
  QueueSummary,
  ReplayJob,
  ReplayPrediction,
  ShownDeadLetter,
  WorkItem,
  WorkResult,
} from '../dlq';
import { duration, table, when } from './table';

const dash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));

export function formatPage(page: DeadLetterPage): string {
  if (page.items.length === 0)
    return page.total ? `no dead letters on this page (${page.total} match)` : 'no dead letters match';
  const rows = page.items.map((r) => [
    r.id,
    r.state,
    r.code,
    dash(r.subscriber),
    dash(r.site),
    dash(r.eventType),
    when(r.lastFailedAt),
    dash(r.owner),
  ]);
  return [
    table(['ID', 'STATE', 'CODE', 'SUBSCRIBER', 'SITE', 'TYPE', 'LAST FAILURE', 'OWNER'], rows),
    `${page.items.length} of ${page.total}${page.next ? ` (next page: --cursor ${page.next})` : ''}`,
  ].join('\n');
}

export function formatGroups(groups: DeadLetterGroup[]): string {
  if (groups.length === 0) return 'no dead letters';
  const rows = groups.map((g) => [
    String(g.count),
    String(g.open),
    g.code,
    dash(g.site),
    dash(g.subscriber),
    dash(g.schemaVersion),
    dash(g.eventType),
    when(g.firstSeen),
    when(g.lastSeen),
    g.group,
  ]);
  return [
    table(['COUNT', 'OPEN', 'CODE', 'SITE', 'SUBSCRIBER', 'VERSION', 'TYPE', 'FIRST', 'LAST', 'GROUP'], rows),
    `${groups.length} group(s), ${groups.reduce((n, g) => n + g.count, 0)} dead letters (list one: crossdock dlq list --group <GROUP>)`,
  ].join('\n');
}

export function formatQueue(items: WorkItem[], summary: QueueSummary, now: number): string {
  const head = `open ${summary.open}, overdue ${summary.overdue}${summary.oldestOpenAt !== undefined ? `, oldest failed ${duration(now - summary.oldestOpenAt)} ago` : ''}`;
  const depth = summary.depth.length
    ? `depth: ${summary.depth.map((d) => `${d.subscriber}/${d.code} ${d.open}`).join(', ')}`
    : '';
  if (items.length === 0) return [head, depth, 'nothing open'].filter(Boolean).join('\n');
  const rows = items.map((i) => [
    `${when(i.dueAt)}${i.overdue ? ` (overdue ${duration(now - i.dueAt)})` : ''}`,
    i.id,
    i.state,
    dash(i.owner),
    i.code,
    dash(i.subscriber),
    dash(i.eventType),
  ]);
  return [table(['DUE', 'ID', 'STATE', 'OWNER', 'CODE', 'SUBSCRIBER', 'TYPE'], rows), head, depth]
    .filter(Boolean)
    .join('\n');
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function formatShown(s: ShownDeadLetter): string {
  const r = s.record;
  const h = s.history;
  const lines = [
    `dead letter ${r.id} (${r.kind})  state ${r.state}${r.owner ? `  owner ${r.owner}` : ''}${r.dueAt !== undefined ? `  due ${when(r.dueAt)}` : ''}`,
    `reason     ${s.reason.code} at ${s.reason.stage}: ${s.reason.message}`,
    `event      ${dash(r.eventType)}${r.schemaVersion !== undefined ? ` v${r.schemaVersion}` : ''}  eventId ${dash(r.eventId)}  correlationId ${dash(r.correlationId)}`,
    `from       site ${dash(r.site)}${r.subscriber ? `  subscriber ${r.subscriber}` : ''}  read at ${r.original.topic}:${r.original.partition}:${r.original.offset}`,
    `attempts   ${h.attempts}: first failed ${when(h.firstFailedAt)}, last ${when(h.lastFailedAt)}${h.lastStatus ? `, last status ${h.lastStatus}` : ''}${h.lastError ? `, last error ${h.lastError}` : ''}`,
    `replays    ${h.replayCount}${h.replayOf ? ` (a failed replay of ${h.replayOf})` : ''}${h.replays.length ? `, jobs ${h.replays.join(', ')}` : ''}`,
    `group      ${r.group}`,
    `key        ${s.key ?? '(none)'}`,
    ...(h.notes.length ? ['notes', ...h.notes.map((n) => `  ${when(n.at)} ${n.by}: ${n.text}`)] : []),
    'headers',
    ...Object.entries(s.headers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `  ${k}: ${v}`),
  ];
  const e = s.event;
  if (e.decoded) {
    const what = `${dash(e.eventType ?? e.subject)}${e.version !== undefined ? ` v${e.version}` : ''}, schema id ${e.schemaId}`;
    if (e.masked === 'withheld')
      lines.push(
        `value      ${what}: withheld (its type is not in the catalog, so its personal fields are unknown; an admin sees it)`,
      );
    else
      lines.push(
        `value      ${what}${e.masked === 'personal-fields' ? ` (personal fields masked: ${(e.personalFields ?? []).join(', ') || 'none'})` : ''}`,
        indent(JSON.stringify(e.value, null, 2)),
      );
  } else
    lines.push(
      `value      does not decode (${e.code}): ${e.reason}`,
      `  ${e.bytes} bytes${e.masked === 'bytes' ? ', shown: the framing only (an admin sees every byte)' : ''}`,
      indent(e.hex.replace(/(.{64})/g, '$1\n').trimEnd()),
    );
  return lines.join('\n');
}

const PAST: Record<WorkResult['op'], string> = {
  claim: 'claimed',
  assign: 'assigned',
  note: 'noted',
  resolve: 'resolved',
  discard: 'discarded',
};

export function formatWork(w: WorkResult): string {
  const refused = w.items.filter((i): i is Extract<typeof i, { ok: false }> => !i.ok);
  return [
    `${PAST[w.op]} ${w.applied} of ${w.selected}${refused.length ? `; refused ${refused.length}:` : ''}`,
    ...refused.map((i) => `  ${i.id}: ${i.code}: ${i.message}`),
  ].join('\n');
}

const OUTCOME: Record<ReplayPrediction['outcome'], string> = {
  deliver: 'would deliver to',
  route: 'would route to',
  unrouted: 'would pass the router, no route selects it',
  skip: 'would change nothing (already done)',
  fail: 'would fail again',
  refused: 'would not be sent',
};

export function formatPredictions(predictions: ReplayPrediction[], outcomes: Record<string, number>): string {
  if (predictions.length === 0) return 'the selector names no dead letters';
  const rows = predictions.map((p) => [
    p.id,
    dash(p.eventId),
    p.outcome,
    p.subscribers.length
      ? `${OUTCOME[p.outcome]} ${p.subscribers.map((s) => (p.routes?.[s] ? `${s} (route ${p.routes[s]})` : s)).join(', ')}`
      : `${OUTCOME[p.outcome]}${p.code ? `: ${p.code}` : ''}${p.message ? ` ${p.message}` : ''}`,
  ]);
  const counts = Object.entries(outcomes)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    table(['ID', 'EVENT ID', 'OUTCOME', 'WHAT WOULD HAPPEN'], rows),
    `dry run, nothing sent: ${counts}`,
  ].join('\n');
}

export function formatJobs(jobs: ReplayJob[]): string {
  if (jobs.length === 0) return 'no replay jobs';
  const { describeSelector } = require('../dlq') as typeof import('../dlq');
  const rows = jobs.map((j) => [
    j.id,
    j.state,
    `${j.done}/${j.total}`,
    String(j.sent),
    String(j.skipped),
    String(j.refused),
    `${j.ratePerSecond}/s`,
    j.createdBy,
    when(j.createdAt),
    describeSelector(j.selector),
  ]);
  return table(
    ['JOB', 'STATE', 'DONE', 'SENT', 'SKIPPED', 'REFUSED', 'RATE', 'BY', 'CREATED', 'SELECTOR'],
    rows,
  );
}

export function formatJob(j: ReplayJob): string {
  return `job ${j.id} ${j.state}: ${j.done} of ${j.total} handled (sent ${j.sent}, skipped ${j.skipped}, refused ${j.refused}) at ${j.ratePerSecond}/s, by ${j.createdBy} ${when(j.createdAt)}${j.error ? `; error: ${j.error}` : ''}`;
}
