/**
 * Flow tracker benchmark (docs/benchmarks.md, "Flow tracker"): does the tracker keep up with the
 * router at the router's maximum rate on this machine, and what does an open flow instance cost in
 * Redis.
 *
 *   flock /tmp/crossdock-bench.lock flock /tmp/crossdock-it.lock npm run bench:flows -- [--quick] [--json]
 *
 * Per pair, interleaved: R = the router alone (bench/router/arm.ts, arm h, F = 1), then RT = the
 * same router with the flow tracker running in a process of its own (bench/flows/tracker-arm.ts:
 * flows/component.ts createFlowTracker as `crossdock start` builds it, the four flows of
 * examples/hub.yaml). Each run: fresh topics (2 sites × 6 partitions), the same pre-encoded
 * order-to-cash workload preloaded, the router drains it at its maximum rate. Every second the
 * router's and the tracker's committed offsets are read: the tracker's lag is what the router has
 * committed and the tracker has not. A run is invalid unless ingress holds every event, the router
 * dead-lettered and dropped nothing, and (RT, T) the tracker committed every record and its
 * scorecards counted each accepted event once. T = the tracker alone: the router drains the
 * workload first, then the tracker is started and hands on every record with nothing else running,
 * so its rate and CPU per fact are its own cost, not its share of a saturated machine (compared
 * with R: whether the tracker costs less per event than the router). Then the memory phase
 * (bench/flows/memory.ts).
 * Writes bench/results/flows.json and the "Flow tracker" section of docs/benchmarks.md.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { flowKeys } from '../../core/names/redis-keys';
import { topics as hubTopics } from '../../core/names/topics';
import { createRedis, type Redis } from '../../core/redis';
import { SCORE_FIELDS } from '../../flows';
import { currentEndpoints } from '../../stack';
import type { ArmConfig } from '../router/arm';
import { FLOW_BENCH_HELP, FlowBenchUsageError, parseFlowBenchArgs, type FlowBenchOptions } from './args';
import { flowBenchConfig } from './config';
import { usage } from './redis-usage';
import type { MemoryFigures } from './memory';
import { aloneRate, pairRatios, median, summarizeLag, type LagSample, type LagSummary } from './summary';
import type { TrackerArmConfig } from './tracker-arm';
import { flowShape, makeFlowWorkload, type FlowBenchEvent } from './workload';

const root = path.resolve(__dirname, '../..');
const SITES = ['us-chi', 'ca-tor'];
const PARTITIONS = 6;
const CONCURRENCY = 3;
const endpoints = currentEndpoints();
const kafka = new Kafka({
  clientId: 'bench-flows',
  brokers: endpoints.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const progress = (s: string) => process.stderr.write(`${s}\n`);

/** r: the router alone; rt: the router with the tracker running; t: the tracker alone, started once the router has decided every record. */
type Arm = 'r' | 'rt' | 't';

interface RouterResult {
  eventsPerSec: number;
  seconds: number;
  cpuPercent: number;
  rssMb: number;
  eventLoopDelayP99Ms: number;
  duplicates?: number;
  deadLetters?: number;
}

/** What the tracker arm prints when stopped: its CPU and RSS, and the wall time in each sink. */
interface TrackerFinal {
  cpuPercent?: number;
  /** The tracker process's CPU (user + system) from ready to stop, per fact handed on (µs). */
  cpuUsPerFact?: number;
  rssMb?: number;
  sinks?: Record<string, { ms: number; calls: number; facts: number }>;
}

interface RunResult {
  arm: Arm;
  rep: number;
  router: RouterResult;
  /** RT: the lag figures; T: the tracker's rate alone (summary.ts aloneRate). */
  tracker?: Partial<LagSummary> &
    TrackerFinal & {
      alonePerSec?: number | null;
      maxGauge: number;
      /**
       * The order-to-cash open-instance counter at the end (null: no engine in the tracker, the
       * counter was never written), and MEMORY USAGE of the flows tag's keys by kind then.
       */
      openInstances: number | null;
      flowKeyBytes: Record<string, number>;
      /** Accepted events the scorecards counted (acc over the site hours). */
      scored: number;
    };
  samples: LagSample[];
  valid: boolean;
  check?: string;
}

function lines(child: ChildProcess, on: (o: Record<string, unknown>) => void): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      try {
        on(JSON.parse(line) as Record<string, unknown>);
      } catch {
        progress(`  (child: ${line.slice(0, 200)})`);
      }
    }
  });
}

function spawnTs(script: string, env: unknown, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, script)], {
    cwd: root,
    env: { ...process.env, CD_BENCH: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function preload(prefix: string, events: readonly FlowBenchEvent[]): Promise<void> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  for (let i = 0; i < events.length; i += 2000) {
    const chunk = events.slice(i, i + 2000);
    await producer.sendBatch({
      acks: -1,
      topicMessages: SITES.map((s) => ({
        topic: `${prefix}.ingress.${s}`,
        messages: chunk
          .filter((e) => e.site === s)
          .map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
      })),
    });
  }
  await producer.disconnect();
}

async function committed(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  topics: string[],
): Promise<number> {
  let n = 0;
  for (const t of await admin.fetchOffsets({ groupId, topics }))
    for (const p of t.partitions) if (Number(p.offset) > 0) n += Number(p.offset);
  return n;
}

async function ingressCount(admin: ReturnType<Kafka['admin']>, topics: string[]): Promise<number> {
  let n = 0;
  for (const t of topics)
    for (const p of await admin.fetchTopicOffsets(t)) n += Number(p.high) - Number(p.low);
  return n;
}

async function scanDelete(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Accepted events the scorecards counted, summed over the site hours of this run's prefix. */
async function scored(redis: Redis, redisPrefix: string): Promise<{ accepted: number; hourBytes: number[] }> {
  const pattern = flowKeys(redisPrefix).siteHour('*', 0).replace(/0$/, '*');
  let cursor = '0';
  let accepted = 0;
  const hourBytes: number[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      accepted += Number((await redis.hget(k, SCORE_FIELDS.accepted)) ?? 0);
      hourBytes.push(Number(await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')));
    }
  } while (cursor !== '0');
  return { accepted, hourBytes };
}

async function runOne(
  arm: Arm,
  rep: number,
  events: readonly FlowBenchEvent[],
  shape: { opened: number; completed: number },
  o: FlowBenchOptions,
  redis: Redis,
): Promise<RunResult & { hourBytes: number[] }> {
  const prefix = `benchfl${Date.now().toString(36)}${arm}`;
  const names = hubTopics(
    flowBenchConfig({
      prefix,
      sites: SITES,
      routerGroup: `${prefix}-h`,
      partitionsConsumedConcurrently: CONCURRENCY,
    }),
  );
  const ingress = SITES.map((s) => `${prefix}.ingress.${s}`);
  const all = [...ingress, `${prefix}.deliver.s1`, names.dlqRouter, `${prefix}.unrouted`, names.flowAlerts];
  const admin = kafka.admin();
  await admin.connect();
  const children: ChildProcess[] = [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...all.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
        {
          topic: names.catalog,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
    await preload(prefix, events);
    const inIngress = await ingressCount(admin, ingress);
    let gauge: number | undefined;
    let maxGauge = 0;
    let trackerFinal: TrackerFinal | undefined;
    let tracker: ChildProcess | undefined;
    const startTracker = async (): Promise<ChildProcess> => {
      const cfg: TrackerArmConfig = {
        prefix,
        sites: SITES,
        routerGroup: `${prefix}-h`,
        brokers: endpoints.kafkaBrokers,
        registryUrl: endpoints.registryUrl,
        redisUrl: endpoints.redisUrl,
        partitionsConsumedConcurrently: CONCURRENCY,
      };
      // CD_BENCH_TRACKER_PROF=<dir>: a CPU profile of the tracker process (node --cpu-prof) there;
      // CD_BENCH_TRACKER_NODE_ARGS: more node options for it (e.g. --max-semi-space-size=32).
      const prof = process.env.CD_BENCH_TRACKER_PROF;
      const extra = (process.env.CD_BENCH_TRACKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
      const child = spawnTs('bench/flows/tracker-arm.ts', cfg, [
        ...extra,
        ...(prof ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(prof)] : []),
      ]);
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the tracker was not ready within 60 s')), 60_000);
        lines(child, (m) => {
          if (m.ready) {
            clearTimeout(timer);
            resolve();
          }
          if (typeof m.lag === 'number') {
            gauge = m.lag;
            maxGauge = Math.max(maxGauge, m.lag);
          }
          if (m.final) trackerFinal = m.final as typeof trackerFinal;
        });
        child.on('exit', (code) =>
          reject(new Error(`the tracker exited ${String(code)} before it was ready`)),
        );
      });
      return child;
    };
    if (arm === 'rt') tracker = await startTracker();
    const routerCfg: ArmConfig = {
      arm: 'h',
      prefix,
      sites: SITES,
      fanout: 1,
      total: events.length,
      warmup: o.warmup,
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.registryUrl,
      redisUrl: endpoints.redisUrl,
      partitionsConsumedConcurrently: CONCURRENCY,
      maxWaitTimeInMs: 100,
    };
    const t0 = Date.now();
    const router = spawnTs('bench/router/arm.ts', routerCfg);
    children.push(router);
    let routerResult: RouterResult | undefined;
    let routerEnd = 0;
    const routerExited = new Promise<void>((resolve) => router.on('exit', () => resolve()));
    lines(router, (m) => {
      if (typeof m.eventsPerSec === 'number') {
        routerResult = m as unknown as RouterResult;
        routerEnd = Date.now() - t0;
      }
    });
    const samples: LagSample[] = [];
    const deadline = Date.now() + Number(process.env.CD_BENCH_ARM_TIMEOUT_MS ?? 240_000);
    let trackerDone = false;
    while (Date.now() < deadline) {
      if (arm === 't' && routerResult && !tracker) {
        await routerExited;
        tracker = await startTracker();
      }
      const s: LagSample = {
        t: Date.now() - t0,
        router: await committed(admin, `${prefix}-h`, ingress),
        tracker: tracker ? await committed(admin, names.flowTrackerGroup, ingress) : 0,
        ...(gauge !== undefined ? { gauge } : {}),
      };
      samples.push(s);
      trackerDone = arm === 'r' || s.tracker >= events.length;
      if (routerResult && trackerDone) break;
      // Once a second; faster after the router's end, to time the tracker's catch-up closely.
      await new Promise((r) =>
        setTimeout(r, routerResult ? 250 : Math.max(0, 1000 - (Date.now() - t0 - s.t))),
      );
    }
    await routerExited;
    if (!routerResult) throw new Error(`the router arm gave no result within the timeout (${prefix})`);
    let check: string | undefined;
    const problems: string[] = [];
    if (inIngress !== events.length) problems.push(`ingress holds ${inIngress}, not ${events.length}`);
    if (routerResult.deadLetters) problems.push(`the router dead-lettered ${routerResult.deadLetters}`);
    if (routerResult.duplicates) problems.push(`the router dropped ${routerResult.duplicates} as duplicates`);
    let trackerPart: RunResult['tracker'];
    let hourBytes: number[] = [];
    if (tracker) {
      // Let the last commits land in Redis before the scorecards are read, then stop the tracker.
      const sc = await scored(redis, `${prefix}:`);
      hourBytes = sc.hourBytes;
      if (!trackerDone)
        problems.push(`the tracker committed ${samples.at(-1)?.tracker ?? 0} of ${events.length}`);
      if (sc.accepted !== events.length)
        problems.push(`the scorecards counted ${sc.accepted} accepted, not ${events.length}`);
      const open = await redis.get(flowKeys(`${prefix}:`).openCount('order-to-cash'));
      const openInstances = open === null ? null : Number(open);
      const expectOpen = shape.opened - shape.completed;
      if (openInstances !== null && openInstances !== expectOpen)
        problems.push(`the engine holds ${openInstances} open order-to-cash instances, not ${expectOpen}`);
      const tag = flowKeys(`${prefix}:`).deadlines.replace(/:deadlines$/, '');
      const flowKeyBytes = await usage(redis, `${tag}:`, tag);
      const exited = new Promise<void>((resolve) => tracker!.on('exit', () => resolve()));
      tracker.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      trackerPart = {
        ...(arm === 't'
          ? { alonePerSec: aloneRate(samples, events.length, o.warmup) }
          : summarizeLag(samples, routerEnd, events.length, o.warmup)),
        ...(trackerFinal ?? {}),
        maxGauge,
        scored: sc.accepted,
        openInstances,
        flowKeyBytes,
      };
    }
    if (problems.length) check = problems.join('; ');
    return {
      arm,
      rep,
      router: routerResult,
      ...(trackerPart ? { tracker: trackerPart } : {}),
      samples,
      valid: !check,
      ...(check ? { check } : {}),
      hourBytes,
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await admin.deleteTopics({ topics: [...all, names.catalog] }).catch(() => undefined);
    await admin
      .deleteGroups([`${prefix}-h`, names.flowTrackerGroup, `${prefix}-verify`])
      .catch(() => undefined);
    await admin.disconnect();
    await scanDelete(redis, `${prefix}:*`);
  }
}

function line(r: RunResult): string {
  const t = r.tracker;
  const head = `rep ${r.rep + 1} ${r.arm.toUpperCase().padEnd(2)} router ${String(r.router.eventsPerSec).padStart(6)} ev/s cpu ${r.router.cpuPercent}% rss ${r.router.rssMb} MB`;
  const tail = !t
    ? ''
    : r.arm === 't'
      ? `  tracker alone ${String(t.alonePerSec ?? '—')} facts/s  cpu ${String(t.cpuPercent ?? '—')}% (${String(t.cpuUsPerFact ?? '—')} µs/fact) rss ${String(t.rssMb ?? '—')} MB`
      : `  tracker ${String(t.trackerPerSec ?? '—')} facts/s (router by offsets ${String(t.routerPerSec ?? '—')}) lag max ${t.maxLag} (1st half ${t.maxLagFirstHalf}, 2nd ${t.maxLagSecondHalf}) slope ${t.lagSlopePerSec}/s (2nd half ${String(t.lagSlopeSecondHalfPerSec)}/s) at router end ${t.lagAtRouterEnd} catch-up ${String(t.catchUpSeconds ?? '—')} s  cpu ${String(t.cpuPercent ?? '—')}% (${String(t.cpuUsPerFact ?? '—')} µs/fact) rss ${String(t.rssMb ?? '—')} MB`;
  const sinks = t?.sinks
    ? `  sinks ${Object.entries(t.sinks)
        .map(([k, v]) => `${k} ${v.ms} ms/${v.calls} calls`)
        .join(', ')}`
    : '';
  return `${head}${tail}${sinks}  ${r.valid ? 'valid' : `INVALID: ${r.check ?? ''}`}`;
}

export interface FlowBenchDoc {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  workload: Record<string, unknown>;
  summary: Record<string, unknown>;
  memory: MemoryFigures | null;
  runs: Array<Omit<RunResult, 'samples'> & { samples: LagSample[] }>;
}

async function main(): Promise<number> {
  let o: FlowBenchOptions;
  try {
    o = parseFlowBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof FlowBenchUsageError) {
      process.stderr.write(`${err.message}\n\n${FLOW_BENCH_HELP}\n`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${FLOW_BENCH_HELP}\n`);
    return 0;
  }
  const shape = flowShape(o.events, o.trail);
  progress(`generating ${shape.events} events (${shape.opened} orders, ${shape.completed} completing)…`);
  const events = await makeFlowWorkload(endpoints.registryUrl, o.events, SITES, o.trail);
  const redis = createRedis({ url: endpoints.redisUrl });
  const runs: Array<RunResult & { hourBytes: number[] }> = [];
  try {
    for (let rep = 0; rep < o.reps; rep++)
      for (const arm of ['r', 'rt', 't'] as const) {
        const r = await runOne(arm, rep, events, shape, o, redis);
        runs.push(r);
        progress(line(r));
      }
    const memory = o.instances
      ? await (await import('./memory')).measureMemory({ redis, instances: o.instances, progress })
      : null;
    const valid = runs.filter((r) => r.valid);
    const byRep = (arm: Arm) =>
      Array.from({ length: o.reps }, (_v, i) => runs.find((r) => r.rep === i && r.arm === arm && r.valid));
    const rt = byRep('rt');
    const rAlone = byRep('r');
    // RT trackers carry the lag figures (summarizeLag).
    const tr = valid
      .filter((r) => r.arm === 'rt' && r.tracker)
      .map((r) => r.tracker as LagSummary & NonNullable<RunResult['tracker']>);
    const alone = byRep('t');
    const spread = (xs: number[]) =>
      xs.length
        ? { median: Math.round(median(xs) * 100) / 100, min: Math.min(...xs), max: Math.max(...xs) }
        : null;
    const hourBytes = runs.flatMap((r) => r.hourBytes);
    const summary = {
      routerWithTrackerVsAlone: pairRatios(
        rt.map((r) => r?.router.eventsPerSec),
        rAlone.map((r) => r?.router.eventsPerSec),
      ),
      trackerVsRouterWhileRouting: pairRatios(
        rt.map((r) => r?.tracker?.trackerPerSecWhileRouting),
        rt.map((r) => r?.tracker?.routerPerSecWhileRouting),
      ),
      /** The same over the second half of the router's window (after the lag's ramp). */
      trackerVsRouterSecondHalf: pairRatios(
        rt.map((r) => r?.tracker?.trackerPerSecSecondHalf),
        rt.map((r) => r?.tracker?.routerPerSecSecondHalf),
      ),
      trackerPerSecWhileRouting: spread(
        tr.flatMap((t) => (t.trackerPerSecWhileRouting ? [t.trackerPerSecWhileRouting] : [])),
      ),
      trackerVsRouter: pairRatios(
        rt.map((r) => r?.tracker?.trackerPerSec),
        rt.map((r) => r?.tracker?.routerPerSec),
      ),
      routerAlonePerSec: spread(rAlone.flatMap((r) => (r ? [r.router.eventsPerSec] : []))),
      routerWithTrackerPerSec: spread(rt.flatMap((r) => (r ? [r.router.eventsPerSec] : []))),
      trackerPerSec: spread(tr.flatMap((t) => (t.trackerPerSec ? [t.trackerPerSec] : []))),
      /** T / R of the same pair: the tracker alone against the router alone (< 1: it costs more). */
      trackerAloneVsRouterAlone: pairRatios(
        alone.map((r) => r?.tracker?.alonePerSec),
        rAlone.map((r) => r?.router.eventsPerSec),
      ),
      trackerAlonePerSec: spread(
        alone.flatMap((r) => (r?.tracker?.alonePerSec ? [r.tracker.alonePerSec] : [])),
      ),
      trackerAloneCpuUsPerFact: spread(
        alone.flatMap((r) => (r?.tracker?.cpuUsPerFact !== undefined ? [r.tracker.cpuUsPerFact] : [])),
      ),
      maxLag: spread(tr.map((t) => t.maxLag)),
      maxLagFirstHalf: spread(tr.map((t) => t.maxLagFirstHalf)),
      maxLagSecondHalf: spread(tr.map((t) => t.maxLagSecondHalf)),
      lagSlopePerSec: spread(tr.map((t) => t.lagSlopePerSec)),
      lagSlopeSecondHalfPerSec: spread(tr.map((t) => t.lagSlopeSecondHalfPerSec)),
      lagAtRouterEnd: spread(tr.map((t) => t.lagAtRouterEnd)),
      maxLagGauge: spread(tr.map((t) => t.maxGauge)),
      catchUpSeconds: spread(tr.flatMap((t) => (t.catchUpSeconds === null ? [] : [t.catchUpSeconds]))),
      routerSeconds: spread(rt.flatMap((r) => (r ? [Math.round(r.router.seconds * 10) / 10] : []))),
      trackerCpuPercent: spread(tr.flatMap((t) => (t.cpuPercent !== undefined ? [t.cpuPercent] : []))),
      trackerCpuUsPerFact: spread(tr.flatMap((t) => (t.cpuUsPerFact !== undefined ? [t.cpuUsPerFact] : []))),
      trackerRssMb: spread(tr.flatMap((t) => (t.rssMb !== undefined ? [t.rssMb] : []))),
      siteHourBytes: spread(hourBytes),
      /** Whether the tracker ran the flow engine (its open-instance counter was written). */
      engineInTracker: tr.some((t) => t.openInstances !== null),
      openInstancesAtEnd: spread(tr.flatMap((t) => (t.openInstances === null ? [] : [t.openInstances]))),
      /** MEMORY USAGE of the flows tag's keys by kind at the end of the last valid RT run. */
      flowKeyBytesAtEnd: tr.at(-1)?.flowKeyBytes ?? null,
      invalidRuns: runs.length - valid.length,
    };
    const doc: FlowBenchDoc = {
      date: new Date().toISOString(),
      command: `flock /tmp/crossdock-bench.lock flock /tmp/crossdock-it.lock npm run bench:flows -- --events ${o.events} --warmup ${o.warmup} --reps ${o.reps} --trail ${o.trail} --instances ${o.instances}`,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memGb: Math.round(os.totalmem() / 1e9),
        node: process.version,
      },
      workload: {
        events: events.length,
        orders: shape.opened,
        completing: shape.completed,
        trail: o.trail,
        warmup: o.warmup,
        sites: SITES.length,
        partitions: PARTITIONS,
        avroBytes: Math.round(events.reduce((n, e) => n + e.value.length, 0) / events.length),
      },
      summary,
      memory,
      runs: runs.map(({ hourBytes: _h, ...r }) => r),
    };
    if (o.write) {
      fs.writeFileSync(path.join(root, 'bench/results/flows.json'), `${JSON.stringify(doc, null, 2)}\n`);
      const { writeFlowDocs } = await import('./docs');
      writeFlowDocs(root, doc);
    }
    process.stdout.write(
      o.json ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify({ summary, memory }, null, 2)}\n`,
    );
    return valid.length === runs.length ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
