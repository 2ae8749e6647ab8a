/**
 * One benchmark arm in its own process, so its CPU and RSS are its own. CD_BENCH = JSON ArmConfig.
 * Consumes `total` preloaded ingress records; the clock starts when `warmup` of them are done
 * (JIT, metadata, group join and registry cache are warm by then) and stops when all are.
 * Prints one JSON line: records measured, seconds, CPU, RSS, event-loop delay p99.
 *
 * - b1: plain kafkajs pass-through: eachBatch → sendBatch of the unchanged bytes to F topics
 *   (acks all) → commit the offsets after the ack. No decode, no validation, no Redis.
 * - h:  the hub's router as shipped (createRouter), F subscribers on one route.
 * - h0: the same with hub.router.validationThreads 0 (validation on the main thread): a
 *   diagnostic arm, run only when CD_BENCH_ARMS lists it.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Partitioners } from 'kafkajs';
import { stringify } from 'yaml';
import { loadConfigText } from '../../hub';
import { createHealthServer } from '../../core/health';
import { createKafka } from '../../core/kafka';
import { createLogger, silentLogger } from '../../core/logger';
import { createRouter } from '../../router';

export interface ArmConfig {
  arm: 'b1' | 'h' | 'h0';
  prefix: string;
  sites: string[];
  fanout: number;
  total: number;
  warmup: number;
  brokers: string[];
  registryUrl: string;
  redisUrl: string;
  partitionsConsumedConcurrently: number;
  maxWaitTimeInMs: number;
}

const cfg = JSON.parse(process.env.CD_BENCH ?? '{}') as ArmConfig;
const subscribers = Array.from({ length: cfg.fanout }, (_v, i) => `s${i + 1}`);
const eld = monitorEventLoopDelay({ resolution: 10 });
let done = 0;
let batches = 0;
let batchMs = 0;
let planMs = 0;
let t0 = 0;
let cpu0 = process.cpuUsage();
let doneAtT0 = 0;
let finish: () => void = () => undefined;
const finished = new Promise<void>((r) => (finish = r));

function count(n: number): void {
  done += n;
  if (!t0 && done >= cfg.warmup) {
    t0 = Date.now();
    doneAtT0 = done;
    cpu0 = process.cpuUsage();
    eld.enable();
  }
  if (done >= cfg.total) finish();
}

async function b1(): Promise<() => Promise<void>> {
  const kafka = createKafka({ clientId: 'bench-b1', brokers: cfg.brokers });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${cfg.prefix}-b1`, maxWaitTimeInMs: cfg.maxWaitTimeInMs });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({
    topics: cfg.sites.map((s) => `${cfg.prefix}.ingress.${s}`),
    fromBeginning: true,
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (!batch.messages.length) return;
      const startedAt = Date.now();
      const messages = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
      await producer.sendBatch({
        acks: -1,
        topicMessages: subscribers.map((s) => ({ topic: `${cfg.prefix}.deliver.${s}`, messages })),
      });
      await consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(batch.lastOffset()) + 1n).toString(),
        },
      ]);
      resolveOffset(batch.lastOffset());
      batches++;
      batchMs += Date.now() - startedAt;
      count(batch.messages.length);
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

let routerMetrics: (() => Promise<Record<string, number>>) | undefined;

async function h(): Promise<() => Promise<void>> {
  const config = loadConfigText(
    stringify({
      hub: {
        topicPrefix: cfg.prefix,
        router: {
          groupId: `${cfg.prefix}-h`,
          duplicateWindowSeconds: 900,
          partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
          maxWaitTimeInMs: cfg.maxWaitTimeInMs,
          ...(cfg.arm === 'h0' ? { validationThreads: 0 } : {}),
        },
      },
      sites: cfg.sites.map((id) => ({
        id,
        name: id,
        country: id.slice(0, 2).toUpperCase(),
        connector: { kind: 'sdk' },
      })),
      subscribers: subscribers.map((id) => ({ id, sink: { kind: 'kafka' } })),
      routes: [{ name: 'all', match: {}, to: subscribers }],
    }),
  );
  const router = createRouter({
    config,
    endpoints: {
      kafka: { brokers: cfg.brokers },
      registry: { url: cfg.registryUrl },
      redis: { url: cfg.redisUrl },
      kafkaBrokers: cfg.brokers,
      kafkaSaslBrokers: [],
      registryUrl: cfg.registryUrl,
      redisUrl: cfg.redisUrl,
      external: { kafka: true, registry: true, redis: true },
    },
    logger: process.env.CD_BENCH_LOG ? createLogger({ level: process.env.CD_BENCH_LOG }) : silentLogger(),
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix: `${cfg.prefix}:`,
    createTopics: false,
    onBatchCommitted: (b) => {
      batches++;
      batchMs += b.committedAt - b.startedAt;
      planMs += b.plannedAt - b.startedAt;
      count(b.records);
    },
  });
  await router.start();
  const sum = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
    (await c.get()).values.reduce((n, v) => n + v.value, 0);
  routerMetrics = async () => ({
    duplicates: await sum(router.metrics.duplicates),
    deadLetters: await sum(router.metrics.deadLetters),
  });
  return () => router.stop();
}

async function main(): Promise<void> {
  const stop = cfg.arm === 'b1' ? await b1() : await h();
  await finished;
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  eld.disable();
  const result = {
    arm: cfg.arm,
    fanout: cfg.fanout,
    records: done - doneAtT0,
    seconds,
    eventsPerSec: Math.round((done - doneAtT0) / seconds),
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
    eventLoopDelayP99Ms: Math.round(eld.percentile(99) / 1e4) / 100,
    batches,
    meanBatchMs: batches ? Math.round(batchMs / batches) : undefined,
    meanPlanMs: batches ? Math.round(planMs / batches) : undefined,
    ...(routerMetrics ? await routerMetrics() : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await stop();
  process.exit(0);
}

void main();
