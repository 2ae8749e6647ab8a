import type { SiteTally } from './ledger';
import type { MetricsSnapshot } from './metrics';

/**
 * The demo's live view, rendered from two metric snapshots (rates are their difference) and the
 * sites' own tallies. Pure: demo/run.ts redraws it in place on a terminal, or prints
 * `renderLine` every few seconds when stdout is not one.
 */
export interface ViewInput {
  runId: string;
  seed: number;
  rate: number;
  elapsedS: number;
  durationS?: number;
  prev: MetricsSnapshot;
  cur: MetricsSnapshot;
  sites: ReadonlyArray<{ id: string; kind: string }>;
  subscribers: readonly string[];
  tallies: ReadonlyMap<string, SiteTally>;
  logFile: string;
  /** Lines at the bottom (what to try meanwhile). */
  hints: readonly string[];
  /** Each subscriber's consumer lag (its /status entry), when known. */
  lagBySub?: Readonly<Record<string, number | undefined>>;
  /** 'settling': the sites have stopped and deliveries finish. @defaultValue 'running' */
  phase?: 'running' | 'settling';
}

const BREAKER = ['closed', 'half-open', 'OPEN'];

function perSecond(cur: Record<string, number>, prev: Record<string, number>, k: string, dt: number): string {
  const v = dt > 0 ? ((cur[k] ?? 0) - (prev[k] ?? 0)) / dt : 0;
  return v.toFixed(1);
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function codes(r: Record<string, number>): string {
  const e = Object.entries(r).filter(([, n]) => n > 0);
  return e.length ? e.map(([c, n]) => `${c} ${n}`).join(', ') : 'none';
}

export function renderView(v: ViewInput): string[] {
  const dt = (v.cur.at - v.prev.at) / 1000;
  const row = (cells: Array<string | number>, widths: number[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(' ');
  const sw = [24, 5, 7, 7, 9, 8];
  const lines = [
    v.phase === 'settling'
      ? `crossdock demo  run ${v.runId}  seed ${v.seed}  sites stopped at ${clock(v.durationS ?? v.elapsedS)}: settling (Ctrl-C: skip)`
      : `crossdock demo  run ${v.runId}  seed ${v.seed}  ${v.rate} events/s  ${clock(v.elapsedS)}${v.durationS ? ` / ${clock(v.durationS)}` : ''}  (Ctrl-C: stop, settle, summary)`,
    '',
    row(['site', 'kind', 'sent', 'in/s', 'accepted', 'refused'], sw),
  ];
  for (const s of v.sites) {
    const t = v.tallies.get(s.id);
    lines.push(
      row(
        [
          s.id,
          s.kind,
          t?.sent ?? 0,
          perSecond(v.cur.inBySite, v.prev.inBySite, s.id, dt),
          v.cur.inBySite[s.id] ?? 0,
          t ? sum(t.refused) : 0,
        ],
        sw,
      ),
    );
  }
  const bw = [24, 6, 10, 6, 9, 6, 10];
  lines.push('', row(['subscriber', 'out/s', 'delivered', 'lag', 'in retry', 'dead', 'breaker'], bw));
  for (const sub of v.subscribers)
    lines.push(
      row(
        [
          sub,
          perSecond(v.cur.deliveredBySub, v.prev.deliveredBySub, sub, dt),
          v.cur.deliveredBySub[sub] ?? 0,
          v.lagBySub?.[sub] ?? '-',
          v.cur.inRetryBySub[sub] ?? 0,
          v.cur.deadBySub[sub] ?? 0,
          BREAKER[v.cur.breakerBySub[sub] ?? 0] ?? '?',
        ],
        bw,
      ),
    );
  lines.push(
    '',
    `router lag ${v.cur.lag}   duplicates dropped ${v.cur.duplicates}   router dead letters ${v.cur.deadBySub.router ?? 0}`,
    `dead-lettered by code: ${codes(v.cur.deadByCode)}`,
    ...(hasFlows(v.cur) ? [flowsLine(v.cur)] : []),
    `log lines (pino, kafkajs): ${v.logFile}`,
    ...v.hints,
  );
  return lines;
}

function hasFlows(m: MetricsSnapshot): boolean {
  return m.trackerLag !== null || Object.keys(m.flowStarted).length > 0;
}

/** The flow tracker's figures: instances started, completed, open (overdue), alerts, its lag. */
export function flowsLine(m: MetricsSnapshot): string {
  return `flows: started ${sum(m.flowStarted)}, completed ${sum(m.flowCompleted)}, open ${sum(m.flowOpen)} (overdue ${sum(m.flowOverdue)}), alerts ${codes(m.alertsByKind)}, tracker lag ${m.trackerLag ?? '-'}`;
}

/** One plain line, for a stdout that is not a terminal. */
export function renderLine(v: ViewInput): string {
  const dt = (v.cur.at - v.prev.at) / 1000;
  const rate = (cur: Record<string, number>, prev: Record<string, number>) =>
    (dt > 0 ? (sum(cur) - sum(prev)) / dt : 0).toFixed(1);
  const open = v.subscribers.filter((s) => (v.cur.breakerBySub[s] ?? 0) > 0);
  return [
    `[${clock(v.elapsedS)}]`,
    `in ${rate(v.cur.inBySite, v.prev.inBySite)}/s (${sum(v.cur.inBySite)})`,
    `out ${rate(v.cur.deliveredBySub, v.prev.deliveredBySub)}/s (${sum(v.cur.deliveredBySub)})`,
    `lag ${v.cur.lag}${v.lagBySub ? `+${Object.values(v.lagBySub).reduce<number>((a, b) => a + (b ?? 0), 0)}` : ''}`,
    `in retry ${sum(v.cur.inRetryBySub)}`,
    `dead ${sum(v.cur.deadBySub)} (${codes(v.cur.deadByCode)})`,
    `breakers ${open.length ? open.map((s) => `${s} ${BREAKER[v.cur.breakerBySub[s]!]}`).join(', ') : 'closed'}`,
    ...(hasFlows(v.cur) ? [flowsLine(v.cur)] : []),
  ].join('  ');
}
