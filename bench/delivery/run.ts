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
 * does (no Redis, retry or idempotency); C / raw says whether the goal is reachable at all. Arm
 * C_rd, right after it, is the same on librdkafka (the native client): the connector goal reads
 * the connector against the faster of C and C_rd (issue 19). Arm D_rd, last, is the connector
 * with its deliver-topic consumer on librdkafka (hub.kafka.clients.connectors): D_rd / D is what
 * the connectors' client decision reads (docs/adr/0003-kafka-client.md).
 *
 * Diagnostics (nothing is written to the docs): BENCH_OPEN_SECONDS=0 (drain only), BENCH_CEILING=0
 * (no arm C), BENCH_AB_ROOT=<another checkout> (its connector too, each rep: before/after in one run;
 * first in even reps, last in odd ones),
 * BENCH_RAW_DISPATCH=1 (raw arm posts with the connector's dispatch handler), BENCH_PROFILE_DIR=<dir>
 * (--cpu-prof of the connector and C children), BENCH_OPEN_ONLY_RATE=<n>/s. BENCH_RENDER_ONLY=1
 * rewrites the docs section from results.json with the current notes (notes.ts).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDeliverySection, type DeliveryResult } from './report';
import { EXTRA_NOTES } from './notes';
import { connectorDrain, connectorOpen, rawDrain, rawOpen } from './arms';
import { createRig, rate } from './rig';
import {
  AB_ROOT,
  BODY,
  CEILING,
  CEILING_SCRIPT,
  CONCURRENCY,
  NATIVE_CEILING_ENV,
  KEYS,
  N,
  OPEN_SECONDS,
  REPS,
  ROOT,
} from './settings';

/** Median, min and max of a list. */
function spread(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)! };
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
  const rig = await createRig();
  const { producer, bodies, avgBytes } = rig;

  // Warm-up: JIT, metadata, registry cache, connections.
  process.stderr.write('warm-up\n');
  await rawDrain(rig);
  await connectorDrain(rig);
  if (CEILING) await connectorDrain(rig, CEILING_SCRIPT);
  if (CEILING) await connectorDrain(rig, CEILING_SCRIPT, undefined, NATIVE_CEILING_ENV);
  if (process.env.BENCH_OPEN_ONLY_RATE) {
    // Diagnostics: one open loop pair at a given rate, nothing written.
    const r = Number(process.env.BENCH_OPEN_ONLY_RATE);
    const raw = await rawOpen(rig, r);
    const conn = await connectorOpen(rig, producer, r);
    process.stderr.write(
      `open-only ${r}/s raw ${JSON.stringify(raw.latencyMs)} connector ${JSON.stringify(conn.latencyMs)}\n`,
    );
    if (AB_ROOT) {
      const other = await connectorOpen(rig, producer, r, AB_ROOT);
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
    /** Arm C_rd: the ceiling on librdkafka; connector / the faster of C and C_rd (issue 19's baseline). */
    ceilingRd?: number;
    ceilingRdVsC?: number;
    connectorVsFastestCeiling?: number;
    ceilingRdCpuMs?: number;
    /** Arm D_rd: the connector with its consumer on librdkafka; D_rd / D (the connectors' client decision). */
    connectorRd?: number;
    connectorRdVsD?: number;
    connectorRdCpuMs?: number;
    lossOrDup: boolean;
    outOfOrder: number;
  }> = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const r = await rawDrain(rig);
    // The other tree's connector runs right before this one in even reps and after every other
    // arm in odd ones, so neither tree always gets the same place in the rep.
    const abBefore = AB_ROOT && rep % 2 === 0 ? await connectorDrain(rig, undefined, AB_ROOT) : undefined;
    const d = await connectorDrain(rig);
    const c = CEILING ? await connectorDrain(rig, CEILING_SCRIPT) : undefined;
    const crd = CEILING
      ? await connectorDrain(rig, CEILING_SCRIPT, undefined, NATIVE_CEILING_ENV)
      : undefined;
    const drd = CEILING ? await connectorDrain(rig, undefined, undefined, NATIVE_CEILING_ENV) : undefined;
    if (AB_ROOT) {
      // Diagnostic A/B: the connector of another source tree, same workload, same run.
      const b = abBefore ?? (await connectorDrain(rig, undefined, AB_ROOT));
      process.stderr.write(
        `ab ${rep} (other tree ${abBefore ? 'first' : 'last'}): this tree ${Math.round(rate(d))}/s cpu ${d.cpuMs} ms, other tree ${Math.round(rate(b))}/s cpu ${b.cpuMs} ms, this/other ${(rate(d) / rate(b)).toFixed(2)}\n`,
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
      ...(c && crd
        ? {
            ceilingRd: Math.round(rate(crd)),
            ceilingRdVsC: round2(rate(crd) / rate(c)),
            connectorVsFastestCeiling: round2(rate(d) / Math.max(rate(c), rate(crd))),
            ceilingRdCpuMs: crd.cpuMs,
          }
        : {}),
      ...(drd
        ? {
            connectorRd: Math.round(rate(drd)),
            connectorRdVsD: round2(rate(drd) / rate(d)),
            connectorRdCpuMs: drd.cpuMs,
          }
        : {}),
      lossOrDup:
        r.count !== N ||
        r.distinct !== N ||
        d.count !== N ||
        d.distinct !== N ||
        (c !== undefined && (c.count !== N || c.distinct !== N)) ||
        (crd !== undefined && (crd.count !== N || crd.distinct !== N)) ||
        (drd !== undefined && (drd.count !== N || drd.distinct !== N)),
      outOfOrder: d.outOfOrder + (c?.outOfOrder ?? 0) + (crd?.outOfOrder ?? 0) + (drd?.outOfOrder ?? 0),
    };
    drains.push(row);
    process.stderr.write(`drain ${rep}: ${JSON.stringify(row)}\n`);
  }
  const sorted = [...drains].sort((a, b) => a.ratio - b.ratio);
  const medianRaw = [...drains].map((d) => d.raw).sort((a, b) => a - b)[Math.floor(drains.length / 2)]!;
  const medianConnector = [...drains].map((d) => d.connector).sort((a, b) => a - b)[
    Math.floor(drains.length / 2)
  ]!;

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
    const raw = await rawOpen(rig, openRate);
    const conn = await connectorOpen(rig, producer, openRate);
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
      ...(CEILING
        ? {
            ceilingRdVsC: spread(drains.map((d) => d.ceilingRdVsC!)),
            connectorVsFastestCeiling: spread(drains.map((d) => d.connectorVsFastestCeiling!)),
            connectorRdVsD: spread(drains.map((d) => d.connectorRdVsD!)),
          }
        : {}),
      reps: drains,
    },
    openLoop,
    command: 'npm run bench:delivery',
  };
  // `npm run bench` (bench/all) passes CD_BENCH_RESULTS_FILE: the result goes there only.
  const resultsFile = process.env.CD_BENCH_RESULTS_FILE;
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(result, null, 2) + '\n');
  else if (OPEN_SECONDS > 0 && !AB_ROOT)
    fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  if (!resultsFile && !process.env.BENCH_NO_DOCS && BODY === 'json' && OPEN_SECONDS > 0 && !AB_ROOT)
    writeDeliverySection(ROOT, { ...result, extra: EXTRA_NOTES } as DeliveryResult);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');

  await rig.close();
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
