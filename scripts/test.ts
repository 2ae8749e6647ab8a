/**
 * `npm test`: the unit project first (jest's own workers), with the local stack starting beside it,
 * then the integration project on two workers against that stack, then the scale project in band.
 * The stack takes about a minute and a half to start but little CPU (its JVMs mostly wait), and
 * the unit tests need none of it, so overlapping the two takes that time off every run that starts
 * from a stopped stack. The integration tests mostly wait (on Kafka, Redis, timers, child
 * processes), so two files at once on the shared stack take 13 minutes where one at a time took
 * about 23 on this project's 2 cores; each file makes its own topic prefix, groups and ports, so
 * two never share state. The scale tests start Redis clusters of their own and stay in band.
 * The router runs on librdkafka by default (docs/adr/0003-kafka-client.md); kafkajs is what it
 * falls back to where the native client cannot be built, so an unfiltered run ends with the
 * router's integration tests once more on kafkajs (CROSSDOCK_KAFKA_AUTO_ROUTER=kafkajs, ~2.5 min).
 *
 * Contract:
 * - Arguments after `npm test --` go to every jest run. With `--selectProjects`, `--projects`,
 *   `--watch` or `--watchAll` there is one run, `jest --runInBand <args>`, as before this script.
 * - `--outputFile F` (with `--json`) writes one results file: both runs' results merged
 *   (`mergeResults`), so .ci/run reads one set of figures. A run that ends without writing its
 *   file (a crash, a failed global setup) counts as a failed suite in it, and a run in which no
 *   test at all ran fails, as jest alone would.
 * - The stack is started early only when no test path filter is given (a filtered run may need
 *   no stack); the integration project's global setup then finds it up (or starts it itself, and
 *   reports why it could not). Nothing is stopped: .ci/run stops what its run started.
 * - After each run but the unit one, a stack part that was up when it began and is down after it
 *   is named with the end of its log (scripts/stack-watch.ts): CI keeps no stack logs.
 * - Exit code: 0 only when every run passed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportDied, stackStatus } from './stack-watch';

export interface JestRun {
  /** Extra arguments of this run, before the user's. */
  args: string[];
  /** The results file this run writes, when the user asked for one. */
  outputFile?: string;
  /** Environment this run adds. */
  env?: Record<string, string>;
}

export interface TestPlan {
  runs: JestRun[];
  /** Where the merged results go (the user's --outputFile). */
  outputFile?: string;
  /** Start the stack beside the first run. */
  startStackEarly: boolean;
  /** The user's arguments without --outputFile. */
  userArgs: string[];
}

/** Integration test files run at once against the one shared stack (see above). */
export const INTEGRATION_WORKERS = 2;

const SINGLE_RUN_FLAGS = ['--selectProjects', '--projects', '--watch', '--watchAll'];
const FILTER_FLAGS = [
  '--testPathPatterns',
  '--testPathPattern',
  '--testNamePattern',
  '-t',
  '--findRelatedTests',
];

function hasFlag(args: readonly string[], flags: readonly string[]): boolean {
  return args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
}

/** Splits `npm test -- <args>` into jest runs. */
export function planTests(argv: readonly string[]): TestPlan {
  const userArgs: string[] = [];
  let outputFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--outputFile') outputFile = argv[++i];
    else if (a.startsWith('--outputFile=')) outputFile = a.slice('--outputFile='.length);
    else userArgs.push(a);
  }
  // A positional argument is a path filter too.
  const positional = userArgs.some((a) => !a.startsWith('-'));
  if (hasFlag(userArgs, SINGLE_RUN_FLAGS)) {
    return { runs: [{ args: ['--runInBand'], outputFile }], startStackEarly: false, userArgs };
  }
  // Each run writes its results (beside the user's file, or in the temporary folder), so that a
  // filter matching one project's files only is not a failure of the other run (--passWithNoTests),
  // while the merged results still fail when no test ran at all.
  const part = (name: string) =>
    `${outputFile ?? path.join(os.tmpdir(), `crossdock-test-${process.pid}`)}.${name}.json`;
  const each = ['--json', '--passWithNoTests'];
  const filtered = positional || hasFlag(userArgs, FILTER_FLAGS);
  return {
    runs: [
      { args: ['--selectProjects', 'unit', ...each], outputFile: part('unit') },
      {
        args: ['--selectProjects', 'integration', `--maxWorkers=${INTEGRATION_WORKERS}`, ...each],
        outputFile: part('integration'),
      },
      { args: ['--selectProjects', 'scale', '--runInBand', ...each], outputFile: part('scale') },
      ...(filtered
        ? []
        : [
            {
              args: [
                '--selectProjects',
                'integration',
                `--maxWorkers=${INTEGRATION_WORKERS}`,
                '--testPathPatterns',
                'test/integration/router/',
                ...each,
              ],
              outputFile: part('router-kafkajs'),
              env: { CROSSDOCK_KAFKA_AUTO_ROUTER: 'kafkajs' },
            },
          ]),
    ],
    outputFile,
    startStackEarly: !filtered,
    userArgs,
  };
}

/** A run's name in messages: its project, and the environment it adds. */
export function runLabel(r: JestRun): string {
  const project = r.args[r.args.indexOf('--selectProjects') + 1] ?? 'jest';
  const env = Object.entries(r.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return [project, ...env].join(' ');
}

/** The part of jest's `--json` results that is merged (the rest is kept from the last run). */
export interface JestResults {
  success: boolean;
  startTime?: number;
  testResults: unknown[];
  [key: string]: unknown;
}

/**
 * One results object from several runs: every top-level `num…` count summed, `success` only when
 * every run succeeded (and ran at least one test), the test files' results concatenated. A run
 * with no results (`undefined`) counts as one failed suite.
 */
export function mergeResults(runs: ReadonlyArray<JestResults | undefined>): JestResults {
  const out: JestResults = { success: true, testResults: [], numRuntimeErrorTestSuites: 0 };
  for (const r of runs) {
    if (!r) {
      out.success = false;
      out.numRuntimeErrorTestSuites = Number(out.numRuntimeErrorTestSuites) + 1;
      continue;
    }
    for (const [k, v] of Object.entries(r)) {
      if (k.startsWith('num') && typeof v === 'number') out[k] = Number(out[k] ?? 0) + v;
      else if (k === 'success') out.success = out.success && v === true;
      else if (k === 'testResults' && Array.isArray(v)) out.testResults.push(...v);
      else if (k === 'startTime' && typeof v === 'number')
        out.startTime = out.startTime === undefined ? v : Math.min(out.startTime, v);
      else if (!(k in out)) out[k] = v;
    }
  }
  if (!Number(out.numTotalTests ?? 0)) out.success = false;
  return out;
}

function readResults(file: string | undefined): JestResults | undefined {
  if (!file || !fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JestResults;
  } catch {
    return undefined;
  }
}

const children = new Set<import('node:child_process').ChildProcess>();

function run(
  cmd: string,
  args: string[],
  stdio: 'inherit' | number,
  env?: Record<string, string>,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', stdio, stdio],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    children.add(child);
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const plan = planTests(process.argv.slice(2));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const c of children) c.kill(sig);
      process.exit(130);
    });
  }

  let stack: Promise<number> | undefined;
  let stackLog: string | undefined;
  if (plan.startStackEarly) {
    stackLog = path.join(os.tmpdir(), `crossdock-test-stack-${process.pid}.log`);
    const fd = fs.openSync(stackLog, 'w');
    const upArgs = [path.join(root, 'bin', 'crossdock.js'), 'stack', 'up'];
    if (process.env.CROSSDOCK_TEST_REDIS_CLUSTER === '1') upArgs.push('--redis-cluster');
    console.error(`npm test: the stack starts beside the unit tests (its progress: ${stackLog})`);
    stack = run(process.execPath, upArgs, fd).finally(() => fs.closeSync(fd));
  }

  const codes: number[] = [];
  for (const [i, r] of plan.runs.entries()) {
    if (i === 1 && stack) {
      const code = await stack;
      console.error(
        code === 0
          ? 'npm test: the stack is up'
          : `npm test: the stack did not start early (exit ${code}); the integration tests' setup tries again. Its log:\n${fs.readFileSync(stackLog!, 'utf8').split('\n').slice(-15).join('\n')}`,
      );
    }
    const out = r.outputFile ? ['--outputFile', r.outputFile] : [];
    if (r.outputFile) fs.rmSync(r.outputFile, { force: true });
    if (r.env)
      console.error(
        `npm test: ${Object.entries(r.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} ${r.args.join(' ')}`,
      );
    // A stack part that dies during a run is named with its log's end (scripts/stack-watch.ts).
    const watch = i > 0 && plan.runs.length > 1;
    const before = watch ? await stackStatus(root) : undefined;
    codes.push(await run(process.execPath, [jest, ...r.args, ...plan.userArgs, ...out], 'inherit', r.env));
    if (watch) reportDied(runLabel(r), before, await stackStatus(root));
  }
  if (stack) await stack;

  let ok = codes.every((c) => c === 0);
  if (plan.runs.length > 1) {
    const merged = mergeResults(plan.runs.map((r) => readResults(r.outputFile)));
    if (plan.outputFile) fs.writeFileSync(plan.outputFile, JSON.stringify(merged));
    for (const r of plan.runs) if (r.outputFile) fs.rmSync(r.outputFile, { force: true });
    ok = ok && merged.success;
    console.error(
      `npm test: ${Number(merged.numPassedTests ?? 0)} passed, ${Number(merged.numFailedTests ?? 0) + Number(merged.numRuntimeErrorTestSuites ?? 0)} failed (unit, integration, scale${plan.runs.length > 3 ? ', then the router on kafkajs' : ''})`,
    );
  }
  process.exit(ok ? 0 : 1);
}

if (require.main === module) void main();
