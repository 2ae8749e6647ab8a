import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './workload';

/** What the figures mean (kept with the table when it is regenerated). */
export const NOTES = [
  '**Two clients (issue 19).** Every arm that talks to Kafka runs on both clients (_js kafkajs, _rd librdkafka); the goals read',
  'the ingest as shipped (the client `auto` picks for it, hub.kafka.clients.ingest) against the faster raw producer of the two.',
  'librdkafka writes the same batches about twice as fast raw (K_rd/K_js) with less CPU, but the ingest route is CPU-bound in',
  'its own work on 2 cores shared with Kafka and autocannon, and the publisher already coalesces for kafkajs: S_rd/S_js stayed',
  'under the 1.3× the decision rule asks and B_rd/B_js under 1 (librdkafka sends each 50-event request on its own, kafkajs',
  'coalesces them into requests of ~700), so the ingest stays on kafkajs (docs/adr/0003-kafka-client.md).',
  '',
  '**Reading it (earlier rounds, kafkajs).** The batched goal was met (B/K, every pair ≥ 0.5). The single-event goal is not, and on this machine it is at the edge',
  'of reach for any design that answers 202 only after Kafka acknowledged the write: the ceiling C, a route that does',
  'nothing but publish pre-encoded bytes through the same coalescing, idempotent, acks=all publisher, reaches only ~0.5 × the',
  'bare route (C/A). C is CPU-bound in its own process (~85 µs of server CPU per event against ~33 µs for the bare route:',
  'the kafkajs produce, 8 CloudEvents headers per record, ~20 records per produce request) on 2 cores shared with Kafka,',
  'Redis and autocannon (CPU per event = server CPU ms / (events/s × 10 s of warm-up and measurement)). S/C is the share of the ceiling the ingest keeps after its own work (~180 µs per event in all:',
  'HMAC over the body, the replay mark in Redis, JSON parse, the site mapping, the Avro check + encode, the CloudEvents',
  'headers, the schema-serialized answer). B is CPU-bound too: ~105 µs per event against ~55 µs for K (a process that only',
  'produces); K and B each run in their own process.',
  'Done this round: one Avro pass (the body is written while checking; problem paths are worked out only for a refused',
  'event; decimals converted once), the mapping without per-field result objects, paths or closures, traceparent ids from',
  'one pooled CSPRNG draw, no body hash without an Idempotency-Key. Against the previous code in the same runs',
  '(BENCH_ALT_ROOT, 4 pairs in alternating order, two runs): server CPU per event S 222 → 172 µs and 363 → 235 µs, B 129 →',
  '97 µs and 183 → 146 µs; events/s S ×1.14 (0.99–1.59) and ×1.7 (1.4–2.0), B ×1.15 (1.04–1.39) and ×1.22 (0.97–1.5).',
  'In-process part alone (`npx tsx bench/ingest/hot-path.ts`): ~45 µs CPU per event, from ~70. Earlier rounds: no',
  'closures per mapped field and one randomBytes per traceparent (B/K 0.29 → 0.40), replay marks of one event-loop turn',
  'sent to Redis as one pipeline (S/A 0.17 → 0.23).',
  'Tried and not kept (same method): checking the body while the replay mark travels to Redis (S ×0.64: more CPU',
  'per event under saturation), a 2 ms produce linger (messages per produce request 17 → 33, S ×0.69: S is partly',
  'latency-bound), two idempotent producers in parallel (S ×0.88, B ×0.73: smaller produce requests cost more per',
  'message). Left: the decimal conversion in core/avro.ts (BigInt per value, ~20% of the in-process part; not this',
  "area's file), kafkajs' per-header encoders (an allocation per header, same in C and K), and several ingest processes",
  'behind a load balancer (all state is in Redis; on 2 shared cores more processes mainly compete with Kafka and the client).',
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
    `B (ingest, ${s.settings.batch} events per request), K (raw producer: same pre-encoded events, batches of ${s.settings.batch}, idempotent, acks=all); each of S, C, B, K on kafkajs (_js) and on librdkafka (_rd).`,
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
