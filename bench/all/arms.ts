/**
 * The arms `npm run bench` runs, one after the other, each in its own process with the sizes of a
 * full or a quick run. Each arm writes its figures to the file named by CD_BENCH_RESULTS_FILE
 * (or --out for the end-to-end arm) and leaves its own results file and docs section alone.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export type ArmName = 'router' | 'delivery' | 'ingest' | 'e2e' | 'cli';
export const ARM_NAMES: readonly ArmName[] = ['router', 'delivery', 'ingest', 'e2e', 'cli'];

export interface ArmPlan {
  name: ArmName;
  /** What it measures, for the progress lines. */
  what: string;
  /** Script under ROOT, run with tsx. */
  script: string;
  args: string[];
  env: Record<string, string>;
  /** The command a user would type for the same sizes (recorded with the figures). */
  command: string;
  /** Killed after this long (a hung arm must not hold the whole run). */
  timeoutMs: number;
}

/** The CLI start-up arm exists once bench/cli/startup.ts is on this branch (another part of issue 15). */
export function cliArmAvailable(root = ROOT): boolean {
  return fs.existsSync(path.join(root, 'bench/cli/startup.ts'));
}

export function planArm(name: ArmName, quick: boolean, resultsFile: string): ArmPlan {
  const envCommand = (env: Record<string, string>, script: string) =>
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} npm run ${script}`.trim();
  switch (name) {
    case 'router': {
      const args = quick
        ? ['--events', '10000', '--warmup', '2000', '--reps', '1', '--concurrency', '3']
        : ['--events', '60000', '--warmup', '10000', '--reps', '5', '--concurrency', '3'];
      return {
        name,
        what: 'router H / the faster B1 (kafkajs, librdkafka) at fan-out 1 and 3 (drain, exactly once checked)',
        script: 'bench/router/run.ts',
        args,
        env: { CD_BENCH_RESULTS_FILE: resultsFile },
        command: `npm run bench:router -- ${args.join(' ')}`,
        timeoutMs: (quick ? 4 : 60) * 60000,
      };
    }
    case 'delivery': {
      const env: Record<string, string> = quick
        ? { BENCH_EVENTS: '4000', BENCH_REPS: '1', BENCH_OPEN_SECONDS: '3' }
        : { BENCH_EVENTS: '20000', BENCH_REPS: '5' };
      return {
        name,
        what: 'delivery: HTTP sink connector / raw undici loop, ceiling C, open loop',
        script: 'bench/delivery/run.ts',
        args: [],
        env: { ...env, CD_BENCH_RESULTS_FILE: resultsFile },
        command: envCommand(env, 'bench:delivery'),
        timeoutMs: (quick ? 4 : 40) * 60000,
      };
    }
    case 'ingest': {
      const env = quick
        ? { BENCH_REPS: '1', BENCH_SECONDS: '3', BENCH_CONNECTIONS: '64', BENCH_BATCH: '50' }
        : { BENCH_REPS: '5', BENCH_SECONDS: '8', BENCH_CONNECTIONS: '64', BENCH_BATCH: '50' };
      return {
        name,
        what: 'ingest: single / bare route, ceiling, batched / raw producer',
        script: 'bench/ingest/run.ts',
        args: [],
        env: { ...env, CD_BENCH_RESULTS_FILE: resultsFile },
        command: envCommand(env, 'bench:ingest'),
        timeoutMs: (quick ? 4 : 30) * 60000,
      };
    }
    case 'e2e': {
      const args = quick ? ['--quick'] : [];
      return {
        name,
        what: 'end to end: signed HTTP ingest → hub → webhook, open loop',
        script: 'bench/e2e/run.ts',
        args: [...args, '--json', '--out', resultsFile],
        env: {},
        command: `npm run bench:e2e${quick ? ' -- --quick' : ''}`,
        timeoutMs: (quick ? 5 : 20) * 60000,
      };
    }
    case 'cli':
      // bench/cli/startup.ts prints its result as JSON with --json; CD_BENCH_NO_WRITE keeps its own
      // results file and docs section as they are.
      return {
        name,
        what: 'CLI start-up: crossdock --help and --version / node -e 0',
        script: 'bench/cli/startup.ts',
        args: quick ? ['--quick', '--json'] : ['--json'],
        env: { CD_BENCH_NO_WRITE: '1' },
        command: `npm run bench:cli${quick ? ' -- --quick' : ''}`,
        timeoutMs: 5 * 60000,
      };
  }
}
