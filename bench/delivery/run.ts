/**
 * Benchmark D (docs/benchmarks.md): the HTTP sink connector against a local receiver versus a raw undici
 * loop posting the same bytes to the same receiver, in the same run, interleaved, ratios first.
 *
 *   npm run bench:delivery              (defaults: 20000 events, 5 repetitions, 8 s open loop)
 *   BENCH_EVENTS=50000 BENCH_REPS=5 npm run bench:delivery
 *
 * Drain: N events preloaded on a 6-partition deliver topic (~1 KB events, 10k keys); deliveries/s
 * from the receiver's first to last receipt. Raw arm: the same JSON bodies the connector sends,
 * POSTed with the same in-flight cap and the same headers. Open loop: 50% of the raw arm's median rate, latency from the
 * scheduled send time to receipt (HDR histogram at the receiver). Writes bench/delivery/results.json.
 * Arm C (ceiling-child.ts) runs after the connector in each rep: the least a kafkajs-fed connector
 * does (no Redis, retry or idempotency); C / raw says whether the goal is reachable at all.
 *
 * Diagnostics (nothing is written to the docs): BENCH_OPEN_SECONDS=0 (drain only), BENCH_CEILING=0
 * (no arm C), BENCH_AB_ROOT=<another checkout> (its connector too, each rep: before/after in one run),
 * BENCH_RAW_DISPATCH=1 (raw arm posts with the connector's dispatch handler), BENCH_PROFILE_DIR=<dir>
 * (--cpu-prof of the connector and C children), BENCH_OPEN_ONLY_RATE=<n>/s. BENCH_RENDER_ONLY=1
 * rewrites the docs section from results.json with the current notes (notes.ts).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { avroType, frame, toJsonSafe } from '../../core/avro';
import { encodeEvent, loadCatalog } from '../../schemas';
import { currentEndpoints } from '../../stack';
import { post } from '../../connectors/sinks/http-post';
import { writeDeliverySection, type DeliveryResult } from './report';
import { startProcess, stopProcess } from './procs';
import { makeEvents, type BenchEvent } from './workload';
import { EXTRA_NOTES } from './notes';

const N = Number(process.env.BENCH_EVENTS ?? 20000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const KEYS = 10_000;
/** 'json' (default: the canonical event as JSON, the subscriber default) or 'avro' (the framed bytes as they are). */
const BODY = process.env.BENCH_BODY === 'avro' ? 'avro' : 'json';
const ROOT = path.resolve(__dirname, '../..');
/** Arm C (ceiling-child.ts) interleaved with the others; BENCH_CEILING=0 leaves it out (quick runs). */
const CEILING = process.env.BENCH_CEILING !== '0';
const CEILING_SCRIPT = 'ceiling-child.ts';
/** Diagnostics: the raw arm POSTs with the connector's dispatch handler instead of request() + dump(). */
const RAW_DISPATCH = process.env.BENCH_RAW_DISPATCH === '1';
/** Diagnostics: also run the connector of another checkout (e.g. the previous commit) each rep; nothing written. */
const AB_ROOT = process.env.BENCH_AB_ROOT;

/** Median, min and max of a list. */
function spread(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)! };
}

interface Stats {
  count: number;
  distinct: number;
  outOfOrder: number;
  first: number;
  last: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number; n: number };
}

async function main(): Promise<void> {
  if (process.env.BENCH_RENDER_ONLY) {
    // Re-renders the docs section from the recorded results.json with the current notes (no run).
    const recorded = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'results.json'), 'utf8'),
    ) as DeliveryResult;
    writeDeliverySection(ROOT, { ...recorded, extra: EXTRA_NOTES });
    return;
  }
  const endpoints = currentEndpoints();
  const entry = loadCatalog().entries.find((e) => e.eventType === 'OrderHoldPlaced')!;
  const kafka = createKafka({ clientId: 'bench-d', brokers: endpoints.kafkaBrokers });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();

  const receiver = await startProcess(['bench/delivery/receiver.ts'], {}, (l) => /^\d+$/.test(l));
  const port = Number(receiver.line);
  const base = `http://127.0.0.1:${port}`;
  const control = new Pool(base, { connections: 1 });
  const stats = async (): Promise<Stats> =>
    (await (await control.request({ path: '/stats', method: 'GET' })).body.json()) as Stats;
  const reset = async () =>
    void (await (await control.request({ path: '/reset', method: 'POST' })).body.dump());

  // Encode once: the framed Avro the connector reads, and the JSON body it will send (the raw arm posts those bytes).
  const events = makeEvents(N, 42, KEYS);
  const schemaId = (
    await encodeEvent(endpoints.registryUrl, entry, undefined, events[0]!.value)
  ).readUInt32BE(1);
  const type = avroType(entry.versions.at(-1)!.schema);
  const framed = events.map((e) => frame(schemaId, type.toBuffer(e.value)));
  const bodies =
    BODY === 'avro' ? framed : events.map((e) => Buffer.from(JSON.stringify(toJsonSafe(e.value))));
  const bodyType = BODY === 'avro' ? 'application/avro' : 'application/json';
  const avgBytes = Math.round(framed.reduce((n, b) => n + b.length, 0) / N);

  const ceHeaders = (e: BenchEvent) => ({
    ce_specversion: '1.0',
    ce_id: e.eventId,
    ce_type: 'com.crossdock.order.OrderHoldPlaced',
    ce_source: 'crossdock/us-chi',
    ce_time: new Date().toISOString(),
    ce_subject: e.orderId,
    'content-type': 'application/avro',
    traceparent: `00-${crypto.createHash('md5').update(e.eventId).digest('hex')}-${e.eventId.replace(/-/g, '').slice(0, 16)}-01`,
  });

  // The raw arm sends the very request the connector sends: same body and the same header set
  // (CloudEvents binary mode, traceparent, Idempotency-Key, user-agent), so the receiver does the
  // same parsing work per request in both arms (the benchmark's rule: the same bytes to the same receiver).
  const requestHeaders = (e: BenchEvent, idempotencyKey = e.eventId): Record<string, string> => {
    const ce = ceHeaders(e);
    return {
      'content-type': bodyType,
      'idempotency-key': idempotencyKey,
      'user-agent': 'crossdock',
      traceparent: ce.traceparent,
      'ce-id': ce.ce_id,
      'ce-type': ce.ce_type,
      'ce-source': ce.ce_source,
      'ce-time': ce.ce_time,
      'ce-subject': ce.ce_subject,
      'ce-specversion': ce.ce_specversion,
    };
  };
  const rawHeaders = events.map((e) => requestHeaders(e));

  async function preload(topic: string): Promise<void> {
    for (let i = 0; i < N; i += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: events
          .slice(i, i + 1000)
          .map((e, j) => ({ key: e.orderId, value: framed[i + j]!, headers: ceHeaders(e) })),
      });
    }
  }

  async function newSubscriber(): Promise<{ prefix: string; subscriberId: string; topic: string }> {
    const prefix = `bench-${crypto.randomBytes(4).toString('hex')}`;
    // A fresh subscriber per arm run: the events repeat (fixed seed), their idempotency records must not.
    const subscriberId = `bench-${crypto.randomBytes(4).toString('hex')}`;
    const topic = `${prefix}.deliver.${subscriberId}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 6 },
        { topic: `${prefix}.dlq.deliver.${subscriberId}`, numPartitions: 1 },
      ],
    });
    return { prefix, subscriberId, topic };
  }

  function startConnector(
    s: { prefix: string; subscriberId: string },
    script = 'connector-child.ts',
    cwd?: string,
  ) {
    const cfg = {
      ...s,
      url: `${base}/hook`,
      brokers: endpoints.kafkaBrokers,
      redisUrl: endpoints.redisUrl,
      registryUrl: endpoints.registryUrl,
      concurrency: CONCURRENCY,
    };
    const prof = process.env.BENCH_PROFILE_DIR
      ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : [];
    return startProcess(
      [...prof, `bench/delivery/${script}`],
      { CD_BENCH: JSON.stringify(cfg) },
      (l) => l === 'ready',
      cwd,
    );
  }

  async function waitCount(n: number, timeoutMs = 300_000): Promise<Stats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await stats();
      if (s.count >= n) return s;
      if (Date.now() > deadline) throw new Error(`receiver got ${s.count} of ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const rate = (s: Stats) => ((s.count - 1) / (s.last - s.first)) * 1000;

  async function rawDrain(): Promise<Stats> {
    await reset();
    const pool = new Pool(base, { connections: CONCURRENCY, keepAliveTimeout: 30_000 });
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        if (RAW_DISPATCH) {
          await post(pool, '/hook', rawHeaders[i]!, bodies[i]!, 10_000);
          continue;
        }
        const res = await pool.request({
          path: '/hook',
          method: 'POST',
          headers: rawHeaders[i]!,
          body: bodies[i]!,
        });
        await res.body.dump();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await pool.close();
    return waitCount(N);
  }

  /** The connector arm, or the ceiling arm C (ceiling-child.ts) on a topic of its own. */
  async function connectorDrain(
    script?: string,
    cwd?: string,
  ): Promise<Stats & { cpuMs?: number; rssMb?: number }> {
    const s = await newSubscriber();
    await preload(s.topic);
    await reset();
    const c = await startConnector(s, script, cwd);
    const st = await waitCount(N);
    const usage = await stopProcess(c);
    return { ...st, ...usage };
  }

  // Warm-up: JIT, metadata, registry cache, connections.
  process.stderr.write('warm-up\n');
  await rawDrain();
  await connectorDrain();
  if (CEILING) await connectorDrain(CEILING_SCRIPT);
  if (process.env.BENCH_OPEN_ONLY_RATE) {
    // Diagnostics: one open loop pair at a given rate, nothing written.
    const r = Number(process.env.BENCH_OPEN_ONLY_RATE);
    const raw = await rawOpen(r);
    const conn = await connectorOpen(producer, r);
    process.stderr.write(
      `open-only ${r}/s raw ${JSON.stringify(raw.latencyMs)} connector ${JSON.stringify(conn.latencyMs)}\n`,
    );
    if (AB_ROOT) {
      const other = await connectorOpen(producer, r, AB_ROOT);
      process.stderr.write(`open-only ${r}/s other tree's connector ${JSON.stringify(other.latencyMs)}\n`);
    }
    process.exit(0);
  }

  const drains: Array<{
    rep: number;
    raw: number;
    connector: number;
    ratio: number;
    connectorCpuMs?: number;
    connectorRssMb?: number;
    /** Arm C (ceiling): deliveries/s, C / raw, connector / C, its CPU per run. */
    ceiling?: number;
    ceilingRatio?: number;
    connectorVsCeiling?: number;
    ceilingCpuMs?: number;
    lossOrDup: boolean;
    outOfOrder: number;
  }> = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const r = await rawDrain();
    const d = await connectorDrain();
    const c = CEILING ? await connectorDrain(CEILING_SCRIPT) : undefined;
    if (AB_ROOT) {
      // Diagnostic A/B: the connector of another source tree, same workload, same run.
      const b = await connectorDrain(undefined, AB_ROOT);
      process.stderr.write(
        `ab ${rep}: this tree ${Math.round(rate(d))}/s cpu ${d.cpuMs} ms, other tree ${Math.round(rate(b))}/s cpu ${b.cpuMs} ms, this/other ${(rate(d) / rate(b)).toFixed(2)}\n`,
      );
    }
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const row = {
      rep,
      raw: Math.round(rate(r)),
      connector: Math.round(rate(d)),
      ratio: round2(rate(d) / rate(r)),
      connectorCpuMs: d.cpuMs,
      connectorRssMb: d.rssMb,
      ...(c
        ? {
            ceiling: Math.round(rate(c)),
            ceilingRatio: round2(rate(c) / rate(r)),
            connectorVsCeiling: round2(rate(d) / rate(c)),
            ceilingCpuMs: c.cpuMs,
          }
        : {}),
      lossOrDup:
        r.count !== N ||
        r.distinct !== N ||
        d.count !== N ||
        d.distinct !== N ||
        (c !== undefined && (c.count !== N || c.distinct !== N)),
      outOfOrder: d.outOfOrder + (c?.outOfOrder ?? 0),
    };
    drains.push(row);
    process.stderr.write(`drain ${rep}: ${JSON.stringify(row)}\n`);
  }
  const sorted = [...drains].sort((a, b) => a.ratio - b.ratio);
  const medianRaw = [...drains].map((d) => d.raw).sort((a, b) => a - b)[Math.floor(drains.length / 2)]!;
  const medianConnector = [...drains].map((d) => d.connector).sort((a, b) => a - b)[
    Math.floor(drains.length / 2)
  ]!;

  // Open loop, raw arm: POST on a fixed schedule; the receiver measures from the scheduled time.
  async function rawOpen(openRate: number): Promise<Stats> {
    const openCount = openRate * OPEN_SECONDS;
    await reset();
    const pool = new Pool(base, { connections: CONCURRENCY, keepAliveTimeout: 30_000 });
    const t0 = performance.timeOrigin + performance.now() + 50;
    const pending: Array<Promise<void>> = [];
    let k = 0;
    while (k < openCount) {
      const now = performance.timeOrigin + performance.now();
      while (k < openCount && t0 + (k * 1000) / openRate <= now) {
        const i = k % N;
        const sched = t0 + (k * 1000) / openRate;
        pending.push(
          pool
            .request({
              path: '/hook',
              method: 'POST',
              headers: {
                ...requestHeaders(events[i]!, `${events[i]!.eventId}-${k}`),
                'x-bench-sched': String(sched),
              },
              body: bodies[i]!,
            })
            .then((res) => res.body.dump()),
        );
        k++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    await pool.close();
    return waitCount(openCount);
  }

  // Open loop, connector arm: produce on the same schedule, occurredAt = the scheduled time.
  async function connectorOpen(p: Producer, openRate: number, cwd?: string): Promise<Stats> {
    const openCount = openRate * OPEN_SECONDS;
    const s = await newSubscriber();
    const c = await startConnector(s, undefined, cwd);
    // Warm the group and the connections before measuring.
    await reset();
    await p.send({
      topic: s.topic,
      acks: -1,
      messages: events.slice(0, 200).map((e, j) => ({
        key: e.orderId,
        value: framed[j]!,
        headers: ceHeaders({ ...e, eventId: `${e.eventId.slice(0, -4)}w${String(j).padStart(3, '0')}` }),
      })),
    });
    await waitCount(200);
    await reset();
    const t0 = performance.timeOrigin + performance.now() + 50;
    let k = 0;
    const sends: Array<Promise<unknown>> = [];
    while (k < openCount) {
      const now = performance.timeOrigin + performance.now();
      const batch: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
      while (k < openCount && batch.length < 500 && t0 + (k * 1000) / openRate <= now) {
        const e = events[k % N]!;
        const sched = t0 + (k * 1000) / openRate;
        const value = frame(
          schemaId,
          type.toBuffer({
            ...e.value,
            metadata: { ...(e.value.metadata as object), occurredAt: new Date(sched) },
          }),
        );
        batch.push({ key: e.orderId, value, headers: ceHeaders({ ...e, eventId: `${e.eventId}-${k}` }) });
        k++;
      }
      if (batch.length) sends.push(p.send({ topic: s.topic, acks: -1, messages: batch }));
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(sends);
    const st = await waitCount(openCount);
    await stopProcess(c);
    return st;
  }

  // Two loads: half the raw loop's drain rate (the goal), and half the connector's own
  // drain rate (its latency when it is not saturated).
  const openLoop: Record<string, unknown> = {};
  // BENCH_OPEN_SECONDS=0: drain only (quick iterations; results are not written to the docs).
  const loads =
    OPEN_SECONDS > 0
      ? ([
          ['halfRaw', Math.round(medianRaw * 0.5)],
          ['halfConnector', Math.round(medianConnector * 0.5)],
        ] as const)
      : [];
  for (const [name, openRate] of loads) {
    process.stderr.write(`open loop ${name} at ${openRate}/s for ${OPEN_SECONDS}s\n`);
    const raw = await rawOpen(openRate);
    const conn = await connectorOpen(producer, openRate);
    const n = openRate * OPEN_SECONDS;
    openLoop[name] = {
      rate: openRate,
      raw: raw.latencyMs,
      connector: conn.latencyMs,
      addedP50Ms: Math.round((conn.latencyMs.p50 - raw.latencyMs.p50) * 100) / 100,
      addedP99Ms: Math.round((conn.latencyMs.p99 - raw.latencyMs.p99) * 100) / 100,
      lossOrDup: raw.count !== n || raw.distinct !== n || conn.count !== n || conn.distinct !== n,
    };
    process.stderr.write(`  ${JSON.stringify(openLoop[name])}\n`);
  }

  const result = {
    benchmark: 'D — delivery: HTTP sink connector vs raw undici loop',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 1e9),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    settings: {
      events: N,
      reps: REPS,
      concurrency: CONCURRENCY,
      partitions: 6,
      keys: KEYS,
      avgAvroBytes: avgBytes,
      avgJsonBytes: Math.round(bodies.reduce((n, b) => n + b.length, 0) / N),
      openLoopSeconds: OPEN_SECONDS,
    },
    drain: {
      ratioMedian: sorted[Math.floor(sorted.length / 2)]!.ratio,
      ratioMin: sorted[0]!.ratio,
      ratioMax: sorted.at(-1)!.ratio,
      ...(CEILING ? { ceiling: spread(drains.map((d) => d.ceilingRatio!)) } : {}),
      ...(CEILING ? { connectorVsCeiling: spread(drains.map((d) => d.connectorVsCeiling!)) } : {}),
      reps: drains,
    },
    openLoop,
    command: 'npm run bench:delivery',
  };
  if (OPEN_SECONDS > 0 && !AB_ROOT)
    fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  if (!process.env.BENCH_NO_DOCS && BODY === 'json' && OPEN_SECONDS > 0 && !AB_ROOT)
    writeDeliverySection(ROOT, { ...result, extra: EXTRA_NOTES } as DeliveryResult);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');

  await control.close();
  await stopProcess(receiver);
  await producer.disconnect();
  await admin.disconnect();
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
