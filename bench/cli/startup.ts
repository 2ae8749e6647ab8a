/**
 * How long `crossdock --help` and `crossdock --version` take, against `node -e 0` in the same run
 * (issue #15: within 3×). Each repetition runs every arm once, in an order that rotates from one
 * repetition to the next, and each arm's time is divided by the baseline's of the same repetition:
 * the ratios hold while the shared machine's speed drifts. Reported: per arm the median
 * milliseconds, the median ratio with its range, and for --help and --version whether the goal
 * holds. Arms:
 * - `node -e 0`: the baseline (Node starting and stopping);
 * - `--help`, `--version`: as a person types them (bin/fast-path.js answers both without tsx);
 * - `--help, text made again`: the first --help after a change of the CLI (its kept text removed
 *   before each run): tsx and every command's module, no part of the hub;
 * - `dlq --help`: a subcommand's help, which always goes through tsx and builds the CLI.
 *
 *   npx tsx bench/cli/startup.ts [--reps N] [--quick] [--json]      (npm run bench:cli)
 *
 * Writes bench/results/cli-startup.json and the CLI section of docs/benchmarks.md
 * (CD_BENCH_NO_WRITE=1: neither). `runCliStartupBench()` is the same for an aggregator.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/crossdock.js');
export const GOAL_RATIO = 3;

interface Arm {
  name: string;
  args: string[];
  /** Runs before each timed run (not timed). */
  before?: () => void;
  /** The issue's goal applies to it. */
  goal?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CACHE_FILE } = require('../../bin/fast-path.js') as { CACHE_FILE: string };

const BASELINE: Arm = { name: 'node -e 0', args: ['-e', '0'] };
const ARMS: Arm[] = [
  { name: 'crossdock --help', args: [BIN, '--help'], goal: true },
  { name: 'crossdock --version', args: [BIN, '--version'], goal: true },
  {
    name: 'crossdock --help, text made again',
    args: [BIN, '--help'],
    before: () => fs.rmSync(CACHE_FILE, { force: true }),
  },
  { name: 'crossdock dlq --help', args: [BIN, 'dlq', '--help'] },
];

export interface ArmResult {
  arm: string;
  medianMs: number;
  /** This arm's time over the baseline's in the same repetition: median, min, max. */
  ratio: { median: number; min: number; max: number };
  goal?: { ratio: number; met: boolean };
}

export interface CliStartupResult {
  date: string;
  command: string;
  machine: { cpus: number; model: string; node: string };
  reps: number;
  baselineMedianMs: number;
  arms: ArmResult[];
  /** Every timed run: arm name → milliseconds per repetition. */
  samples: Record<string, number[]>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** One process from start to exit, in milliseconds (it must exit 0). */
function timeRun(arm: Arm): number {
  arm.before?.();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, arm.args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${arm.name} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  return ms;
}

/** Medians and pairwise ratios from the samples (each arm's i-th run against the baseline's i-th). */
export function summarize(
  samples: Record<string, number[]>,
  baseline: string,
  goals: ReadonlySet<string>,
): { baselineMedianMs: number; arms: ArmResult[] } {
  const base = samples[baseline]!;
  const arms = Object.entries(samples)
    .filter(([name]) => name !== baseline)
    .map(([arm, ms]): ArmResult => {
      const ratios = ms.map((m, i) => m / base[i]!);
      const r = median(ratios);
      return {
        arm,
        medianMs: round(median(ms), 1),
        ratio: {
          median: round(r, 2),
          min: round(Math.min(...ratios), 2),
          max: round(Math.max(...ratios), 2),
        },
        ...(goals.has(arm) ? { goal: { ratio: GOAL_RATIO, met: r <= GOAL_RATIO } } : {}),
      };
    });
  return { baselineMedianMs: round(median(base), 1), arms };
}

/** Runs the benchmark: `reps` counted repetitions after `warmup`, every arm once per repetition. */
export function measureCliStartup(options: { reps?: number; warmup?: number; command?: string } = {}) {
  const reps = options.reps ?? 15;
  const warmup = options.warmup ?? 2;
  const all = [BASELINE, ...ARMS];
  const samples: Record<string, number[]> = Object.fromEntries(all.map((a) => [a.name, []]));
  for (let rep = 0; rep < warmup + reps; rep++) {
    // Rotate the order so that no arm always runs first (or right after the baseline).
    const order = all.map((_, i) => all[(i + rep) % all.length]!);
    const times = order.map((arm) => [arm.name, timeRun(arm)] as const);
    if (rep >= warmup) for (const [name, ms] of times) samples[name]!.push(ms);
  }
  // Leave the kept help text in place for whoever types --help next.
  timeRun(ARMS[0]!);
  const goals = new Set(ARMS.filter((a) => a.goal).map((a) => a.name));
  const cpu = os.cpus();
  const result: CliStartupResult = {
    date: new Date().toISOString(),
    command: options.command ?? `npm run bench:cli -- --reps ${reps}`,
    machine: { cpus: cpu.length, model: cpu[0]?.model.trim() ?? 'unknown', node: process.version },
    reps,
    ...summarize(samples, BASELINE.name, goals),
    samples: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((x) => round(x, 1))])),
  };
  return result;
}

/** The human report. */
export function cliStartupText(r: CliStartupResult): string {
  const rows = r.arms.map(
    (a) =>
      `  ${a.arm.padEnd(36)} ${String(a.medianMs).padStart(7)} ms  ${a.ratio.median.toFixed(2).padStart(5)}× (${a.ratio.min.toFixed(2)}–${a.ratio.max.toFixed(2)})${a.goal ? `  goal ≤ ${a.goal.ratio}×: ${a.goal.met ? 'met' : 'NOT met'}` : ''}`,
  );
  return [
    `CLI start-up, ${r.reps} pairs, against node -e 0 (${r.baselineMedianMs} ms median) in the same run:`,
    ...rows,
  ].join('\n');
}

const BEGIN = '<!-- cli:begin (written by npm run bench:cli) -->';
const END = '<!-- cli:end -->';

/** docs/benchmarks.md with its CLI section replaced by (or, the first time, appended as) `r`'s. */
export function withCliSection(doc: string, r: CliStartupResult): string {
  const section = [
    BEGIN,
    '## CLI start-up (`crossdock --help`, `--version` vs `node -e 0`)',
    '',
    `\`${r.command}\`, ${r.date.slice(0, 10)}, ${r.machine.cpus} cores (${r.machine.model}), Node ${r.machine.node}: ` +
      `each repetition runs every arm once (rotating order); a ratio is the arm's wall time over the ` +
      `baseline's in the same repetition (median of ${r.reps}, range). Goal (issue 15): --help and ` +
      `--version within ${GOAL_RATIO}× \`node -e 0\`.`,
    '',
    '| arm | median ms | × node -e 0 (median, range) | goal |',
    '|---|---|---|---|',
    `| node -e 0 | ${r.baselineMedianMs} | 1 | — |`,
    ...r.arms.map(
      (a) =>
        `| ${a.arm} | ${a.medianMs} | ${a.ratio.median} (${a.ratio.min}–${a.ratio.max}) | ${a.goal ? `≤ ${a.goal.ratio}: ${a.goal.met ? 'met' : 'not met'}` : '—'} |`,
    ),
    '',
    'Raw runs: `bench/results/cli-startup.json`.',
    END,
  ].join('\n');
  if (doc.includes(BEGIN))
    return doc.slice(0, doc.indexOf(BEGIN)) + section + doc.slice(doc.indexOf(END) + END.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}

/**
 * The benchmark as one call (for `npm run bench` and the like): measures, writes
 * bench/results/cli-startup.json and the docs section unless `write` is false, returns the result.
 */
export async function runCliStartupBench(
  options: { reps?: number; quick?: boolean; write?: boolean } = {},
): Promise<CliStartupResult> {
  const reps = options.reps ?? (options.quick ? 7 : 15);
  const r = measureCliStartup({
    reps,
    command: options.quick ? 'npm run bench:cli -- --quick' : `npm run bench:cli -- --reps ${reps}`,
  });
  if (options.write ?? !process.env.CD_BENCH_NO_WRITE) {
    fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench/results/cli-startup.json'), JSON.stringify(r, null, 2) + '\n');
    const docs = path.join(ROOT, 'docs/benchmarks.md');
    fs.writeFileSync(docs, withCliSection(fs.readFileSync(docs, 'utf8'), r));
  }
  return r;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--reps');
  const reps = i >= 0 ? Number(args[i + 1]) : undefined;
  if (reps !== undefined && !(Number.isInteger(reps) && reps > 0)) {
    process.stderr.write('--reps takes a whole number of repetitions, at least 1\n');
    process.exit(2);
  }
  void runCliStartupBench({ reps, quick: args.includes('--quick') }).then((r) => {
    process.stdout.write(
      args.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : `${cliStartupText(r)}\n`,
    );
  });
}
