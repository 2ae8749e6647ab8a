/**
 * One benchmark arm in its own process, so its CPU and RSS are its own. CD_BENCH = JSON ArmConfig.
 * Consumes `total` preloaded ingress records; the clock starts when `warmup` of them are done
 * (JIT, metadata, group join and registry cache are warm by then) and stops when all are.
 * Prints one JSON line: records measured, seconds, CPU, RSS, event-loop delay p99.
 *
 * - b1: plain kafkajs pass-through: eachBatch → sendBatch of the unchanged bytes to F topics
 *   (acks all) → commit the offsets after the ack. No decode, no validation, no Redis.
 * - b1rd: the same pass-through on librdkafka (@confluentinc/kafka-javascript's KafkaJS-style
 *   API, the native client `npm install` builds): the consumer hands over every record it holds
 *   (js.consumer.max.batch.size -1, faster than its default of 32 here; CD_BENCH_NATIVE_BATCH
 *   sets another bound), the producer keeps
 *   librdkafka's defaults (linger.ms 5, acks all). The goals read H against the faster of b1 and
 *   b1rd.
 * - btjs, btrd: the pass-through in transactions, one per consumed batch (taken in turn), the
 *   offsets sent in the transaction: what the router's exactly-once costs at the least, on
 *   kafkajs (sendOffsets by group id) and on librdkafka (sendOffsets with the consumer: KIP-447
 *   group metadata, so a zombie's commit is refused by the broker). Diagnostic arms for issue
 *   19's router decision, run only when CD_BENCH_ARMS lists them.
 * - h:  the hub's router as shipped (createRouter), F subscribers on one route.
 * - h0: the same with hub.router.validationThreads 0 (validation on the main thread): a
 *   diagnostic arm, run only when CD_BENCH_ARMS lists it.
 * - hjs, hrd: the router with hub.kafka.clients.router kafkajs, librdkafka: issue 19's decision
 *   arms (the summary adds HRD / HJS), run only when CD_BENCH_ARMS lists them.
 * - hrdf: hrd with the partition fence, which the router keeps on kafkajs only (createRouter's
 *   partitionFence true): what the fence would cost on librdkafka.
 * - hrdb: hrd with the native consumer's batches and read-ahead bounded (createRouter's
 *   nativeBatch, HRDB_BATCH): what unbounded batches give in speed and cost in memory.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Partitioners, type IHeaders, type ProducerConfig } from 'kafkajs';
import { stringify } from 'yaml';
import { loadConfigText } from '../../hub';
import { createHealthServer } from '../../core/health';
import { createKafka } from '../../core/kafka';
import { crossdockCacheDir } from '../../core/home';
import { loadNativeKafka } from '../../core/kafka-client/native-load';
import { createLogger, silentLogger } from '../../core/logger';
import { createRouter } from '../../router';

export interface ArmConfig {
  arm: 'b1' | 'b1rd' | 'btjs' | 'btrd' | 'h' | 'h0' | 'hjs' | 'hrd' | 'hrdf' | 'hrdb';
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

/** A kafkajs producer and a consumer of the ingress topics, connected, for a pass-through arm. */
async function kafkajsArm(name: string, producerConfig: ProducerConfig) {
  const kafka = createKafka({ clientId: `bench-${name}`, brokers: cfg.brokers });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...producerConfig });
  const groupId = `${cfg.prefix}-${name}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: cfg.maxWaitTimeInMs });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({
    topics: cfg.sites.map((s) => `${cfg.prefix}.ingress.${s}`),
    fromBeginning: true,
  });
  const run = (eachBatch: ReturnType<typeof counted>) =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
      eachBatch,
    });
  const stop = async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
  return { producer, consumer, groupId, run, stop };
}

async function b1(): Promise<() => Promise<void>> {
  const { producer, consumer, run, stop } = await kafkajsArm('b1', {});
  await run(
    counted(async (batch) => {
      await producer.sendBatch({ acks: -1, topicMessages: toDeliver(() => batch.messages) });
      const [done] = offsetsOf(batch);
      await consumer.commitOffsets([{ topic: done!.topic, ...done!.partitions[0]! }]);
    }),
  );
  return stop;
}

async function b1rd(): Promise<() => Promise<void>> {
  const { kafka, consumer } = await nativeArm('b1rd');
  const producer = kafka.producer({ kafkaJS: { acks: -1 } });
  await producer.connect();
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
    eachBatch: counted(async (batch) => {
      await producer.sendBatch({ topicMessages: toDeliver(() => copies(batch)) });
      const [done] = offsetsOf(batch);
      await consumer.commitOffsets([{ topic: done!.topic, ...done!.partitions[0]! }]);
    }),
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

/** What the pass-through arms read of a consumed batch, whichever client consumed it. */
interface PassBatch {
  topic: string;
  partition: number;
  messages: Array<{ key: Buffer | null; value: Buffer | null; headers?: IHeaders }>;
  lastOffset(): string;
}

/**
 * The eachBatch of a pass-through arm: hands each non-empty batch to `pass` (which writes and
 * commits it), then resolves it and counts it and its time.
 */
function counted(pass: (batch: PassBatch) => Promise<void>) {
  return async ({ batch, resolveOffset }: { batch: PassBatch; resolveOffset: (offset: string) => void }) => {
    if (!batch.messages.length) return;
    const startedAt = Date.now();
    await pass(batch);
    resolveOffset(batch.lastOffset());
    batches++;
    batchMs += Date.now() - startedAt;
    count(batch.messages.length);
  };
}

/** The offsets that mark a batch done: its last offset + 1, in sendOffsets' and commitOffsets' shape. */
const offsetsOf = (batch: PassBatch) => [
  {
    topic: batch.topic,
    partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }],
  },
];

/** The batch's records unchanged, to each of the F deliver topics (`messages()` once per topic). */
const toDeliver = <M>(messages: () => M[]) =>
  subscribers.map((s) => ({ topic: `${cfg.prefix}.deliver.${s}`, messages: messages() }));

/** librdkafka writes partition and headers into what it sends: a copy of each record. */
const copies = (batch: PassBatch) =>
  batch.messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } }));

/** The native client and a consumer of the ingress topics that hands over every record it holds. */
async function nativeArm(name: string) {
  const native = loadNativeKafka(crossdockCacheDir());
  if (!native.ok) throw native.error;
  const { Kafka, logLevel } = native.module.KafkaJS;
  const kafka = new Kafka({
    kafkaJS: { brokers: cfg.brokers, clientId: `bench-${name}`, logLevel: logLevel.NOTHING },
  });
  const consumer = kafka.consumer({
    kafkaJS: {
      groupId: `${cfg.prefix}-${name}`,
      fromBeginning: true,
      autoCommit: false,
      maxWaitTimeInMs: cfg.maxWaitTimeInMs,
    },
    // CD_BENCH_NATIVE_BATCH bounds the batches (a diagnostic: -1, every record held, was the
    // faster on 60,000-event runs; on longer backlogs the unbounded batches stall the event loop).
    'js.consumer.max.batch.size': Number(process.env.CD_BENCH_NATIVE_BATCH ?? -1),
  });
  await consumer.connect();
  await consumer.subscribe({ topics: cfg.sites.map((s) => `${cfg.prefix}.ingress.${s}`) });
  return { kafka, consumer };
}

/** Runs `work` after every earlier call's work has settled: one transaction at a time. */
function inTurn(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = last.then(work, work);
    last = next.catch(() => undefined);
    return next;
  };
}

async function btjs(): Promise<() => Promise<void>> {
  const { producer, groupId, run, stop } = await kafkajsArm('btjs', {
    transactionalId: `${cfg.prefix}-btjs`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const turn = inTurn();
  await run(
    counted((batch) =>
      turn(async () => {
        const txn = await producer.transaction();
        try {
          await txn.sendBatch({ acks: -1, topicMessages: toDeliver(() => batch.messages) });
          await txn.sendOffsets({ consumerGroupId: groupId, topics: offsetsOf(batch) });
          await txn.commit();
        } catch (err) {
          await txn.abort().catch(() => undefined);
          throw err;
        }
      }),
    ),
  );
  return stop;
}

async function btrd(): Promise<() => Promise<void>> {
  const { kafka, consumer } = await nativeArm('btrd');
  const producer = kafka.producer({ kafkaJS: { transactionalId: `${cfg.prefix}-btrd`, acks: -1 } });
  await producer.connect();
  const turn = inTurn();
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
    eachBatch: counted((batch) =>
      turn(async () => {
        await producer.transaction();
        try {
          await producer.sendBatch({ topicMessages: toDeliver(() => copies(batch)) });
          await producer.sendOffsets({ consumer, topics: offsetsOf(batch) });
          await producer.commit();
        } catch (err) {
          await producer.abort().catch(() => undefined);
          throw err;
        }
      }),
    ),
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

/** Arm hrdb's bounds: 1,024 records per batch, 300 ms of consumption fetched ahead. */
const HRDB_BATCH = Object.freeze({ maxSize: 1024, aheadMs: 300 });

/** The router's client in the H arms that name one (hub.kafka.clients.router). */
const ROUTER_CLIENT: Record<string, 'kafkajs' | 'librdkafka'> = {
  hjs: 'kafkajs',
  hrd: 'librdkafka',
  hrdf: 'librdkafka',
  hrdb: 'librdkafka',
};

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
        // hjs, hrd: the router on kafkajs, on librdkafka; h: as shipped (auto).
        kafka: { clients: { router: ROUTER_CLIENT[cfg.arm] ?? 'auto' } },
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
    ...(cfg.arm === 'hrdf' ? { partitionFence: true } : {}),
    ...(cfg.arm === 'hrdb' ? { nativeBatch: HRDB_BATCH } : {}),
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
  const arms = { b1, b1rd, btjs, btrd } as Record<string, () => Promise<() => Promise<void>>>;
  const stop = await (arms[cfg.arm] ?? h)();
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
