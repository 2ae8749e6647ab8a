import fs from 'node:fs';
import path from 'node:path';

/** The delivery section of docs/benchmarks.md, between its markers (other sections untouched). */
const BEGIN = '<!-- delivery:begin (written by npm run bench:delivery) -->';
const END = '<!-- delivery:end -->';

interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}
interface Spread {
  median: number;
  min: number;
  max: number;
}
interface OpenLoop {
  rate: number;
  raw: Latency;
  connector: Latency;
  addedP50Ms: number;
  addedP99Ms: number;
  lossOrDup: boolean;
}
export interface DeliveryResult {
  date: string;
  machine: { cpus: number; model?: string; node: string };
  settings: {
    events: number;
    reps: number;
    concurrency: number;
    partitions: number;
    keys: number;
    avgAvroBytes: number;
    avgJsonBytes: number;
    openLoopSeconds: number;
  };
  drain: {
    ratioMedian: number;
    ratioMin: number;
    ratioMax: number;
    /** Arm C / raw and connector / C (median, min, max of the pairs), when arm C ran. */
    ceiling?: Spread;
    connectorVsCeiling?: Spread;
    ceilingRdVsC?: Spread;
    connectorVsFastestCeiling?: Spread;
    connectorRdVsD?: Spread;
    reps: Array<{
      raw: number;
      connector: number;
      ratio: number;
      connectorCpuMs?: number;
      connectorRssMb?: number;
      ceiling?: number;
      ceilingRatio?: number;
      connectorVsCeiling?: number;
      ceilingCpuMs?: number;
      ceilingRd?: number;
      ceilingRdCpuMs?: number;
      connectorRd?: number;
      connectorRdCpuMs?: number;
      lossOrDup: boolean;
      outOfOrder: number;
    }>;
  };
  openLoop: Record<string, OpenLoop>;
  extra?: string[];
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

export function renderDeliverySection(r: DeliveryResult): string {
  const d = r.drain;
  const raw = d.reps.map((x) => x.raw);
  const con = d.reps.map((x) => x.connector);
  const invalid = d.reps.filter((x) => x.lossOrDup).length;
  const lines = [
    BEGIN,
    '## Delivery (D: HTTP sink connector vs raw undici loop)',
    '',
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cpus} shared cores (${r.machine.model ?? 'unknown'}), Node ${r.machine.node}, with the`,
    "local stack (Kafka, registry, Redis), the receiver, both arms and other engineers' work on the same machine.",
    `Reproduce: \`npm run bench:delivery\` (BENCH_EVENTS=${r.settings.events} BENCH_REPS=${r.settings.reps}); raw results: \`bench/delivery/results.json\`.`,
    `Workload: ${r.settings.events} OrderHoldPlaced events per run (~${r.settings.avgAvroBytes} B Avro, ~${r.settings.avgJsonBytes} B JSON body), ${r.settings.keys} keys, ${r.settings.partitions} partitions, fixed seed.`,
    `All arms: ${r.settings.concurrency} requests in flight, keep-alive undici pool, the same receiver (its own process, answers 200).`,
    'Raw arm: POSTs the very JSON bodies and headers the connector sends. Connector arm (its own process): Kafka (read_committed) →',
    'idempotency lease (Redis, a window ahead) → decode → JSON → POST with CloudEvents headers → `done` record → commit.',
    'Ceiling arm C (its own process, `bench/delivery/ceiling-child.ts`): the same kafkajs group settings and fetch sizes on its own',
    'copy of the topic → decode → the same JSON body and headers → POST (same pool settings, same in-flight cap, per-key order kept)',
    '→ commit after the posts settle; no Redis, no retry, no idempotency. C_rd: the same on the native client (librdkafka); D_rd: the connector with its consumer on librdkafka. Arms run raw, connector, C, C_rd, D_rd in turn, each rep.',
    '',
    '| measure | connector / raw | goal | raw | connector | notes |',
    '|---|---|---|---|---|---|',
    `| drain, deliveries/s (median, min–max of ${d.reps.length} interleaved pairs) | **${d.ratioMedian}** (${d.ratioMin}–${d.ratioMax}) | ≥ 0.8 | ${med(raw)} (${Math.min(...raw)}–${Math.max(...raw)}) | ${med(con)} (${Math.min(...con)}–${Math.max(...con)}) | connector CPU ${med(d.reps.map((x) => x.connectorCpuMs ?? 0))} ms per run, RSS ${med(d.reps.map((x) => x.connectorRssMb ?? 0))} MB; invalid runs ${invalid}; per-key order violations ${d.reps.reduce((n, x) => n + x.outOfOrder, 0)} |`,
  ];
  if (d.ceiling && d.connectorVsCeiling) {
    const c = d.reps.map((x) => x.ceiling ?? 0);
    lines.push(
      `| drain, ceiling arm C (kafkajs consumer + undici, no Redis/retry/idempotency) / raw | **${d.ceiling.median}** (${d.ceiling.min}–${d.ceiling.max}) | must be ≥ 0.8 for the goal to be reachable | ${med(raw)} | C: ${med(c)} (${Math.min(...c)}–${Math.max(...c)}) | C CPU ${med(d.reps.map((x) => x.ceilingCpuMs ?? 0))} ms per run |`,
      `| drain, connector / ceiling C (the connector's own work) | **${d.connectorVsCeiling.median}** (${d.connectorVsCeiling.min}–${d.connectorVsCeiling.max}) | — | C: ${med(c)} | ${med(con)} | same runs |`,
      ...(d.ceilingRdVsC && d.connectorVsFastestCeiling
        ? [
            `| drain, ceiling on librdkafka C_rd / C (the same consumer on the native client) | **${d.ceilingRdVsC.median}** (${d.ceilingRdVsC.min}–${d.ceilingRdVsC.max}) | — | — | C_rd: ${med(d.reps.map((x) => x.ceilingRd ?? 0))} | C_rd CPU ${med(d.reps.map((x) => x.ceilingRdCpuMs ?? 0))} ms per run |`,
            `| drain, connector / the faster of C and C_rd (issue 19's ceiling) | **${d.connectorVsFastestCeiling.median}** (${d.connectorVsFastestCeiling.min}–${d.connectorVsFastestCeiling.max}) | ≥ 0.8 | — | ${med(con)} | same runs |`,
          ]
        : []),
      ...(d.connectorRdVsD
        ? [
            `| drain, the connector on librdkafka D_rd / D (hub.kafka.clients.connectors; adopt at ≥ 1.3) | **${d.connectorRdVsD.median}** (${d.connectorRdVsD.min}–${d.connectorRdVsD.max}) | — | — | D_rd: ${med(d.reps.map((x) => x.connectorRd ?? 0))} | D_rd CPU ${med(d.reps.map((x) => x.connectorRdCpuMs ?? 0))} ms per run |`,
          ]
        : []),
    );
  }
  for (const [name, o] of Object.entries(r.openLoop)) {
    const label =
      name === 'halfRaw'
        ? `open loop at 50% of raw (${o.rate}/s)`
        : `open loop at 50% of the connector (${o.rate}/s)`;
    lines.push(
      `| ${label}: latency p50 / p99 / p99.9 / max ms from the scheduled send | added p99 **${ms(o.addedP99Ms)} ms** | added p99 < 5 ms | ${ms(o.raw.p50)} / ${ms(o.raw.p99)} / ${ms(o.raw.p999)} / ${ms(o.raw.max)} | ${ms(o.connector.p50)} / ${ms(o.connector.p99)} / ${ms(o.connector.p999)} / ${ms(o.connector.max)} | ${o.lossOrDup ? 'INVALID (loss or duplicate)' : 'every event once'} |`,
    );
  }
  lines.push('', ...(r.extra ?? []), END);
  return lines.join('\n');
}

/** Replaces (or appends) the delivery section of docs/benchmarks.md. */
export function writeDeliverySection(root: string, r: DeliveryResult): void {
  const file = path.join(root, 'docs/benchmarks.md');
  const section = renderDeliverySection(r);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  const next =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + END.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
