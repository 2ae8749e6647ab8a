/**
 * Replay under live traffic (issue #14, Performance: "a replay of 10,000 events runs at its
 * configured rate while live traffic keeps ≥ 0.8 of its throughput without the replay").
 *
 *   npm run bench:dlq-replay -- [--letters 10000] [--rate 100] [--seconds 20] [--reps 5] [--warmup 15]
 *
 * One hub as a user runs it (`crossdock start`, its own process: router, the sink connectors of
 * `live` and `erp`, the dead-letter indexer, the replay runner), on the local stack, with a random
 * topic prefix. `erp` has `--letters` delivery dead letters (written to its dead-letter topic as
 * its connector writes them, indexed by the hub). Live traffic: OrderReleased events produced to
 * the site's ingress topic, kept `BACKLOG` ahead of what the `live` receiver got (drain mode:
 * the hub runs as fast as it can), routed and delivered to `live`. One replay job over every `erp`
 * letter at `--rate` per second; the arms alternate in the same run, B R B R …:
 * - B: the job paused — live traffic alone;
 * - R: the job running — live traffic and the replay.
 * Each arm measures `--seconds` after the previous arm; the ratio is R's live deliveries per second
 * over the B before it (median of the pairs, with the range), and the replay's own rate in R (what
 * the `erp` receiver got per second) against the configured one. After the arms the job is let
 * run to its end; the run is valid when every live event reached `live` once and every letter's
 * event reached `erp` once, and nothing else arrived at either.
 * Writes bench/results/dlq-replay.json (CD_BENCH_NO_WRITE=1: not).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import { atlOrderReleased } from '../../test/helpers/orders';
import '../../core/kafkajs-patch';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { IHeaders } from 'kafkajs';
import { deadLetterHeaders } from '../../core/dead-letters';
import { createKafka } from '../../core/kafka';
import { redisPrefixFor } from '../../core/names/redis-keys';
import { topicsForPrefix } from '../../core/names/topics';
import { createRedis } from '../../core/redis';
import { createSchemaResolver } from '../../core/registry';
import { createDeadLetterStore, createReplayService, createStateLog, type ReplayJob } from '../../dlq';
import { loadConfigText } from '../../hub';
import { businessKey, encodeEvent, loadCatalog, type CatalogEntry } from '../../schemas';
import { currentEndpoints } from '../../stack';
import { startHub, type HubProcess } from '../../test/helpers/hub';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LETTERS = arg('letters', 10_000);
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 20);
const REPS = arg('reps', 5);
const WARMUP = arg('warmup', 15);
/** Live events produced ahead of what `live` received. */
const BACKLOG = 3000;
const root = path.resolve(__dirname, '../..');
const endpoints = currentEndpoints();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A receiver that answers 200 and counts deliveries per Idempotency-Key. */
async function receiver(): Promise<{
  url: string;
  total: () => number;
  keys: Map<string, number>;
  close: () => void;
}> {
  let total = 0;
  const keys = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const k = String(req.headers['idempotency-key'] ?? '');
      keys.set(k, (keys.get(k) ?? 0) + 1);
      total++;
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    total: () => total,
    keys,
    close: () => server.close(),
  };
}

const entry: CatalogEntry = loadCatalog().byEventType('OrderReleased')!;

/** One OrderReleased v1 of site us-chi: its key, framed Avro value and CloudEvents headers. */
async function orderReleased(
  n: number,
): Promise<{ id: string; key: string; value: Buffer; headers: IHeaders }> {
  const id = crypto.randomUUID();
  const occurredAt = new Date(Date.now() - 60_000);
  const event = {
    metadata: {
      eventId: id,
      eventType: 'OrderReleased',
      occurredAt,
      siteId: 'us-chi',
      sourceSystem: 'bench',
      correlationId: `corr-${n}`,
      causationId: null,
    },
    // The SDK tests' order (test/helpers/orders.ts), from Chicago.
    ...atlOrderReleased(`ORD-${n % 1000}`, 'Dock 4'),
  };
  return {
    id,
    key: businessKey(entry, event),
    value: await encodeEvent(endpoints.registryUrl, entry, 1, event),
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: entry.subject,
      ce_source: '/sites/us-chi',
      ce_time: occurredAt.toISOString(),
      'content-type': 'application/avro',
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const prefix = `bdr${crypto.randomBytes(4).toString('hex')}`;
  const t = topicsForPrefix(prefix);
  const live = await receiver();
  const erp = await receiver();
  const doc = {
    hub: {
      topicPrefix: prefix,
      topics: { partitions: 3, replicationFactor: 1 },
      router: { groupId: `${prefix}-router` },
    },
    sites: [{ id: 'us-chi', name: 'Chicago', country: 'US', connector: { kind: 'sdk' } }],
    subscribers: [
      { id: 'live', sink: { kind: 'http', url: live.url } },
      { id: 'erp', sink: { kind: 'http', url: erp.url } },
    ],
    routes: [{ name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['live'] }],
    deadLetters: { replay: { ratePerSecond: RATE, maxReplays: 3, maxSelection: Math.max(LETTERS, 1) } },
  };
  const config = loadConfigText(JSON.stringify(doc));
  process.stderr.write(`hub ${prefix}: starting crossdock start\n`);
  const hub: HubProcess = await startHub(doc);
  const kafka = createKafka({ clientId: `${prefix}-bench`, brokers: endpoints.kafkaBrokers });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const redis = createRedis({ url: endpoints.redisUrl, name: `${prefix}-bench` });
  const redisPrefix = redisPrefixFor(prefix);
  const stateLog = createStateLog(kafka, t.dlqState);
  const store = createDeadLetterStore({ redis, redisPrefix, stateLog });
  const service = createReplayService({
    redis,
    redisPrefix,
    store,
    config: () => config,
    resolver: createSchemaResolver(endpoints.registryUrl),
    catalog: () => loadCatalog().entries,
  });
  let stopLive = false;
  try {
    // The dead letters of erp, as its connector writes them.
    process.stderr.write(`writing ${LETTERS} dead letters of erp\n`);
    const letterIds = new Set<string>();
    for (let i = 0; i < LETTERS; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, LETTERS - i) }, (_, j) => orderReleased(i + j)),
      );
      const now = Date.now();
      await producer.send({
        topic: t.dlqDeliver('erp'),
        acks: -1,
        messages: batch.map((e, j) => {
          letterIds.add(e.id);
          return {
            key: e.key,
            value: e.value,
            headers: deadLetterHeaders(
              {
                code: 'CD_E_DELIVERY_REJECTED',
                message: 'HTTP 400 from erp',
                stage: 'deliver.http',
                attempts: 1,
                lastFailedAt: now,
                original: { topic: t.deliver('erp'), partition: 0, offset: String(i + j) },
                subscriber: 'erp',
              },
              e.headers,
            ),
          };
        }),
      });
    }
    const indexedFrom = Date.now();
    while ((await store.ids({ subscriber: 'erp' }, LETTERS + 1)).length < LETTERS) await sleep(500);
    process.stderr.write(`indexed in ${((Date.now() - indexedFrom) / 1000).toFixed(1)} s\n`);

    // Live traffic, kept BACKLOG ahead of the live receiver.
    const liveIds = new Set<string>();
    let n = 0;
    const feeding = (async () => {
      while (!stopLive) {
        if (liveIds.size - live.total() < BACKLOG) {
          const batch = await Promise.all(Array.from({ length: 250 }, () => orderReleased(n++)));
          for (const e of batch) liveIds.add(e.id);
          await producer.send({
            topic: t.ingress('us-chi'),
            acks: -1,
            messages: batch.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
          });
        } else await sleep(10);
      }
    })();
    process.stderr.write(`live traffic: warm-up ${WARMUP} s\n`);
    await sleep(WARMUP * 1000);

    // The job, paused at once; each R arm resumes it.
    const startedAt = Date.now();
    let job: ReplayJob = await service.start({ filter: { subscriber: 'erp' } }, { by: 'bench' });
    const startMs = Date.now() - startedAt;
    job = await service.pause(job.id, 'bench');
    process.stderr.write(
      `job ${job.id}: ${job.total} letters, started in ${startMs} ms, sent ${job.sent} before pause\n`,
    );

    const pairs: Array<{ b: number; r: number; ratio: number; replayRate: number; replaySent: number }> = [];
    for (let rep = 0; rep < REPS; rep++) {
      let l0 = live.total();
      await sleep(SECONDS * 1000);
      const b = (live.total() - l0) / SECONDS;
      await service.resume(job.id, 'bench');
      l0 = live.total();
      const e0 = erp.total();
      const w0 = Date.now();
      await sleep(SECONDS * 1000);
      const secs = (Date.now() - w0) / 1000;
      const r = (live.total() - l0) / secs;
      const replaySent = erp.total() - e0;
      await service.pause(job.id, 'bench').catch(() => undefined);
      const pair = {
        b: round(b, 1),
        r: round(r, 1),
        ratio: round(r / b, 3),
        replayRate: round(replaySent / secs, 1),
        replaySent,
      };
      pairs.push(pair);
      process.stderr.write(`pair ${rep + 1}: ${JSON.stringify(pair)}\n`);
    }

    // The rest of the job, then the checks.
    const before = (await service.get(job.id))!;
    if (before.state === 'paused') await service.resume(job.id, 'bench');
    while (!['done', 'cancelled', 'failed'].includes((job = (await service.get(job.id))!).state))
      await sleep(500);
    stopLive = true;
    await feeding;
    const drainFrom = Date.now();
    while ((live.total() < liveIds.size || erp.total() < job.sent) && Date.now() - drainFrom < 120_000)
      await sleep(250);
    const liveOnce = [...liveIds].every((id) => live.keys.get(id) === 1);
    const erpOnce = [...letterIds].every((id) => erp.keys.get(id) === 1);
    const strangers =
      [...live.keys.keys()].filter((k) => !liveIds.has(k)).length +
      [...erp.keys.keys()].filter((k) => !letterIds.has(k)).length;
    const valid = liveOnce && erpOnce && strangers === 0 && job.state === 'done' && job.sent === LETTERS;
    const ratios = pairs.map((p) => p.ratio);
    const summary = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      settings: {
        letters: LETTERS,
        rate: RATE,
        seconds: SECONDS,
        reps: REPS,
        warmup: WARMUP,
        backlog: BACKLOG,
      },
      ratio: {
        median: round(median(ratios), 3),
        min: Math.min(...ratios),
        max: Math.max(...ratios),
        goal: 0.8,
      },
      liveBaselinePerSec: round(median(pairs.map((p) => p.b)), 1),
      liveWithReplayPerSec: round(median(pairs.map((p) => p.r)), 1),
      replayRatePerSec: { median: round(median(pairs.map((p) => p.replayRate)), 1), configured: RATE },
      jobStartMs: startMs,
      job,
      valid,
      checks: { liveEvents: liveIds.size, liveOnce, erpOnce, strangers },
      pairs,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (!process.env.CD_BENCH_NO_WRITE)
      fs.writeFileSync(
        path.join(root, 'bench/results/dlq-replay.json'),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
  } finally {
    stopLive = true;
    await producer.disconnect().catch(() => undefined);
    await stateLog.close().catch(() => undefined);
    redis.disconnect();
    await hub.stop().catch(() => undefined);
    await hub.dispose();
    live.close();
    erp.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
