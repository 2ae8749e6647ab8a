/**
 * `npm run bench -- [--quick] [--json]`: every benchmark in one command (args.ts has the options).
 * Runs the arms of arms.ts one after the other in their own processes (their stderr passes
 * through, prefixed), collects what each wrote, checks every arm's exactly-once count
 * (headline.ts), writes bench/results/<date>.json and the generated section of docs/benchmarks.md
 * (render.ts), and prints the ratios and latencies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_HELP, BenchUsageError, parseBenchArgs, type BenchOptions } from './args';
import { cliArmAvailable, planArm, ROOT, type ArmPlan } from './arms';
import { checkOf, rowsOf } from './headline';
import {
  renderSection,
  renderText,
  replaceSection,
  resultsFileName,
  type ArmOutcome,
  type BenchRun,
} from './render';

const started = Date.now();
const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const progress = (line: string) => process.stderr.write(`[bench ${clock()}] ${line}\n`);
let interrupted = false;

/** Runs one arm in its own process group; its stderr lines go to ours with its name in front. */
function runArm(plan: ArmPlan): Promise<{ code: number | null; stdout: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, plan.script), ...plan.args], {
      cwd: ROOT,
      env: { ...process.env, ...plan.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let rest = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const l of lines) process.stderr.write(`  [${plan.name}] ${l}\n`);
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      progress(`${plan.name}: no result after ${Math.round(plan.timeoutMs / 60000)} min; stopping it`);
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 20000).unref();
    }, plan.timeoutMs);
    // Ctrl-C: the arm (its own process group) is stopped and no further arm starts.
    const onSignal = () => {
      interrupted = true;
      progress(`interrupted: stopping ${plan.name}; no further arm runs, nothing is written`);
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 20000).unref();
    };
    process.once('SIGINT', onSignal);
    child.once('exit', (code) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      if (rest) process.stderr.write(`  [${plan.name}] ${rest}\n`);
      resolve({ code, stdout, timedOut });
    });
  });
}

function readResult(file: string, stdout: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    try {
      return JSON.parse(stdout);
    } catch {
      return undefined;
    }
  }
}

async function bench(o: BenchOptions): Promise<BenchRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-bench-'));
  const loadStart = os.loadavg();
  const arms: ArmOutcome[] = [];
  const names = o.only.filter((n) => n !== 'cli' || cliArmAvailable());
  if (o.only.includes('cli') && !cliArmAvailable())
    arms.push({
      name: 'cli',
      command: '(bench/cli/startup.ts)',
      status: 'skipped',
      exitCode: null,
      seconds: 0,
      error: 'bench/cli/startup.ts is not on this branch yet',
    });
  progress(
    `${o.quick ? 'quick run' : 'full run'}: ${names.join(', ')}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')}`,
  );
  try {
    for (const [i, name] of names.entries()) {
      const file = path.join(tmp, `${name}.json`);
      const plan = planArm(name, o.quick, file);
      progress(`${name} (${i + 1}/${names.length}): ${plan.what} — ${plan.command}`);
      const t0 = Date.now();
      const { code, stdout, timedOut } = await runArm(plan);
      const seconds = (Date.now() - t0) / 1000;
      const result = readResult(file, stdout);
      // An arm's exit code 1 means "ran, and its own check failed": the figures still count.
      const ran = result !== undefined && !timedOut;
      const outcome: ArmOutcome = {
        name,
        command: plan.command,
        status: ran ? 'ok' : 'failed',
        exitCode: code,
        seconds,
        ...(ran ? { result } : { error: timedOut ? 'timed out' : `exit ${code}, no results` }),
      };
      arms.push(outcome);
      progress(`${name}: ${outcome.status} in ${Math.round(seconds)} s${code ? ` (exit ${code})` : ''}`);
      if (interrupted) break;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const ordered = arms.sort((a, b) => o.only.indexOf(a.name) - o.only.indexOf(b.name));
  const measuredArms = ordered.filter((a) => a.status !== 'skipped');
  const rows = measuredArms.flatMap((a) => rowsOf(a.name, a.result));
  const checks = measuredArms.map((a) => checkOf(a.name, a.result));
  const flag = o.only.length === 5 ? '' : ` --only ${o.only.join(',')}`;
  return {
    date: new Date().toISOString(),
    command: `npm run bench${o.quick || flag ? ' --' : ''}${o.quick ? ' --quick' : ''}${flag}`,
    quick: o.quick,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? '?',
      node: process.version,
      memGb: Math.round(os.totalmem() / 1e9),
    },
    loadAverage: { start: loadStart, end: os.loadavg() },
    seconds: (Date.now() - started) / 1000,
    arms: ordered,
    rows,
    checks,
    valid: measuredArms.every((a) => a.status === 'ok') && checks.every((c) => c.ok !== false),
  };
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BenchUsageError) {
      process.stderr.write(`${err.message}\n\n${BENCH_HELP}\n`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const run = await bench(o);
  if (interrupted) {
    process.stdout.write(`${o.json ? JSON.stringify(run, null, 2) : renderText(run)}\n`);
    return 130;
  }
  if (o.write && run.arms.some((a) => a.status === 'ok')) {
    const file = path.join(ROOT, resultsFileName(run.date));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    const docs = path.join(ROOT, 'docs/benchmarks.md');
    fs.writeFileSync(docs, replaceSection(fs.readFileSync(docs, 'utf8'), renderSection(run)));
    progress(`wrote ${resultsFileName(run.date)} and the bench section of docs/benchmarks.md`);
  }
  process.stdout.write(o.json ? `${JSON.stringify(run, null, 2)}\n` : `${renderText(run)}\n`);
  if (!run.arms.some((a) => a.status === 'ok')) return 3;
  return run.valid ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
