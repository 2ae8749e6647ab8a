/**
 * Arm S of the router benchmark: the router's validate-and-fan-out as a Kafka Streams app
 * (bench/router/streams-peer/, Java 17, Kafka Streams 4.1.1 with exactly_once_v2, Apache Avro),
 * built with Maven when its jar is missing or older than its sources, run as one JVM per arm-run.
 *
 * Timing, from outside: the app has no clock of its own. Every SAMPLE_MS this process reads the
 * Streams app's committed offsets on the ingress topics (its application.id is its consumer group)
 * and the JVM's CPU time (/proc/<pid>/stat). The window is the other arms' one: from the moment
 * the committed count reached the warm-up share to the moment it reached the total, each moment
 * interpolated between the two samples around it (commits come every 100 ms, samples every
 * SAMPLE_MS), so the result counts `total - warmup` records. Committed offsets are the right
 * finish line: under exactly-once they move in the same transaction as the copies, so once they
 * reach the total every copy is readable. Then the JVM gets SIGTERM, closes Kafka Streams and
 * prints its counters (records processed, dead letters) as one JSON line.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { CrossdockError } from '../../core/errors';
import { median, pairRatios, warmWindow } from '../flows/summary';
import { clockTicksPerSecond, cpuTicksOf, procText } from '../proc-cpu';

export const PEER_DIR = path.join(__dirname, 'streams-peer');
export const PEER_JAR = path.join(PEER_DIR, 'target', 'streams-peer.jar');
export const BUILD_CODE = 'CD_E_BENCH_STREAMS_BUILD';
const SAMPLE_MS = 100;

export interface StreamsArmConfig {
  prefix: string;
  inputs: string[];
  outputs: string[];
  deadLetterTopic: string;
  total: number;
  warmup: number;
  brokers: string[];
  registryUrl: string;
  /** num.stream.threads (CD_BENCH_STREAMS_THREADS, default 2). */
  threads: number;
  /** Extra JVM options, split on spaces (CD_BENCH_STREAMS_JAVA_OPTS). */
  javaOpts: string[];
  timeoutMs: number;
}

export interface StreamsArmResult {
  records: number;
  seconds: number;
  eventsPerSec: number;
  cpuPercent: number;
  rssMb: number;
  threads: number;
  processed?: number;
  deadLetters?: number;
}

/** One reading: ms since the JVM started, records committed past on the ingress topics, CPU ticks. */
export interface PeerSample {
  t: number;
  committed: number;
  cpuTicks: number;
}

// ---- pure parts (test/unit/bench/router/streams-peer.test.ts) ----

/** The jar must be (re)built: missing, or older than a source file. */
export function jarIsStale(jarMtimeMs: number | undefined, sourceMtimesMs: readonly number[]): boolean {
  return jarMtimeMs === undefined || sourceMtimesMs.some((m) => m > jarMtimeMs);
}

/** The last `n` non-empty lines of a tool's output, without its colour codes. */
export function lastLines(text: string, n = 15): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- ANSI colour codes (Maven prints them even with -B)
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-n)
      .join('\n')
  );
}

/** The major version in `java -version` output (`"17.0.15"` → 17, `"1.8.0_402"` → 8). */
export function javaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  return m[1] === '1' && m[2] ? Number(m[2]) : Number(m[1]);
}

/** The java command line of one arm-run. */
export function peerCommand(cfg: StreamsArmConfig, stateDir: string): string[] {
  return [
    ...cfg.javaOpts,
    '-jar',
    PEER_JAR,
    '--bootstrap',
    cfg.brokers.join(','),
    '--registry',
    cfg.registryUrl,
    '--application-id',
    `${cfg.prefix}-s`,
    '--inputs',
    cfg.inputs.join(','),
    '--outputs',
    cfg.outputs.join(','),
    '--dlq',
    cfg.deadLetterTopic,
    '--threads',
    String(cfg.threads),
    '--state-dir',
    stateDir,
  ];
}

/**
 * The timed window from the samples: from the warm-up share committed to the total committed,
 * both interpolated; undefined when the samples do not reach the total or the window is empty.
 * CPU: the ticks between the samples that bracket the window, over their own span.
 */
export function timedWindow(
  samples: readonly PeerSample[],
  warmup: number,
  total: number,
  ticksPerSec: number,
): Pick<StreamsArmResult, 'records' | 'seconds' | 'eventsPerSec' | 'cpuPercent'> | undefined {
  const w = warmWindow(samples, (s) => s.committed, warmup, total);
  if (!w) return undefined;
  const { from, to } = w;
  const records = total - warmup;
  const seconds = (to - from) / 1000;
  const a = [...samples].reverse().find((s) => s.t <= from) ?? samples[0]!;
  const b = samples.find((s) => s.t >= to) ?? samples[samples.length - 1]!;
  const span = (b.t - a.t) / 1000;
  return {
    records,
    seconds,
    eventsPerSec: Math.round(records / seconds),
    cpuPercent: span > 0 ? Math.round(((b.cpuTicks - a.cpuTicks) / ticksPerSec / span) * 100) : 0,
  };
}

/** Per fan-out: S's events/s and H / S per interleaved pair (same rep), from valid runs only. */
export function peerSummary(
  results: ReadonlyArray<{
    arm: string;
    fanout: number;
    rep?: number;
    valid?: boolean;
    eventsPerSec: number;
    cpuPercent: number;
    rssMb: number;
  }>,
  fanout: number,
) {
  const valid = (arm: string) => results.filter((r) => r.fanout === fanout && r.arm === arm && r.valid);
  const s = valid('s');
  if (!s.length) return {};
  const rates = s.map((r) => r.eventsPerSec);
  const byRep = (arm: string) => new Map(valid(arm).map((r) => [r.rep, r.eventsPerSec]));
  const h = byRep('h');
  const reps = s.map((r) => r.rep);
  const hOverS = pairRatios(
    reps.map((rep) => h.get(rep)),
    rates,
  );
  return {
    s: { median: Math.round(median(rates)), min: Math.min(...rates), max: Math.max(...rates) },
    sCpuPercent: Math.round(median(s.map((r) => r.cpuPercent))),
    sRssMb: Math.max(...s.map((r) => r.rssMb)),
    ...(hOverS ? { hOverS } : {}),
  };
}

/** The app's closing JSON line (its last line on stdout), or {} when it printed none. */
export function closingCounters(stdout: string): { processed?: number; deadLetters?: number } {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { processed?: unknown; deadLetters?: unknown };
    return {
      ...(typeof j.processed === 'number' ? { processed: j.processed } : {}),
      ...(typeof j.deadLetters === 'number' ? { deadLetters: j.deadLetters } : {}),
    };
  } catch {
    return {};
  }
}

// ---- the build ----

function sourceMtimes(dir: string): number[] {
  const out: number[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else out.push(st.mtimeMs);
  };
  walk(path.join(dir, 'src'));
  walk(path.join(dir, 'pom.xml'));
  return out;
}

function buildError(message: string, output?: string): CrossdockError {
  const tail = output ? lastLines(output) : '';
  return new CrossdockError(BUILD_CODE, `${message}${tail ? `\n${tail}` : ''}`, {
    details: { dir: PEER_DIR, ...(tail ? { output: tail } : {}) },
  });
}

/** Java 17+ on PATH; its version (`17.0.15`). */
export function checkJava(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw buildError(
      'arm s needs Java 17 or newer on PATH (java -version failed); leave s out of CD_BENCH_ARMS to run without it',
      `${r.error?.message ?? ''}\n${r.stderr ?? ''}`,
    );
  const major = javaMajor(`${r.stderr}${r.stdout}`);
  if (major === undefined || major < 17)
    throw buildError(`arm s needs Java 17 or newer; java -version says ${major ?? 'something unreadable'}`);
  return /version "([^"]+)"/.exec(`${r.stderr}${r.stdout}`)?.[1] ?? String(major);
}

/** What the peer runs on, for the results: Java, and the Kafka Streams and Avro versions of its pom. */
export interface PeerInfo {
  java: string;
  kafkaStreams: string;
  avro: string;
}

/** `<name>value</name>` properties of a pom. */
export function pomProperty(pom: string, name: string): string | undefined {
  return new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1]?.trim();
}

/**
 * The runnable jar, built with `mvn -q -B package` (Maven Central, or the mirror Maven is set up
 * with; the topology's own test runs too, about 30 s on 2 cores) when it is missing or older than
 * pom.xml or src/. Progress on stderr; Maven's output only when the build fails.
 */
export async function ensurePeerJar(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<PeerInfo> {
  const pom = fs.readFileSync(path.join(PEER_DIR, 'pom.xml'), 'utf8');
  const info = {
    java: checkJava(),
    kafkaStreams: pomProperty(pom, 'kafka.version') ?? '?',
    avro: pomProperty(pom, 'avro.version') ?? '?',
  };
  const jarMtime = fs.existsSync(PEER_JAR) ? fs.statSync(PEER_JAR).mtimeMs : undefined;
  if (!jarIsStale(jarMtime, sourceMtimes(PEER_DIR))) return info;
  log(`streams peer: building ${path.relative(process.cwd(), PEER_JAR)} (mvn -q -B package)…`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mvn', ['-q', '-B', '-Dstyle.color=never', 'package'], {
      cwd: PEER_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const tick = setInterval(
      () => log(`streams peer: still building (${Math.round((Date.now() - started) / 1000)} s)…`),
      15_000,
    );
    child.on('error', (err) => {
      clearInterval(tick);
      reject(buildError('arm s needs Maven (mvn) on PATH to build its jar', err.message));
    });
    child.on('exit', (code) => {
      clearInterval(tick);
      if (code === 0 && fs.existsSync(PEER_JAR)) resolve();
      else reject(buildError(`mvn -q -B package failed (exit ${code}) in ${PEER_DIR}`, out));
    });
  });
  log(`streams peer: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return info;
}

// ---- one arm-run ----

async function committedOn(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let n = 0;
  for (const t of await admin.fetchOffsets({ groupId, topics }))
    for (const p of t.partitions) if (Number(p.offset) > 0) n += Number(p.offset);
  return n;
}

function rssMbOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(procText(pid, 'status'))?.[1];
  return kb ? Math.round((Number(kb) * 1024) / 1e6) : 0;
}

/** Starts the JVM, samples until every ingress record is committed, stops it; the timed window. */
export async function runStreamsArm(admin: Admin, cfg: StreamsArmConfig): Promise<StreamsArmResult> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-streams-peer-'));
  const child = spawn('java', peerCommand(cfg, stateDir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
    process.stderr.write(d);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      exited = code;
      resolve();
    });
    child.on('error', (err) => {
      stderr += err.message;
      exited = null;
      resolve();
    });
  });
  const pid = child.pid!;
  const started = Date.now();
  const samples: PeerSample[] = [];
  let rssMb = 0;
  try {
    for (;;) {
      if (exited !== undefined)
        throw new Error(`arm s: the JVM exited ${exited} before the end: ${lastLines(stderr, 10)}`);
      if (Date.now() - started > cfg.timeoutMs)
        throw new Error(
          `arm s: not done after ${cfg.timeoutMs} ms (${samples.at(-1)?.committed ?? 0} committed)`,
        );
      const t = Date.now() - started;
      const committed = await committedOn(admin, `${cfg.prefix}-s`, cfg.inputs);
      samples.push({ t, committed, cpuTicks: cpuTicksOf(procText(pid, 'stat')) });
      if (committed >= cfg.total) {
        rssMb = rssMbOf(pid);
        break;
      }
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  } finally {
    if (exited === undefined) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  const window = timedWindow(samples, cfg.warmup, cfg.total, clockTicksPerSecond());
  if (!window) throw new Error(`arm s: too few samples to time (${samples.length})`);
  return { ...window, rssMb, threads: cfg.threads, ...closingCounters(stdout) };
}
