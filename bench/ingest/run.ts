/**
 * Ingest benchmark (issues 7 and 19): HTTP ingest events/s, single-event (S) and batched (B), each
 * on both Kafka clients (_js kafkajs, _rd librdkafka), against
 *  - A: a bare Fastify route doing no work (same bodies, same signing client, same connections);
 *  - C_js, C_rd: the ceiling for a single event: a Fastify route that answers 202 only after the
 *       ingest's own publisher (idempotent, acks=all) had pre-encoded bytes for the event
 *       acknowledged (no HMAC, replay mark, mapping or Avro): how much of S/A is the design;
 *  - CB_js, CB_rd: the same ceiling for the batched route: each batch body answered 202 after its
 *       events' pre-encoded bytes were acknowledged, published in one call;
 *  - K_js, K_rd: a raw producer of each client sending the same pre-encoded events,
 * in the same run, interleaved (A S_js S_rd C_js C_rd A_batch B_js B_rd CB_js CB_rd K_js K_rd per
 * repetition),
 * ratios first. The goals read the ingest as shipped (the client `auto` picks: core/kafka-client/
 * choose.ts) against A and against the faster raw producer of the two; the decision record
 * (docs/adr/0003-kafka-client.md) reads _rd / _js. Each server runs in its own process;
 * autocannon drives them from this one. A run is invalid when any answer is not 2xx or the
 * ingress topic does not hold exactly the events that were answered 202.
 *
 * CPU per event, per arm, over the measured window only (bench/proc-cpu.ts): the arm's own process
 * (the server, or the raw producer), the stack's broker and Redis, and the load generator (this
 * process: autocannon and the request signing). On 2 shared cores their sum says how far an arm
 * can go at all: a goal that needs more events/s than 2 cores / that sum cannot be met here.
 *
 *   npm run bench:ingest                      (3 repetitions, 8 s per arm, 64 connections, batch 50)
 *   BENCH_REPS=5 BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_BATCH=100 npm run bench:ingest
 *   BENCH_ARMS=A,S,C npm run bench:ingest    (only some arms, for quick comparisons; writes no docs)
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:ingest (--cpu-prof of each server process into that folder)
 *   BENCH_ALT_ROOT=/tmp/old BENCH_ARMS=S,S_alt,B,B_alt npm run bench:ingest
 *       (S_alt, B_alt: the ingest of another checkout, e.g. `git archive <commit>` with node_modules
 *       linked, interleaved with this one: before/after comparisons of a code change in one run)
 *
 * Writes bench/results/ingest.json and the ingest section of docs/benchmarks.md (with
 * CD_BENCH_RESULTS_FILE=<file>, as `npm run bench` runs it: the summary to that file only).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { AUTO_CLIENT } from '../../core/kafka-client/choose';
import { currentEndpoints, status } from '../../stack';
import { cpuWindow } from '../proc-cpu';
import { createCatalogCodec } from '../../connectors/sources/codec';
import { loadSiteMappings } from '../../connectors/sources/mapping/load';
import { mapRecord } from '../../connectors/sources/mapping/engine';
import { buildEvent, encodePrepared } from '../../connectors/sources/prepare';
import { cannon, startServer, type Mode } from './procs';
import { writeSection } from './report';
import { ROOT, records } from './workload';
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const ALL_ARMS = [
  'A',
  'S_js',
  'S_rd',
  'C_js',
  'C_rd',
  'A_batch',
  'B_js',
  'B_rd',
  'CB_js',
  'CB_rd',
  'K_js',
  'K_rd',
];
/** The ingest as shipped: the arms of the client `auto` picks (hub.kafka.clients.ingest). */
const SHIPPED = (AUTO_CLIENT.ingest as string) === 'librdkafka' ? 'rd' : 'js';
const ARMS = process.env.BENCH_ARMS ? process.env.BENCH_ARMS.split(',') : ALL_ARMS;
const ALT_ROOT = process.env.BENCH_ALT_ROOT;

interface ArmRun {
  arm: string;
  rep: number;
  requestsPerSec: number;
  eventsPerSec: number;
  non2xx: number;
  errors: number;
  latencyP99Ms: number;
  cpuMs?: number;
  rssMb?: number;
  /** Mean messages per produce request of the arm's publisher (warm-up included). */
  messagesPerProduce?: number;
  /** Events in the measured window (what `cpu` is divided by). */
  windowEvents?: number;
  /** CPU ms over the measured window: the arm's process, broker, redis, load (this process). */
  cpu?: Partial<Record<CpuPart, number>>;
}

const CPU_PARTS = ['process', 'broker', 'redis', 'load'] as const;
type CpuPart = (typeof CPU_PARTS)[number];

/** The stack's broker and Redis pids, when this stack started them (else their CPU is not read). */
async function stackPids(): Promise<{ broker?: number; redis?: number }> {
  const parts = await status().catch(() => []);
  const pidOf = (name: string) => parts.find((p) => p.part === name && p.owner === 'stack')?.pid;
  return { broker: pidOf('kafka'), redis: pidOf('redis') };
}

async function topicCount(admin: Admin, topic: string): Promise<number> {
  const offs = await admin.fetchTopicOffsets(topic);
  return offs.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
}

async function main(): Promise<void> {
  const endpoints = currentEndpoints();
  const prefix = `bench-${crypto.randomBytes(4).toString('hex')}`;
  const topic = `${prefix}.ingress.us-chi`;
  const admin = createKafka({ clientId: 'bench-admin', brokers: endpoints.kafkaBrokers }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  });

  const recs = records(40_000);
  const single = recs.map((r) => JSON.stringify(r));
  const batched = Array.from({ length: Math.floor(recs.length / BATCH) }, (_, i) =>
    JSON.stringify(recs.slice(i * BATCH, (i + 1) * BATCH)),
  );
  // The same events, pre-encoded once, for the raw producer arm.
  const codec = createCatalogCodec({ ids: endpoints.registryUrl });
  const site = loadSiteMappings('us-chi');
  const ctx = { site, codec, now: Date.now };
  const encoded = await Promise.all(
    recs.slice(0, 5000).map(async (r) => {
      const b = buildEvent(ctx, mapRecord(site, r));
      if (!b.event || !b.eventId || !b.key || !b.subject)
        throw new Error(`bench record does not map: ${JSON.stringify(b.problems)}`);
      const p = await encodePrepared(ctx, {
        event: b.event,
        eventId: b.eventId,
        key: b.key,
        subject: b.subject,
      });
      return {
        key: p.key,
        value: (p.message.value as Buffer).toString('base64'),
        headers: p.message.headers,
      };
    }),
  );
  const eventsFile = path.join(os.tmpdir(), `${prefix}-events.json`);
  fs.writeFileSync(eventsFile, JSON.stringify(encoded));
  const rawTopic = `${prefix}.raw`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: rawTopic, numPartitions: 6, replicationFactor: 1 }],
  });
  const ceilingTopic = `${prefix}.ceiling`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: ceilingTopic, numPartitions: 6, replicationFactor: 1 }],
  });
  const serverEnv = {
    CD_BENCH_PREFIX: prefix,
    CD_BENCH_TOPIC: ceilingTopic,
    CD_BENCH_EVENTS_FILE: eventsFile,
  };

  const pids = await stackPids();
  const runs: ArmRun[] = [];
  // Events answered 202 per topic; requests still in flight when autocannon stops an arm are
  // published but not counted: at most `connections × events per request` per cannon run.
  const answered = { ingest: 0, ceiling: 0 };
  const slack = { ingest: 0, ceiling: 0 };
  const httpArm = async (
    arm: string,
    mode: Mode,
    bodies: string[],
    perReq: number,
    rep: number,
    client: 'auto' | 'kafkajs' | 'librdkafka' = 'auto',
    root = ROOT,
    env: Record<string, string> = {},
  ) => {
    const srv = await startServer(mode, { ...serverEnv, ...env, CD_BENCH_CLIENT: client }, root);
    const warm = await cannon(srv.port, bodies, 2, CONNECTIONS); // JIT, producer id, registry cache, Redis scripts
    const others = cpuWindow({ process: srv.pid, ...pids });
    const load0 = process.cpuUsage();
    const res = await cannon(srv.port, bodies, SECONDS, CONNECTIONS);
    const load = process.cpuUsage(load0);
    const cpu = { ...others.stop(), load: Math.round((load.user + load.system) / 1000) };
    const usage = await srv.stop();
    const ok = res.requests.total - res.non2xx - res.errors;
    if (mode !== 'bare') {
      answered[mode] += (warm['2xx'] + res['2xx']) * perReq;
      slack[mode] += 2 * CONNECTIONS * perReq;
    }
    const run: ArmRun = {
      arm,
      rep,
      requestsPerSec: ok / (res.duration || SECONDS),
      eventsPerSec: (ok * perReq) / (res.duration || SECONDS),
      non2xx: res.non2xx + warm.non2xx,
      errors: res.errors + warm.errors,
      latencyP99Ms: res.latency.p99,
      cpuMs: usage.cpuMs,
      rssMb: usage.rssMb,
      ...(usage.produce?.produceRequests
        ? { messagesPerProduce: usage.produce.messages / usage.produce.produceRequests }
        : {}),
      windowEvents: ok * perReq,
      cpu,
    };
    runs.push(run);
    process.stderr.write(
      `[bench:ingest] rep ${rep} ${arm}: ${Math.round(run.eventsPerSec)} events/s (${Math.round(run.requestsPerSec)} req/s, non2xx ${run.non2xx}, errors ${run.errors}, CPU ${run.cpuMs} ms${run.messagesPerProduce ? `, ${run.messagesPerProduce.toFixed(1)} msgs/produce` : ''})\n`,
    );
  };
  const kafkaArm = async (arm: 'K_js' | 'K_rd', rep: number) => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'kafka-arm.ts')], {
        cwd: ROOT,
        env: {
          ...process.env,
          CD_BENCH_TOPIC: rawTopic,
          CD_BENCH_BATCH: String(BATCH),
          CD_BENCH_CONCURRENCY: String(Math.min(CONNECTIONS, 16)),
          CD_BENCH_SECONDS: String(SECONDS),
          CD_BENCH_EVENTS_FILE: eventsFile,
          CD_BENCH_CLIENT: arm === 'K_js' ? 'kafkajs' : 'librdkafka',
          CD_BENCH_WATCH_PIDS: JSON.stringify(pids),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let s = '';
      child.stdout.on('data', (d: Buffer) => (s += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(`kafka arm exited ${code}`))));
    });
    const r = JSON.parse(out) as {
      events: number;
      seconds: number;
      cpuMs: number;
      rssMb: number;
      others: Record<string, number>;
    };
    runs.push({
      arm,
      rep,
      requestsPerSec: r.events / BATCH / r.seconds,
      eventsPerSec: r.events / r.seconds,
      non2xx: 0,
      errors: 0,
      latencyP99Ms: 0,
      cpuMs: r.cpuMs,
      rssMb: r.rssMb,
      windowEvents: r.events,
      cpu: { process: r.cpuMs, ...r.others },
    });
    process.stderr.write(`[bench:ingest] rep ${rep} ${arm}: ${Math.round(r.events / r.seconds)} events/s\n`);
  };

  const batchCeiling = { CD_BENCH_PER_REQUEST: String(BATCH) };
  const arms: Record<string, (rep: number) => Promise<void>> = {
    A: (rep) => httpArm('A', 'bare', single, 1, rep),
    S_js: (rep) => httpArm('S_js', 'ingest', single, 1, rep, 'kafkajs'),
    S_rd: (rep) => httpArm('S_rd', 'ingest', single, 1, rep, 'librdkafka'),
    C_js: (rep) => httpArm('C_js', 'ceiling', single, 1, rep, 'kafkajs'),
    C_rd: (rep) => httpArm('C_rd', 'ceiling', single, 1, rep, 'librdkafka'),
    A_batch: (rep) => httpArm('A_batch', 'bare', batched, BATCH, rep),
    B_js: (rep) => httpArm('B_js', 'ingest', batched, BATCH, rep, 'kafkajs'),
    B_rd: (rep) => httpArm('B_rd', 'ingest', batched, BATCH, rep, 'librdkafka'),
    CB_js: (rep) => httpArm('CB_js', 'ceiling', batched, BATCH, rep, 'kafkajs', ROOT, batchCeiling),
    CB_rd: (rep) => httpArm('CB_rd', 'ceiling', batched, BATCH, rep, 'librdkafka', ROOT, batchCeiling),
    K_js: (rep) => kafkaArm('K_js', rep),
    K_rd: (rep) => kafkaArm('K_rd', rep),
    S_alt: (rep) => httpArm('S_alt', 'ingest', single, 1, rep, 'auto', ALT_ROOT),
    B_alt: (rep) => httpArm('B_alt', 'ingest', batched, BATCH, rep, 'auto', ALT_ROOT),
  };
  // Partial runs alternate the order (A B, B A, …) so that no arm always follows the same one.
  const partial = ARMS.join(',') !== ALL_ARMS.join(',');
  for (let rep = 1; rep <= REPS; rep++)
    for (const arm of partial && rep % 2 === 0 ? [...ARMS].reverse() : ARMS) await arms[arm]!(rep);
  const accepted = answered.ingest;
  const inTopic = await topicCount(admin, topic);
  const ceilingInTopic = await topicCount(admin, ceilingTopic);
  // Valid: nothing acknowledged is missing, and nothing beyond what was in flight at the cut-offs.
  const invalid =
    runs.some((r) => r.non2xx > 0 || r.errors > 0) ||
    inTopic < accepted ||
    inTopic > accepted + slack.ingest ||
    ceilingInTopic < answered.ceiling ||
    ceilingInTopic > answered.ceiling + slack.ceiling;
  await admin.deleteTopics({ topics: [topic, rawTopic, ceilingTopic] }).catch(() => undefined);
  await admin.disconnect();
  fs.rmSync(eventsFile, { force: true });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const cpuPerEvent = (rs: ArmRun[]): Partial<Record<CpuPart | 'total', number>> => {
    const us = (r: ArmRun, part: CpuPart) =>
      r.cpu?.[part] !== undefined && r.windowEvents ? (r.cpu[part] * 1000) / r.windowEvents : undefined;
    const out: Partial<Record<CpuPart | 'total', number>> = {};
    for (const part of CPU_PARTS) {
      const xs = rs.map((r) => us(r, part)).filter((x): x is number => x !== undefined);
      if (xs.length) out[part] = Math.round(median(xs));
    }
    const totals = rs.map((r) => CPU_PARTS.reduce((sum, part) => sum + (us(r, part) ?? 0), 0));
    if (totals.length) out.total = Math.round(median(totals));
    return out;
  };
  const of = (arm: string) => runs.filter((r) => r.arm === arm);
  type Ratio = { median: number; min: number; max: number };
  /** a / b per repetition; b may name several arms: the fastest of them in that repetition. */
  const ratio = (a: string, ...bs: string[]): Ratio | undefined => {
    if (!of(a).length || bs.some((b) => !of(b).length)) return undefined;
    const pairs = Array.from(
      { length: REPS },
      (_, i) => of(a)[i]!.eventsPerSec / Math.max(...bs.map((b) => of(b)[i]!.eventsPerSec)),
    );
    return { median: median(pairs), min: Math.min(...pairs), max: Math.max(...pairs) };
  };
  const alt = ALT_ROOT
    ? { altVsThis: { S: ratio('S_alt', `S_${SHIPPED}`), B: ratio('B_alt', `B_${SHIPPED}`) } }
    : {};
  const summary = {
    ...alt,
    measuredAt: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    settings: { reps: REPS, seconds: SECONDS, connections: CONNECTIONS, batch: BATCH },
    /** The ingest as shipped (its client: `shipped`). */
    shipped: AUTO_CLIENT.ingest,
    singleVsBare: ratio(`S_${SHIPPED}`, 'A'),
    ceilingVsBare: ratio(`C_${SHIPPED}`, 'A'),
    singleVsCeiling: ratio(`S_${SHIPPED}`, `C_${SHIPPED}`),
    /** Against the faster raw producer of the two clients in each repetition. */
    batchVsRawKafka: ratio(`B_${SHIPPED}`, 'K_js', 'K_rd'),
    /** The batched ceiling (no ingest work) against the same: ≥ 0.5 for the batched goal to be reachable. */
    batchCeilingVsRawKafka: ratio(`CB_${SHIPPED}`, 'K_js', 'K_rd'),
    batchVsCeiling: ratio(`B_${SHIPPED}`, `CB_${SHIPPED}`),
    /** The decision rule's figures (docs/adr/0003-kafka-client.md): librdkafka / kafkajs, arm by arm. */
    clients: {
      single: ratio('S_rd', 'S_js'),
      batch: ratio('B_rd', 'B_js'),
      ceiling: ratio('C_rd', 'C_js'),
      batchCeiling: ratio('CB_rd', 'CB_js'),
      raw: ratio('K_rd', 'K_js'),
    },
    /** µs of CPU per event over the measured window, median of the repetitions, per part and in all. */
    cpuPerEvent: Object.fromEntries(ARMS.map((a) => [a, cpuPerEvent(of(a))])),
    medians: Object.fromEntries(
      ARMS.map((a) => [
        a,
        {
          eventsPerSec: Math.round(median(of(a).map((r) => r.eventsPerSec))),
          requestsPerSec: Math.round(median(of(a).map((r) => r.requestsPerSec))),
          p99Ms: median(of(a).map((r) => r.latencyP99Ms)),
          cpuMs: median(of(a).map((r) => r.cpuMs ?? 0)),
          rssMb: median(of(a).map((r) => r.rssMb ?? 0)),
          messagesPerProduce: median(of(a).map((r) => r.messagesPerProduce ?? 0)),
        },
      ]),
    ),
    accepted,
    inTopic,
    ceilingAccepted: answered.ceiling,
    ceilingInTopic,
    invalid,
    runs,
  };
  const line = (name: string, r: Ratio | undefined) =>
    r ? `${name} ${r.median.toFixed(2)} (${r.min.toFixed(2)}-${r.max.toFixed(2)})  ` : '';
  process.stderr.write(
    `[bench:ingest] ${line('S/A', summary.singleVsBare)}${line('C/A', summary.ceilingVsBare)}${line('S/C', summary.singleVsCeiling)}${line('B/max(K_js,K_rd)', summary.batchVsRawKafka)}${line('CB/max(K_js,K_rd)', summary.batchCeilingVsRawKafka)}${line('S_rd/S_js', summary.clients.single)}${line('C_rd/C_js', summary.clients.ceiling)}${line('B_rd/B_js', summary.clients.batch)}${line('K_rd/K_js', summary.clients.raw)}${line('S_alt/S', ratio('S_alt', `S_${SHIPPED}`))}${line('B_alt/B', ratio('B_alt', `B_${SHIPPED}`))}${invalid ? 'INVALID RUN' : 'valid'} (accepted ${accepted}, in topic ${inTopic}; ceiling ${answered.ceiling}, in topic ${ceilingInTopic})\n`,
  );
  if (process.env.CD_BENCH_RESULTS_FILE) {
    // `npm run bench` (bench/all): the results go to its file; ingest.json and the docs section stay.
    fs.writeFileSync(process.env.CD_BENCH_RESULTS_FILE, JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  if (partial) {
    // A partial run (BENCH_ARMS) is a quick comparison: it does not replace the recorded figures.
    const out = path.join(os.tmpdir(), `bench-ingest-${Date.now()}.json`);
    fs.writeFileSync(out, JSON.stringify(summary, null, 2) + '\n');
    process.stderr.write(`[bench:ingest] partial run (BENCH_ARMS): results in ${out}, docs untouched\n`);
    return;
  }
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/results/ingest.json'), JSON.stringify(summary, null, 2) + '\n');
  writeSection(summary as Parameters<typeof writeSection>[0]);
}

// `--report`: rewrite the docs section from bench/results/ingest.json without measuring again.
const run = process.argv.includes('--report')
  ? async () =>
      writeSection(
        JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/results/ingest.json'), 'utf8')) as Parameters<
          typeof writeSection
        >[0],
      )
  : main;
void run().catch((err: unknown) => {
  process.stderr.write(`bench:ingest failed: ${String(err)}\n`);
  process.exitCode = 1;
});
