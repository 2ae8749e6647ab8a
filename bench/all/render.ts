/**
 * What `npm run bench` writes: the run's document (bench/results/<date>.json), its section of
 * docs/benchmarks.md (between the bench:begin/bench:end markers, generated from that document
 * only, so the two agree) and its text summary on stdout. Pure; unit-tested in
 * test/unit/bench/all/render.test.ts.
 */
import { e2eMarkdown, e2eText } from '../e2e/report';
import type { E2EResult } from '../e2e/result';
import type { ArmName } from './arms';
import type { Check, Row } from './headline';

export interface ArmOutcome {
  name: ArmName;
  command: string;
  status: 'ok' | 'failed' | 'skipped';
  exitCode: number | null;
  seconds: number;
  /** Why it failed or was skipped. */
  error?: string;
  /** What the arm wrote (its own results document). */
  result?: unknown;
}

export interface BenchRun {
  date: string;
  command: string;
  quick: boolean;
  machine: { cpus: number; model: string; node: string; memGb: number };
  /** 1/5/15-minute load averages when the run started and ended (other work on the machine). */
  loadAverage: { start: number[]; end: number[] };
  seconds: number;
  arms: ArmOutcome[];
  rows: Row[];
  checks: Check[];
  /** Every arm ran and every check held. */
  valid: boolean;
}

export const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
export const END = '<!-- bench:end -->';

/** The results file of a run: bench/results/<YYYY-MM-DD>.json (UTC date). */
export function resultsFileName(dateIso: string): string {
  return `bench/results/${dateIso.slice(0, 10)}.json`;
}

const metText = (m: boolean | undefined) => (m === undefined ? '—' : m ? 'met' : 'not met');
const loads = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');

export function renderSection(run: BenchRun): string {
  const e2e = run.arms.find((a) => a.name === 'e2e' && a.result)?.result as E2EResult | undefined;
  const lines = [
    BEGIN,
    '## All benchmarks in one run (`npm run bench`)',
    '',
    `Measured ${run.date.slice(0, 16).replace('T', ' ')} UTC with \`${run.command}\` (${Math.round(run.seconds)} s in all) on ` +
      `${run.machine.cpus} cores (${run.machine.model}), Node ${run.machine.node}, the shared local stack (Kafka, registry, Redis) ` +
      `on the same machine; load average ${loads(run.loadAverage.start)} at the start, ${loads(run.loadAverage.end)} at the end ` +
      `(1, 5, 15 min). Raw figures: \`${resultsFileName(run.date)}\`.` +
      (run.quick
        ? ' A quick run: every arm at reduced sizes (commands below), so ratios rest on one pair and move more than in the full runs of the sections further down.'
        : ''),
    '',
    '| measure | value (median of pairs, range) | goal | |',
    '|---|---|---|---|',
    ...run.rows.map((r) => `| ${r.measure} | ${r.value} | ${r.goal} | ${metText(r.met)} |`),
    '',
    'Every event once (each arm counts by eventId against what it sent):',
    '',
    '| arm | result | count |',
    '|---|---|---|',
    ...run.checks.map(
      (c) => `| ${c.arm} | ${c.ok === undefined ? '—' : c.ok ? 'ok' : '**FAILED**'} | ${c.detail} |`,
    ),
    '',
  ];
  if (e2e)
    lines.push('### End to end (signed HTTP ingest → hub → webhook), this run', '', e2eMarkdown(e2e), '');
  lines.push(
    'Arms as run (each alone, one after the other):',
    '',
    ...run.arms.map(
      (a) =>
        `- ${a.name}: \`${a.command}\` — ${a.status}${a.status === 'ok' ? `, ${Math.round(a.seconds)} s` : a.error ? ` (${a.error})` : ''}`,
    ),
    END,
  );
  return lines.join('\n');
}

/** The document with its bench section replaced (or, the first time, put before the router's). */
export function replaceSection(doc: string, section: string): string {
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b >= 0 && e > b) return doc.slice(0, b) + section + doc.slice(e + END.length);
  const anchor = doc.indexOf('<!-- router:begin');
  if (anchor >= 0) return `${doc.slice(0, anchor)}${section}\n\n${doc.slice(anchor)}`;
  return `${doc.trimEnd()}\n\n${section}\n`;
}

export function renderText(run: BenchRun): string {
  const w = Math.max(...run.rows.map((r) => r.measure.length), 10);
  const lines = [
    `npm run bench${run.quick ? ' (quick)' : ''}: ${run.date}, ${Math.round(run.seconds)} s, load average ${loads(run.loadAverage.start)} → ${loads(run.loadAverage.end)}`,
    ...run.rows.map(
      (r) =>
        `  ${r.measure.padEnd(w)}  ${r.value.replace(/\*\*/g, '')}  goal ${r.goal}${r.met === undefined ? '' : ` (${metText(r.met)})`}`,
    ),
    'every event once:',
    ...run.checks.map(
      (c) => `  ${c.arm.padEnd(9)} ${c.ok === undefined ? '—' : c.ok ? 'ok' : 'FAILED'}: ${c.detail}`,
    ),
  ];
  const e2e = run.arms.find((a) => a.name === 'e2e' && a.result)?.result as E2EResult | undefined;
  if (e2e) lines.push(e2eText(e2e));
  for (const a of run.arms.filter((x) => x.status !== 'ok'))
    lines.push(`${a.name}: ${a.status}${a.error ? ` (${a.error})` : ''}`);
  lines.push(run.valid ? 'valid run' : 'NOT a valid run (see above)');
  return lines.join('\n');
}
