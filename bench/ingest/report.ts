import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './workload';

/** What the figures mean (kept with the table when it is regenerated). */
export const NOTES = [
  '**This round (2026-12-06 evening).** Two changes, measured the same way 25 minutes apart (19:55 before, 20:17 after):',
  "kafkajs's record encoder replaced by one that writes the same bytes into one buffer of the record's size",
  '(core/kafkajs-record-encoder.ts: 3.5–5 µs against 36–39 µs per 1 KB event with ten headers), and decimals of up to',
  '15 digits encoded without BigInt (core/avro.ts). Raw kafkajs K_js 19,914 → 31,452 events/s, so K_rd/K_js 2.23 → 1.34;',
  'the batched ceiling CB_js 22,578 → 40,760; the single ceiling C_js / bare route 0.41 → 0.55, so the single-event goal is',
  'no longer out of reach by the ceiling alone. The ingest itself moved less: B_js 10,068 → 11,174 events/s, server CPU',
  '116 → 99 µs per event; S_js 4,083 → 4,059.',
  '',
  '**Where the ingest stands against its goals, from the CPU table** (2026-12-07 02:17). Both goals are bounded by CPU,',
  "not by waiting: the server's main thread is busy all the time (a CPU profile: under 2% idle). Single: when two arms",
  'fill the same 2 cores, their ratio is the inverse ratio of their CPU sums per request, so 0.5 of the bare route (A: 97',
  "µs) needs a sum of at most ~194 µs. The single ceiling C_js, a Fastify route doing nothing but the ingest's acks=all",
  'produce, already sums to 174 (server 86, broker 23, load generator 61): HMAC check, replay mark (its Redis alone ~35',
  'µs), mapping, Avro and CloudEvents headers would have to fit in the ~20 µs left, where S_js sums to 446. So the',
  'single-event goal cannot be met on this machine by an ingest that publishes through either Node client; more processes',
  'or worker threads only spread the same CPU over the same 2 cores. Batched: B_js spends ~89 µs per event in its own',
  'process against ~24 µs for the batched ceiling, so the ingest work (JSON parse ~7 µs, mapping ~13, Avro ~6, canonical',
  'event and CloudEvents headers ~4, garbage collection ~10, in a profile) is about three quarters of it. 0.5 of the',
  'faster raw producer (K_rd 46,546 events/s) is ~23,300 events/s: a sum under ~86 µs over every process (B_js: 105),',
  'and, one server being one main thread, under ~43 µs on it, so the ingest work would have to shrink by more than half',
  'and the route run as two processes.',
  '',
  '**Two clients (issue 19).** Every arm that talks to Kafka runs on both clients (_js kafkajs, _rd librdkafka); the goals',
  'read the ingest as shipped (the client `auto` picks for it, hub.kafka.clients.ingest) against the faster raw producer',
  'of the two. S_rd/S_js and B_rd/B_js are under 1 (librdkafka sends each request on its own with linger 0; kafkajs',
  'coalesces them into produce requests of ~700 records), so the ingest stays on kafkajs (docs/adr/0003-kafka-client.md).',
  '',
  '**Earlier rounds**, each against the previous code in the same runs (BENCH_ALT_ROOT): one Avro pass, the mapping',
  'without per-field objects or closures, pooled traceparent ids, no body hash without an Idempotency-Key (server CPU per',
  'event S 222 → 172 µs, B 129 → 97 µs); replay marks of one event-loop turn sent to Redis as one pipeline (S/A 0.17 →',
  '0.23). Tried and not kept: checking the body while the replay mark travels to Redis (S ×0.64), a 2 ms produce linger',
  '(S ×0.69: S is partly latency-bound), two idempotent producers in parallel (S ×0.88, B ×0.73).',
];

type Ratio = { median: number; min: number; max: number };

export function writeSection(s: {
  measuredAt: string;
  machine: string;
  settings: Record<string, number>;
  shipped: string;
  singleVsBare: Ratio;
  ceilingVsBare: Ratio;
  singleVsCeiling: Ratio;
  batchVsRawKafka: Ratio;
  batchCeilingVsRawKafka?: Ratio;
  batchVsCeiling?: Ratio;
  clients: { single: Ratio; batch: Ratio; ceiling: Ratio; batchCeiling?: Ratio; raw: Ratio };
  cpuPerEvent?: Record<string, Partial<Record<'process' | 'broker' | 'redis' | 'load' | 'total', number>>>;
  medians: Record<
    string,
    {
      eventsPerSec: number;
      requestsPerSec: number;
      p99Ms: number;
      cpuMs: number;
      rssMb: number;
      messagesPerProduce?: number;
    }
  >;
  invalid: boolean;
  accepted: number;
  inTopic: number;
  ceilingAccepted: number;
  ceilingInTopic: number;
}): void {
  const file = path.join(ROOT, 'docs/benchmarks.md');
  const f = (r: Ratio) => `**${r.median.toFixed(2)}** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  const m = s.medians;
  const row = (arm: string, what: string) =>
    m[arm]
      ? `| ${arm} | ${what} | ${m[arm].eventsPerSec} | ${m[arm].requestsPerSec} | ${m[arm].p99Ms} | ${m[arm].cpuMs} | ${m[arm].rssMb} | ${m[arm].messagesPerProduce ? m[arm].messagesPerProduce.toFixed(0) : '–'} |`
      : undefined;
  const opt = (r: Ratio | undefined, text: (v: string) => string) => (r ? text(f(r)) : undefined);
  const cpu = s.cpuPerEvent ?? {};
  const us = (v: number | undefined) => (v === undefined ? '–' : String(v));
  const cpuRows = Object.entries(cpu).map(
    ([arm, c]) =>
      `| ${arm} | ${us(c.process)} | ${us(c.broker)} | ${us(c.redis)} | ${us(c.load)} | **${us(c.total)}** | ${c.total ? Math.round(2e6 / c.total) : '–'} |`,
  );
  const section = [
    '<!-- ingest:begin (written by npm run bench:ingest) -->',
    '## Ingest (HTTP ingest vs a bare Fastify route and the raw producers of both Kafka clients)',
    '',
    `Measured ${s.measuredAt.slice(0, 16).replace('T', ' ')} UTC on ${s.machine}, with the local stack (Kafka, registry, Redis) and the load`,
    `generator on the same machine. Reproduce: \`BENCH_REPS=${s.settings.reps} BENCH_SECONDS=${s.settings.seconds} BENCH_CONNECTIONS=${s.settings.connections} BENCH_BATCH=${s.settings.batch} npm run bench:ingest\`.`,
    `Arms per repetition, interleaved: A (bare route, single body), S (ingest, one event per request), C (ceiling: a bare route that answers 202`,
    `after the ingest's own publisher had pre-encoded bytes for the event acknowledged; no HMAC, replay mark, mapping or Avro), A_batch (bare route, batch body),`,
    `B (ingest, ${s.settings.batch} events per request), CB (batched ceiling: the same as C for a batch body, its ${s.settings.batch} events published in one call), K (raw producer: same pre-encoded events, batches of ${s.settings.batch}, idempotent, acks=all); each of S, C, B, CB, K on kafkajs (_js) and on librdkafka (_rd).`,
    `The ingest as shipped runs on **${s.shipped}** (hub.kafka.clients.ingest \`auto\`).`,
    `autocannon, ${s.settings.connections} connections, ${s.settings.seconds} s per arm after a 2 s warm-up; every request signed (both sides); us-chi bodies of ~1 KB, fixed seed.`,
    `Run ${s.invalid ? '**INVALID**' : 'valid'}: every answer 2xx; the ingress topic holds all ${s.accepted} events answered 202 (found ${s.inTopic}; the difference is requests in flight when an arm's clock stopped, bounded by connections × batch); the ceiling's topic holds all ${s.ceilingAccepted} it answered 202 (found ${s.ceilingInTopic}).`,
    '',
    '| ratio (median of pairs, range) | value | goal |',
    '|---|---|---|',
    `| single-event ingest as shipped / bare route (events/s) | ${f(s.singleVsBare)} | ≥ 0.5 |`,
    `| ceiling as shipped (202 after the acks=all produce, no ingest work) / bare route | ${f(s.ceilingVsBare)} | (≥ 0.5 needed for the goal to be reachable) |`,
    `| single-event ingest / ceiling | ${f(s.singleVsCeiling)} | |`,
    `| batched ingest as shipped / the faster raw producer of the two clients (events/s) | ${f(s.batchVsRawKafka)} | ≥ 0.5 |`,
    opt(
      s.batchCeilingVsRawKafka,
      (v) =>
        `| batched ceiling as shipped (202 after the acks=all produce of a batch, no ingest work) / the faster raw producer | ${v} | (≥ 0.5 needed for the batched goal to be reachable) |`,
    ),
    opt(s.batchVsCeiling, (v) => `| batched ingest / batched ceiling | ${v} | |`),
    `| single-event ingest, librdkafka / kafkajs (S_rd / S_js) | ${f(s.clients.single)} | ≥ 1.3 to adopt librdkafka |`,
    `| batched ingest, librdkafka / kafkajs (B_rd / B_js) | ${f(s.clients.batch)} | ≥ 1.3 to adopt librdkafka |`,
    `| ceiling, librdkafka / kafkajs (C_rd / C_js) | ${f(s.clients.ceiling)} | |`,
    opt(s.clients.batchCeiling, (v) => `| batched ceiling, librdkafka / kafkajs (CB_rd / CB_js) | ${v} | |`),
    `| raw producer, librdkafka / kafkajs (K_rd / K_js) | ${f(s.clients.raw)} | |`,
    '',
    '| arm | what | events/s (median) | requests/s | p99 ms | server CPU ms | RSS MB | messages / produce request |',
    '|---|---|---|---|---|---|---|---|',
    row('A', 'bare Fastify route, single body'),
    row('S_js', 'HTTP ingest, 1 event / request, kafkajs'),
    row('S_rd', 'HTTP ingest, 1 event / request, librdkafka'),
    row('C_js', 'ceiling: acks=all produce of pre-encoded bytes, 1 event / request, kafkajs'),
    row('C_rd', 'ceiling, librdkafka'),
    row('A_batch', 'bare Fastify route, batch body'),
    row('B_js', `HTTP ingest, ${s.settings.batch} events / request, kafkajs`),
    row('B_rd', `HTTP ingest, ${s.settings.batch} events / request, librdkafka`),
    row(
      'CB_js',
      `batched ceiling: acks=all produce of ${s.settings.batch} pre-encoded events / request, kafkajs`,
    ),
    row('CB_rd', 'batched ceiling, librdkafka'),
    row('K_js', 'raw kafkajs producer (maxInFlightRequests 1)'),
    row('K_rd', 'raw librdkafka producer (its defaults: linger.ms 5, 5 in flight)'),
    ...(cpuRows.length
      ? [
          '',
          "CPU per event over the measured window (µs, median of the repetitions): the arm's own process (server or raw producer),",
          "the stack's broker and Redis, and the load generator (autocannon and the request signing, in the bench's process). The",
          'last column is the rate at which that sum would fill both cores, the most the arm could reach on this machine',
          'if nothing else ran.',
          '',
          '| arm | process | broker | Redis | load generator | sum | 2 cores / sum (events/s) |',
          '|---|---|---|---|---|---|---|',
          ...cpuRows,
        ]
      : []),
    '',
    ...NOTES,
    '',
    'Raw runs: `bench/results/ingest.json`. The messages / produce request of the _rd arms count sends handed to librdkafka, which batches them itself.',
    '<!-- ingest:end -->',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const re = /<!-- ingest:begin[\s\S]*?<!-- ingest:end -->/;
  fs.writeFileSync(file, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
}
