/**
 * The end-to-end arm's figures as text (its stdout) and as the Markdown tables of
 * docs/benchmarks.md (written by `npm run bench`). Pure; unit-tested in
 * test/unit/bench/e2e/report.test.ts.
 */
import type { E2EPhase, E2EResult } from './result';

const f = (x: number | null | undefined) => (x === null || x === undefined ? '—' : String(x));

function loadName(p: E2EPhase, r: E2EResult): string {
  if (p.kind === 'closed')
    return `maximum (closed loop, ${r.settings.window} in flight, ${r.settings.closedConnections ?? '?'} connections)`;
  if (p.label === 'half max') return `half the maximum, ${f(p.rate)}/s`;
  return `${f(p.rate)}/s`;
}

/** Phases worth a row: every measured one (not the warm-up). */
const measured = (r: E2EResult) => r.phases.filter((p) => p.label !== 'warm-up');

/** The phase the breakdown is shown for: the goal's rate, else the busiest open loop. */
export function breakdownPhase(r: E2EResult): E2EPhase | undefined {
  const open = measured(r).filter((p) => p.kind === 'open');
  return open.find((p) => p.rate === r.goal.rate) ?? open.sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0))[0];
}

export function goalLine(r: E2EResult): string {
  const p99 = r.goal.measuredP99Ms;
  return `Goal p99 ≤ ${r.goal.p99Ms} ms at ${r.goal.rate} events/s: ${
    p99 === null ? 'not measured' : `**${r.goal.met ? 'met' : 'not met'}** (p99 ${p99} ms)`
  }.`;
}

export function e2eMarkdown(r: E2EResult): string {
  const rows = measured(r).map((p) => {
    const l = p.latencyMs;
    const a = p.accounting;
    return `| ${loadName(p, r)} | ${p.sent} | ${p.deliveredPerSec} | ${l.p50} | ${l.p99} | ${l.p999} | ${l.max} | ${a.lost} | ${a.doubled} |`;
  });
  const out = [
    '| load | events | delivered/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | doubled |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    goalLine(r),
  ];
  const b = breakdownPhase(r);
  if (b) {
    out.push(
      '',
      `Where the time goes at ${f(b.rate)}/s (ms; segments from the hub's own stamps, see below; the last column is the mean over the slowest 1% of events, end to end ≥ ${b.breakdown.tail.threshold} ms):`,
      '',
      '| segment | p50 | p99 | p99.9 | slowest 1%: mean |',
      '|---|---|---|---|---|',
      ...b.breakdown.segments.map(
        (s) => `| ${s.label} | ${s.p50} | ${s.p99} | ${s.p999} | ${f(b.breakdown.tail.meanMs[s.id])} |`,
      ),
    );
    if (b.hub) out.push('', hubLine(b));
  }
  return out.join('\n');
}

/** The hub's own metrics over a phase, in one sentence. */
export function hubLine(p: E2EPhase): string {
  const h = p.hub;
  if (!h) return '';
  return (
    `The hub's metrics over the ${f(p.rate)}/s phase: ${h.routerBatches} router batches, ${f(h.routerBatchMeanMs)} ms mean from fetch to commit ` +
    `(transaction included), ${h.transactions} transactions (${f(h.eventsPerTransaction)} events each), ` +
    `${h.deliveries} POSTs of ${f(h.postMeanMs)} ms mean.`
  );
}

export function e2eText(r: E2EResult): string {
  const lines = [
    `end to end (${r.command}), ${r.machine}: maximum ${r.maxPerSec} events/s delivered`,
    ...measured(r).map((p) => {
      const l = p.latencyMs;
      const a = p.accounting;
      return `  ${loadName(p, r).padEnd(44)} p50 ${l.p50} ms  p99 ${l.p99} ms  p99.9 ${l.p999} ms  max ${l.max} ms  lost ${a.lost}  doubled ${a.doubled}`;
    }),
    `  ${goalLine(r).replace(/\*\*/g, '')}`,
  ];
  const b = breakdownPhase(r);
  if (b) {
    lines.push(`  breakdown at ${f(b.rate)}/s (p50 / p99 / slowest 1% mean, ms):`);
    for (const s of b.breakdown.segments)
      lines.push(`    ${s.label.padEnd(72)} ${s.p50} / ${s.p99} / ${f(b.breakdown.tail.meanMs[s.id])}`);
    if (b.hub) lines.push(`  ${hubLine(b)}`);
  }
  lines.push(r.valid ? '  every event arrived exactly once' : `  PROBLEMS: ${r.problems.join('; ')}`);
  return lines.join('\n');
}
