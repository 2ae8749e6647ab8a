/**
 * Router benchmark (docs/benchmarks.md, "Router"): B1 (plain kafkajs pass-through), B1RD (the same
 * on librdkafka, where the native client loads) and H (the router) in the same run, interleaved
 * B1 B1RD H B1 B1RD H …, at fan-out F = 1 and F = 3, drain mode.
 *
 *   npm run bench:router -- [--events 20000] [--warmup 3000] [--reps 3]
 *
 * The Kafka Streams peer, arm S (bench/router/streams-peer.ts: the same validate-and-fan-out as a
 * Kafka Streams app with exactly_once_v2, built with Maven on first use): CD_BENCH_ARMS=b1,h,s;
 * the summary adds S's events/s and H / S per pair. CD_BENCH_STREAMS_THREADS (num.stream.threads,
 * default 2: faster than 1 here) and CD_BENCH_STREAMS_JAVA_OPTS (JVM options) tune it.
 *
 * B1 on the native client, arm B1RD (bench/router/arm.ts b1rd: librdkafka's KafkaJS-style API):
 * CD_BENCH_ARMS=b1,b1rd,h; the summary adds B1RD's events/s, B1RD / B1 and H / the faster B1 of
 * each repetition, which is what the goals read (issue 19: "close to the best raw client").
 * CD_BENCH_NATIVE_BATCH=<n> bounds the batches of the native pass-through arms (B1RD, BTRD;
 * default -1, every record the consumer holds). Runs of 60,000 events time only 1.5–2.5 s at
 * these rates; `--events 200000 --warmup 20000` gives windows of 7–20 s and steadier ratios.
 *
 * Before/after a code change, in one run: CD_BENCH_ALT_ROOT=<another checkout, e.g. a
 * `git worktree` of the previous commit with node_modules linked> CD_BENCH_ARMS=b1,h,h_alt
 * CD_BENCH_NO_WRITE=1 npm run bench:router — h_alt is that checkout's router (its own arm.ts), and
 * the summary adds h_alt / h per pair.
 *
 * Per arm-run: fresh topics (2 sites × 6 partitions in, F × 6 out), the same pre-generated ~1 KB
 * events preloaded, the arm started in its own process and timed from the moment it has done
 * the warm-up share to the last commit; then the outputs are read with read_committed and the
 * run is invalid unless every topic holds every event exactly once, in per-key order.
 * Writes bench/results/router.json and the router section of docs/benchmarks.md (with
 * CD_BENCH_RESULTS_FILE=<file>, as `npm run bench` runs it: the results to that file only).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { CrossdockError } from '../../core/errors';
import { crossdockCacheDir } from '../../core/home';
import { loadNativeKafka } from '../../core/kafka-client/native-load';
import { createTopicsWithLeaders } from '../../core/topic-replication';
import { createRedis } from '../../core/redis';
import { currentEndpoints } from '../../stack';
import type { ArmConfig } from './arm';
import { ensurePeerJar, peerSummary, runStreamsArm } from './streams-peer';
import { makeWorkload, type BenchEvent } from './workload';

const root = path.resolve(__dirname, '../..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 20000);
const WARMUP = arg('warmup', 3000);
const REPS = arg('reps', 3);
const CONCURRENCY = arg('concurrency', 3);
const SITES = ['us-chi', 'ca-tor'];
const PARTITIONS = 6;
const endpoints = currentEndpoints();
const kafka = new Kafka({
  clientId: 'bench-router',
  brokers: endpoints.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});

type ArmName = 'b1' | 'b1rd' | 'btjs' | 'btrd' | 'h' | 'h0' | 'hjs' | 'hrd' | 'hrdf' | 'hrdb' | 'h_alt' | 's';
/**
 * The arms: CD_BENCH_ARMS, or B1 and H, with B1 on librdkafka too where the native client loads
 * (the goals read H against the faster B1; without it they read kafkajs's, and say so).
 */
const ARMS = (process.env.CD_BENCH_ARMS?.split(',') ??
  (loadNativeKafka(crossdockCacheDir()).ok ? ['b1', 'b1rd', 'h'] : ['b1', 'h'])) as ArmName[];
const STREAMS_THREADS = Number(process.env.CD_BENCH_STREAMS_THREADS ?? 2);
const STREAMS_JAVA_OPTS = (process.env.CD_BENCH_STREAMS_JAVA_OPTS ?? '').split(' ').filter(Boolean);
const ARM_TIMEOUT_MS = Number(process.env.CD_BENCH_ARM_TIMEOUT_MS ?? 300_000);

/** Another checkout whose router runs as arm h_alt (before/after comparisons). */
const ALT_ROOT = process.env.CD_BENCH_ALT_ROOT;

interface ArmResult {
  arm: ArmName;
  fanout: number;
  rep?: number;
  records: number;
  seconds: number;
  eventsPerSec: number;
  cpuPercent: number;
  rssMb: number;
  /** Node arms only. */
  eventLoopDelayP99Ms?: number;
  /** Arm S: num.stream.threads and the records its processor saw (a re-processed record counts twice). */
  threads?: number;
  processed?: number;
  batches?: number;
  meanBatchMs?: number;
  meanPlanMs?: number;
  duplicates?: number;
  deadLetters?: number;
  valid?: boolean;
  check?: string;
}

async function preload(prefix: string, events: BenchEvent[]): Promise<void> {
  // Idempotent, so a retried request under load cannot write an event twice into ingress (the
  // router would rightly drop the copy, and the arm, counting records, would stop early).
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

async function countRecords(topics: string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let n = 0;
  for (const t of topics)
    for (const p of await admin.fetchTopicOffsets(t)) n += Number(p.high) - Number(p.low);
  await admin.disconnect();
  return n;
}

function runArm(name: ArmName, cfg: Omit<ArmConfig, 'arm'>): Promise<ArmResult> {
  const alt = name === 'h_alt';
  if (alt && !ALT_ROOT) throw new Error('arm h_alt needs CD_BENCH_ALT_ROOT');
  const armRoot = alt ? ALT_ROOT! : root;
  return new Promise((resolve, reject) => {
    const prof =
      process.env.CD_BENCH_PROF && (process.env.CD_BENCH_PROF_ARM ?? 'h').split(',').includes(name)
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.CD_BENCH_PROF]
        : [];
    const script = path.join(armRoot, 'bench/router/arm.ts');
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', script], {
      cwd: armRoot,
      env: { ...process.env, CD_BENCH: JSON.stringify({ ...cfg, arm: alt ? 'h' : name }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ARM_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...(JSON.parse(line) as ArmResult), arm: name });
      } catch {
        reject(new Error(`arm ${name} exited ${code} without a result: ${out.slice(-500)}`));
      }
    });
  });
}

/** Every output topic holds every event exactly once (read_committed), each key in order. */
async function verify(prefix: string, fanout: number, events: BenchEvent[]): Promise<string | undefined> {
  const topics = Array.from({ length: fanout }, (_v, i) => `${prefix}.deliver.s${i + 1}`);
  const seen = new Map<string, Map<string, number>>(topics.map((t) => [t, new Map()]));
  const lastSeq = new Map<string, number>();
  let outOfOrder = 0;
  let missingSeq = 0;
  let total = 0;
  const consumer = kafka.consumer({
    groupId: `${prefix}-verify`,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const ids = seen.get(batch.topic)!;
      for (const m of batch.messages) {
        const id = String(m.headers?.ce_id);
        ids.set(id, (ids.get(id) ?? 0) + 1);
        const k = `${batch.topic}/${m.key?.toString()}`;
        const seq = Number(String(m.headers?.['bench-seq']));
        if (!Number.isInteger(seq)) missingSeq++;
        if ((lastSeq.get(k) ?? -1) > seq) outOfOrder++;
        lastSeq.set(k, seq);
        total++;
      }
    },
  });
  const deadline = Date.now() + 120_000;
  while (total < events.length * fanout && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1500));
  await consumer.disconnect();
  const problems: string[] = [];
  for (const [t, ids] of seen) {
    const dup = [...ids.values()].filter((n) => n > 1).length;
    const missing = events.filter((e) => !ids.has(e.id)).length;
    if (dup || missing || ids.size !== events.length)
      problems.push(`${t}: ${ids.size} distinct, ${missing} missing, ${dup} duplicated`);
  }
  if (outOfOrder) problems.push(`${outOfOrder} out of per-key order`);
  if (missingSeq) problems.push(`${missingSeq} without their bench-seq header`);
  return problems.length ? problems.join('; ') : undefined;
}

async function cleanup(prefix: string, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  const redis = createRedis({ url: endpoints.redisUrl });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** Arm S in this process: the JVM is timed from outside (bench/router/streams-peer.ts says how). */
async function runPeer(prefix: string, fanout: number, outputs: string[]): Promise<ArmResult> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const r = await runStreamsArm(admin, {
      prefix,
      inputs: SITES.map((s) => `${prefix}.ingress.${s}`),
      outputs,
      deadLetterTopic: `${prefix}.dlq.router`,
      total: EVENTS,
      warmup: WARMUP,
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.registryUrl,
      threads: STREAMS_THREADS,
      javaOpts: STREAMS_JAVA_OPTS,
      timeoutMs: ARM_TIMEOUT_MS,
    });
    return { arm: 's', fanout, ...r };
  } finally {
    await admin.disconnect();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const peer = ARMS.includes('s')
    ? { ...(await ensurePeerJar()), threads: STREAMS_THREADS, javaOpts: STREAMS_JAVA_OPTS.join(' ') }
    : undefined;
  process.stderr.write(`generating ${EVENTS} events…\n`);
  const events = await makeWorkload(endpoints.registryUrl, EVENTS, SITES);
  const results: ArmResult[] = [];
  for (const fanout of process.env.CD_BENCH_FANOUT ? [Number(process.env.CD_BENCH_FANOUT)] : [1, 3]) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const arm of ARMS) {
        const armStarted = Date.now();
        const prefix = `bench${armStarted.toString(36)}${arm}`;
        const outs = Array.from({ length: fanout }, (_v, i) => `${prefix}.deliver.s${i + 1}`);
        const all = [
          ...SITES.map((s) => `${prefix}.ingress.${s}`),
          ...outs,
          `${prefix}.dlq.router`,
          `${prefix}.unrouted`,
        ];
        const admin = kafka.admin();
        await admin.connect();
        // Waits out "not yet" metadata answers (a busy broker answered UNKNOWN_TOPIC_OR_PARTITION
        // right after a create, and kafkajs's waitForLeaders gave up with a stack trace).
        await createTopicsWithLeaders(
          admin,
          all.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
        );
        await admin.disconnect();
        await preload(prefix, events);
        const inIngress = await countRecords(SITES.map((st) => `${prefix}.ingress.${st}`));
        const res =
          arm === 's'
            ? await runPeer(prefix, fanout, outs)
            : await runArm(arm, {
                prefix,
                sites: SITES,
                fanout,
                total: EVENTS,
                warmup: WARMUP,
                brokers: endpoints.kafkaBrokers,
                registryUrl: endpoints.registryUrl,
                redisUrl: endpoints.redisUrl,
                partitionsConsumedConcurrently: CONCURRENCY,
                maxWaitTimeInMs: 100,
              });
        res.rep = rep + 1;
        const problem =
          inIngress !== events.length
            ? `ingress holds ${inIngress} records, not ${events.length}`
            : await verify(prefix, fanout, events);
        res.valid = !problem;
        if (problem) res.check = problem;
        results.push(res);
        const detail =
          arm === 's'
            ? `threads ${String(res.threads)} processed ${String(res.processed)} dlq ${String(res.deadLetters)}`
            : `batches ${String(res.batches)} mean ${String(res.meanBatchMs ?? '-')} ms (plan ${String(res.meanPlanMs ?? '-')})${res.duplicates !== undefined ? ` dup ${String(res.duplicates)} dlq ${String(res.deadLetters)}` : ''}`;
        process.stderr.write(
          `F=${fanout} rep ${rep + 1} ${arm.toUpperCase().padEnd(4)} ${String(res.eventsPerSec).padStart(6)} ev/s  ${detail}  cpu ${res.cpuPercent}%  rss ${res.rssMb} MB${res.eventLoopDelayP99Ms !== undefined ? `  eld p99 ${res.eventLoopDelayP99Ms} ms` : ''}  ${res.valid ? 'valid' : `INVALID: ${problem}`}  (arm-run ${Math.round((Date.now() - armStarted) / 1000)} s with preload and check)\n`,
        );
        await cleanup(prefix, all);
      }
    }
  }
  const summary = [1, 3].map((fanout) => {
    const of = (arm: ArmName) => results.filter((r) => r.fanout === fanout && r.arm === arm && r.valid);
    const b1 = of('b1').map((r) => r.eventsPerSec);
    const h = of('h').map((r) => r.eventsPerSec);
    // Ratio per interleaved pair, then the median of the ratios: noise hits both arms of a pair.
    const pairs = h.map((v, i) => (b1[i] ? v / b1[i]! : NaN)).filter((x) => Number.isFinite(x));
    const b1rd = of('b1rd').map((r) => r.eventsPerSec);
    // Per repetition, the faster of the two B1 arms that ran.
    const fastestB1 = Array.from({ length: Math.max(b1.length, b1rd.length) }, (_v, i) =>
      Math.max(b1[i] ?? 0, b1rd[i] ?? 0),
    );
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const eventsOf = (arm: ArmName) => of(arm).map((r) => r.eventsPerSec);
    /** An arm's events/s over `by`'s, repetition by repetition (pairs missing a side are left out). */
    const perPair = (arm: ArmName, by: number[]) =>
      spread(
        of(arm)
          .map((r, i) => r.eventsPerSec / (by[i] ?? NaN))
          .filter(Number.isFinite),
      );
    const spread = (xs: number[]) =>
      xs.length
        ? { median: round2(median(xs)), range: [round2(Math.min(...xs)), round2(Math.max(...xs))] }
        : null;
    const nativeB1 = b1rd.length
      ? {
          b1rd: { median: median(b1rd), min: Math.min(...b1rd), max: Math.max(...b1rd) },
          b1rdCpuPercent: median(of('b1rd').map((r) => r.cpuPercent)),
          b1rdOverB1: spread(b1rd.map((v, i) => (b1[i] ? v / b1[i]! : NaN)).filter(Number.isFinite)),
          hOverFastestB1: spread(
            h.map((v, i) => (fastestB1[i] ? v / fastestB1[i]! : NaN)).filter(Number.isFinite),
          ),
        }
      : {};
    const hAlt = of('h_alt').map((r) => r.eventsPerSec);
    const altPairs = hAlt.map((v, i) => (h[i] ? v / h[i]! : NaN)).filter((x) => Number.isFinite(x));
    return {
      fanout,
      ratio: pairs.length ? Math.round(median(pairs) * 100) / 100 : null,
      ratioRange: pairs.length
        ? [Math.round(Math.min(...pairs) * 100) / 100, Math.round(Math.max(...pairs) * 100) / 100]
        : null,
      b1: b1.length ? { median: median(b1), min: Math.min(...b1), max: Math.max(...b1) } : null,
      h: h.length ? { median: median(h), min: Math.min(...h), max: Math.max(...h) } : null,
      hCpuPercent: median(of('h').map((r) => r.cpuPercent)),
      b1CpuPercent: median(of('b1').map((r) => r.cpuPercent)),
      hRssMb: Math.max(...of('h').map((r) => r.rssMb)),
      b1RssMb: Math.max(...of('b1').map((r) => r.rssMb)),
      hEldP99Ms: median(of('h').map((r) => r.eventLoopDelayP99Ms ?? NaN)),
      invalidRuns: results.filter((r) => r.fanout === fanout && !r.valid).length,
      // Arm B1RD (when it ran): B1 on librdkafka, and H against the faster B1 of each pair.
      ...nativeB1,
      // Every arm that ran: events/s (median, min–max) and CPU %, for the diagnostic arms
      // (btjs, btrd: transactional pass-through per batch on each client) and their ratio.
      arms: Object.fromEntries(
        [...new Set(results.filter((r) => r.fanout === fanout).map((r) => r.arm))].map((a) => {
          const v = of(a).map((r) => r.eventsPerSec);
          return [
            a,
            v.length
              ? {
                  median: median(v),
                  min: Math.min(...v),
                  max: Math.max(...v),
                  cpuPercent: median(of(a).map((r) => r.cpuPercent)),
                }
              : null,
          ];
        }),
      ),
      // Arms HJS and HRD (the router on each client, when they ran): HRD / HJS, and HRD / the faster B1.
      ...(of('hrd').length
        ? {
            hrdOverHjs: perPair('hrd', eventsOf('hjs')),
            ...(of('hrdf').length ? { hrdfOverHrd: perPair('hrdf', eventsOf('hrd')) } : {}),
            hrdOverFastestB1: perPair('hrd', fastestB1),
          }
        : {}),
      ...(of('btrd').length && of('btjs').length
        ? {
            btrdOverBtjs: perPair('btrd', eventsOf('btjs')),
          }
        : {}),
      // Arm S (when it ran): its events/s, CPU and RSS, and H / S per pair.
      ...peerSummary(results, fanout),
      ...(altPairs.length
        ? {
            altVsH: {
              median: Math.round(median(altPairs) * 100) / 100,
              range: [
                Math.round(Math.min(...altPairs) * 100) / 100,
                Math.round(Math.max(...altPairs) * 100) / 100,
              ],
            },
          }
        : {}),
    };
  });
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
    kafkajs: (
      JSON.parse(fs.readFileSync(path.join(root, 'node_modules/kafkajs/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
  };
  const doc = {
    date: new Date().toISOString(),
    command: `${process.env.CD_BENCH_ARMS ? `CD_BENCH_ARMS=${ARMS.join(',')} ` : ''}${STREAMS_THREADS !== 2 ? `CD_BENCH_STREAMS_THREADS=${STREAMS_THREADS} ` : ''}npm run bench:router -- --events ${EVENTS} --warmup ${WARMUP} --reps ${REPS} --concurrency ${CONCURRENCY}`,
    machine,
    workload: {
      events: EVENTS,
      warmup: WARMUP,
      sites: SITES.length,
      partitions: PARTITIONS,
      avroBytes: Math.round(events.reduce((n, e) => n + e.value.length, 0) / events.length),
    },
    ...(peer ? { peer } : {}),
    summary,
    runs: results,
  };
  if (process.env.CD_BENCH_RESULTS_FILE) {
    // `npm run bench` (bench/all): the results go to its file; this arm's own file and docs section stay.
    fs.writeFileSync(process.env.CD_BENCH_RESULTS_FILE, JSON.stringify(doc, null, 2) + '\n');
    process.stderr.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  if (process.env.CD_BENCH_NO_WRITE) {
    process.stderr.write(`${JSON.stringify(summary, null, 2)}\nCD_BENCH_NO_WRITE: results not written\n`);
    return;
  }
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/router.json'), JSON.stringify(doc, null, 2) + '\n');
  writeDocs(doc);
  process.stderr.write(`${JSON.stringify(summary, null, 2)}\n`);
}

function writeDocs(doc: {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  workload: Record<string, unknown>;
  peer?: { java: string; kafkaStreams: string; avro: string; threads: number; javaOpts: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  summary: Array<Record<string, any>>;
}): void {
  const file = path.join(root, 'docs/benchmarks.md');
  const begin = '<!-- router:begin (written by npm run bench:router) -->';
  const end = '<!-- router:end -->';
  const goal = (f: number) => (f === 1 ? 0.85 : 0.9);
  const rows = doc.summary.map(
    (s) =>
      `| F = ${s.fanout} | **${s.ratio ?? '—'}** (${s.ratioRange?.join('–') ?? '—'}) | ${goal(s.fanout)} | ${s.b1?.median ?? '—'} (${s.b1?.min}–${s.b1?.max}) | ${s.h?.median ?? '—'} (${s.h?.min}–${s.h?.max}) | ${s.b1CpuPercent}% / ${s.hCpuPercent}% | ${s.b1RssMb} / ${s.hRssMb} | ${s.hEldP99Ms} | ${s.invalidRuns} |`,
  );
  const section = [
    begin,
    '## Router (B1 vs H)',
    '',
    `Measured ${doc.date.slice(0, 16).replace('T', ' ')} UTC on ${String(doc.machine.cpus)} shared cores (${String(doc.machine.cpuModel)}), Node ${String(doc.machine.node)}, kafkajs ${String(doc.machine.kafkajs)},`,
    `the local stack (Kafka 4.1 KRaft, Apicurio, Redis) on the same machine. Reproduce: \`${doc.command}\`.`,
    `Workload: ${String(doc.workload.events)} OrderReleased events per run (~${String(doc.workload.avroBytes)} B Avro + ~300 B CloudEvents headers, 3/4 v2 and 1/4 v1,`,
    `10,000 keys per site), ${String(doc.workload.sites)} ingress topics × ${String(doc.workload.partitions)} partitions, drain mode; the clock starts after the first ${String(doc.workload.warmup)} events.`,
    'B1 = kafkajs pass-through (sendBatch of the unchanged bytes to F topics, acks all, commit after the ack);',
    'H = the router as shipped (decode, validate, dedupe in Redis, route; batches share Kafka transactions with sendOffsets).',
    `Both: partitionsConsumedConcurrently ${CONCURRENCY}, maxWaitTimeInMs 100, no compression.` +
      ' Every run is checked afterwards',
    '(read_committed: every event exactly once on every output topic, per-key order); invalid runs are excluded.',
    '',
    '| fan-out | H / B1 (median of pairs, range) | goal | B1 events/s (median, min–max) | H events/s | CPU B1 / H | RSS MB B1 / H | H event-loop p99 ms | invalid runs |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...nativeB1Rows(doc),
    ...peerRows(doc),
    '',
    'Raw runs: `bench/results/router.json`.',
    end,
  ].join('\n');
  const current = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Benchmarks\n\nHow we measure: each benchmark runs its baseline arm and the hub arm interleaved in the same run and reports the ratio first.\n';
  const next = current.includes(begin)
    ? current.slice(0, current.indexOf(begin)) + section + current.slice(current.indexOf(end) + end.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}

/** B1 on the native client (arm B1RD), when it ran: the goals read H against the faster B1. */
function nativeB1Rows(doc: Parameters<typeof writeDocs>[0]): string[] {
  if (!doc.summary.some((s) => s.b1rd)) return [];
  return [
    '',
    'B1RD = the same pass-through on librdkafka (@confluentinc/kafka-javascript, its KafkaJS-style API; consumer batches unbounded, producer defaults).',
    'The goals read H against the faster of B1 and B1RD in each pair (docs/adr/0003-kafka-client.md).',
    '',
    '| fan-out | H / faster B1 (median of pairs, range) | goal | B1RD / B1 | B1RD events/s (median, min–max) | CPU B1RD |',
    '|---|---|---|---|---|---|',
    ...doc.summary.map(
      (s) =>
        `| F = ${s.fanout} | **${s.hOverFastestB1?.median ?? '—'}** (${s.hOverFastestB1?.range?.join('–') ?? '—'}) | ${s.fanout === 1 ? 0.85 : 0.9} | ${s.b1rdOverB1?.median ?? '—'} (${s.b1rdOverB1?.range?.join('–') ?? '—'}) | ${s.b1rd?.median ?? '—'} (${s.b1rd?.min}–${s.b1rd?.max}) | ${s.b1rdCpuPercent ?? '—'}% |`,
    ),
  ];
}

/** The Kafka Streams peer's table (arm S), when it ran; docs/benchmarks.md "Router: the Kafka Streams peer". */
function peerRows(doc: Parameters<typeof writeDocs>[0]): string[] {
  const p = doc.peer;
  if (!p || !doc.summary.some((s) => s.s)) return [];
  return [
    '',
    `S = the Kafka Streams peer (bench/router/streams-peer/, "Router: the Kafka Streams peer (arm S)" below): Kafka Streams ${p.kafkaStreams} on Java ${p.java},`,
    `exactly_once_v2, commit.interval.ms 100 (the exactly-once default), num.stream.threads ${p.threads}, JVM options ${p.javaOpts ? `\`${p.javaOpts}\`` : 'none (defaults)'};`,
    `the Confluent framing read, the writer schema fetched by id from the registry, the body decoded with Apache Avro ${p.avro}'s GenericDatumReader, the original bytes forwarded to the F topics.`,
    'Timed from its committed offsets, sampled every 100 ms (the same window: warm-up share committed → all committed). The goal: H ≥ 0.9 of S.',
    '',
    '| fan-out | H / S (median of pairs, range) | goal | S events/s (median, min–max) | H events/s | CPU S / H | RSS MB S / H |',
    '|---|---|---|---|---|---|---|',
    ...doc.summary.map(
      (s) =>
        `| F = ${s.fanout} | **${s.hOverS?.median ?? '—'}** (${s.hOverS?.range?.join('–') ?? '—'}) | 0.9 | ${s.s?.median ?? '—'} (${s.s?.min}–${s.s?.max}) | ${s.h?.median ?? '—'} | ${s.sCpuPercent ?? '—'}% / ${s.hCpuPercent}% | ${s.sRssMb ?? '—'} / ${s.hRssMb} |`,
    ),
  ];
}

main().catch((err: unknown) => {
  // A coded failure (CD_E_BENCH_STREAMS_BUILD: arm S could not be built) says its code and message only.
  process.stderr.write(
    `${err instanceof CrossdockError ? `${err.code}: ${err.message}` : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
