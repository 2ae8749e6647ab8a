/**
 * The console's pages with 100,000 dead letters indexed (issue #18: "each page's first view within
 * 300 ms on this machine"). Runs the admin API as `crossdock start` wires it (dlq/api/for-hub.ts
 * hubAdminApi, with the console as its extension and the shipped pages) on the shared stack, under
 * a topic prefix and a Redis prefix of the bench's own; seeds N letters straight into the index
 * (bench/console/seed.ts); then asks for each page over HTTP as a signed-in operator, with the
 * browser's cookie, and times the answer to its last byte. Each repetition asks for the baseline
 * (the same app's sign-in page: the layout, no API call) right before each page, so both see the
 * same machine; a page's figures are the median and p95 of its repetitions, with the median's
 * ratio to the baseline's. The goal (p95 ≤ 300 ms) is checked here, in the output, not in a test.
 * The first request of each page (cold: its code and the API's first query) is reported apart.
 * Afterwards the bench's Redis keys and topics are removed.
 *
 *   flock /tmp/crossdock-bench.lock flock /tmp/crossdock-it.lock npm run bench:console -- [--letters N] [--reps R] [--json]
 *
 * Writes bench/results/console.json (CD_BENCH_NO_WRITE=1: not).
 */
import '../../core/kafkajs-patch';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { consoleExtension } from '../../console';
import { createKafka } from '../../core/kafka';
import { createLogger } from '../../core/logger';
import { createHealthServer } from '../../core/health';
import { createRedis } from '../../core/redis';
import { createDeadLetterStore, hubAdminApi, tokenSha256 } from '../../dlq';
import { createFlowReader, createFlowStore, scorecardQuery } from '../../flows';
import { hubOverview, loadConfigText } from '../../hub';
import { ensureTopics } from '../../router/topics-setup';
import { encodeEvent, exampleEvent, loadCatalog } from '../../schemas';
import { currentEndpoints } from '../../stack';
import { BENCH_SITES, BENCH_SUBSCRIBERS, removePrefix, seedLetters } from './seed';
import { benchPages, BASELINE_PATH } from './pages';
import { measure, renderReport, type ConsoleBenchResult } from './report';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) || dflt : dflt;
};
const N = arg('--letters', 100_000);
const REPS = arg('--reps', 15);
const json = args.includes('--json');
const GOAL_MS = 300;
const root = path.resolve(__dirname, '../..');
const say = (line: string) => void (json ? undefined : process.stderr.write(`${line}\n`));

function benchConfig(prefix: string, token: string) {
  const example = parse(fs.readFileSync(path.join(root, 'examples/hub.yaml'), 'utf8')) as {
    flows?: unknown[];
  };
  return loadConfigText(
    stringify({
      hub: {
        topicPrefix: prefix,
        topics: { partitions: 1, replicationFactor: 1 },
        admin: {
          host: '127.0.0.1',
          port: 0,
          tokens: [{ name: 'olga', role: 'operator', sha256: tokenSha256(token) }],
        },
      },
      sites: BENCH_SITES.map((id) => ({ id, name: id, country: 'US', connector: { kind: 'sdk' } })),
      subscribers: BENCH_SUBSCRIBERS.map((id) => ({
        id,
        sink: { kind: 'http', url: 'http://127.0.0.1:9/hook' },
      })),
      routes: [{ name: 'all', match: {}, to: BENCH_SUBSCRIBERS }],
      ...(example.flows ? { flows: example.flows } : {}),
    }),
  );
}

async function main(): Promise<void> {
  const endpoints = currentEndpoints();
  const prefix = `benchcon${crypto.randomBytes(3).toString('hex')}`;
  const redisPrefix = `${prefix}:`;
  const token = `bench-${crypto.randomBytes(12).toString('hex')}`;
  const config = benchConfig(prefix, token);
  const kafka = createKafka({
    clientId: 'bench-console',
    connection: endpoints.kafka,
    logger: createLogger({ level: 'silent' }),
  });
  const admin = kafka.admin();
  const redis = createRedis({ connection: endpoints.redis, name: 'bench-console' });
  const health = createHealthServer();
  // As hub/start.ts wires it (overview, scorecards, flows, the console).
  const api = hubAdminApi({
    config: () => config,
    endpoints,
    logger: createLogger({ level: 'silent' }),
    health,
    redisPrefix,
    port: 0,
    scorecards: ({ redis: r, redisPrefix: p }) =>
      scorecardQuery({ redis: r, redisPrefix: p, config: () => config }),
    overview: ({ store }) => hubOverview({ health, config: () => config, store }),
    flows: ({ redis: r, redisPrefix: p }) =>
      createFlowReader({
        store: createFlowStore({ redis: r, redisPrefix: p }),
        flows: () => config.flows,
        sites: () => config.siteById,
      }),
    extend: consoleExtension(),
  });
  let created: string[] = [];
  try {
    await admin.connect();
    created = await ensureTopics(admin, config);
    const entry = loadCatalog().byEventType('OrderReleased')!;
    const value = await encodeEvent(
      endpoints.registryUrl,
      entry,
      undefined,
      exampleEvent('OrderReleased') as never,
    );
    const store = createDeadLetterStore({ redis, redisPrefix });
    const now = Date.now();
    const seedStart = performance.now();
    const first = await seedLetters({
      store,
      n: N,
      now,
      topicPrefix: prefix,
      event: { value, schemaId: value.readUInt32BE(1), eventType: entry.subject },
      ...(json ? {} : { progress: (d: number) => process.stderr.write(`\rindexed ${d}/${N}`) }),
    });
    say('');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    await api.start();
    const base = api.url!;
    const cookie = `cd_console=${token}`;
    // One replay job, so the job page has one to show (no runner here: it stays as started).
    const job = await fetch(`${base}/api/v1/dlq/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ selector: { ids: [first.id] } }),
    });
    const jobId = job.ok ? ((await job.json()) as { id?: string; job?: { id: string } }) : undefined;
    const pages = benchPages({
      letterId: first.id,
      eventId: first.eventId!,
      subscriber: first.subscriber!,
      group: first.group,
      jobId: jobId?.id ?? jobId?.job?.id,
    });
    say(`${pages.length} pages, ${REPS} repetitions each, against ${BASELINE_PATH}`);
    const rows = await measure({ base, cookie, pages, reps: REPS, goalMs: GOAL_MS, log: say });
    const result: ConsoleBenchResult = {
      date: new Date().toISOString().slice(0, 10),
      letters: N,
      reps: REPS,
      goalMs: GOAL_MS,
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      ...rows,
    };
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : renderReport(result));
    if (process.env.CD_BENCH_NO_WRITE !== '1')
      fs.writeFileSync(path.join(root, 'bench/results/console.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = result.rows.every((r) => r.goalMet !== false) ? 0 : 1;
  } finally {
    await api.stop().catch(() => undefined);
    const removed = await removePrefix(redis, redisPrefix).catch(() => 0);
    if (created.length) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    say(`cleaned up: ${removed} Redis keys under ${redisPrefix}, ${created.length} topics ${prefix}.*`);
    await admin.disconnect().catch(() => undefined);
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
