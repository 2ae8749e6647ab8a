import { parseArgs } from 'node:util';
import { ARM_NAMES, type ArmName } from './arms';

/** Options of `npm run bench -- …` (bench/all/run.ts). */
export interface BenchOptions {
  quick: boolean;
  json: boolean;
  only: ArmName[];
  write: boolean;
  help: boolean;
}

export const BENCH_HELP = `Usage: npm run bench -- [options]

Runs the benchmarks one after the other, each in its own process against the shared local stack
(router, delivery, ingest, the end-to-end arm, and the CLI start-up arm when bench/cli/startup.ts
exists), checks that every arm saw every event exactly once, writes every arm's figures to
bench/results/<YYYY-MM-DD>.json and rewrites the generated section of docs/benchmarks.md from them.
Run it alone on the machine (other work moves the figures): flock /tmp/crossdock-it.lock npm run bench -- --quick

Options:
  --quick          reduced sizes per arm (finishes within about five minutes on 2 cores)
  --only <list>    only these arms, comma-separated: ${ARM_NAMES.join(', ')}
  --no-write       print only: no results file, docs untouched
  --json           print the run's document as JSON on stdout (instead of the text summary)
  --help           this text

Progress goes to stderr (each arm's own lines, prefixed with its name). Exit code: 0 every arm ran
and nothing was lost or doubled, 1 an arm failed or a check did not hold, 2 usage error, 3 no arm
could run.`;

export class BenchUsageError extends Error {}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        only: { type: 'string' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BenchUsageError(err instanceof Error ? err.message : String(err));
  }
  let only = [...ARM_NAMES];
  if (typeof values.only === 'string') {
    const asked = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const a of asked)
      if (!(ARM_NAMES as readonly string[]).includes(a))
        throw new BenchUsageError(`--only: unknown arm "${a}" (arms: ${ARM_NAMES.join(', ')})`);
    if (!asked.length) throw new BenchUsageError('--only needs at least one arm');
    only = ARM_NAMES.filter((a) => asked.includes(a));
  }
  return {
    quick: Boolean(values.quick),
    json: Boolean(values.json),
    only,
    write: !values['no-write'],
    help: Boolean(values.help),
  };
}
