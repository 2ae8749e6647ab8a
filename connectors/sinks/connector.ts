import crypto from 'node:crypto';
import os from 'node:os';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Registry as MetricsRegistry } from 'prom-client';
import { createKafka } from '../../core/kafka';
import type { HubComponent } from '../../core/component';
import { CircuitBreaker, type BreakerState } from '../../retry/breaker';
import { deliveryKeys } from '../../retry/keys';
import { createDeliveryState, type DeliveryState, type RetryEntry } from '../../retry/state';
import type { Sink } from './contract';
import { DeliveryEngine } from './engine';
import { AdmissionWindow } from './admission';
import { createHttpSink } from './http-sink';
import { createKafkaSink } from './kafka-sink';
import { deliveryMetrics } from './metrics';
import { RetryWorker } from './retry-worker';
import type { ConnectorDeps, SubscriberRuntimeConfig } from './runtime-config';
import { Semaphore } from './semaphore';
import { DeliveryPipeline } from './pipeline';
import { ConsumerPause } from './consumer-pause';

export interface SinkConnector extends HubComponent {
  readonly subscriberId: string;
  readonly breakerState: BreakerState;
  /** The subscriber's Redis delivery state (operators: release a held key; tests: counts). */
  readonly state: DeliveryState;
}

function headersOf(raw: IHeaders | undefined): Record<string, Buffer> {
  if (raw === undefined) return {};
  // kafkajs hands each header over as one Buffer: then the object is used as it is (no copy).
  let plain = true;
  for (const k in raw) {
    if (!Buffer.isBuffer(raw[k])) {
      plain = false;
      break;
    }
  }
  if (plain) return raw as Record<string, Buffer>;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) out[k] = Buffer.isBuffer(one) ? one : Buffer.from(String(one));
  }
  return out;
}

/**
 * The event id: the CloudEvents id header the copy carries from ingress (the router checked that it
 * equals the canonical eventId). An event without one gets its position as id, so it is still
 * delivered exactly once per position.
 */
function eventIdOf(
  headers: Record<string, Buffer>,
  topic: string,
  partition: number,
  offset: string,
): string {
  return headers.ce_id?.toString('utf8') || `${topic}-${partition}-${offset}`;
}

async function ensureTopics(
  kafka: Kafka,
  names: string[],
  t: { partitions: number; replicationFactor: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

function buildSink(config: SubscriberRuntimeConfig, deps: ConnectorDeps): Sink {
  if (deps.sink) return deps.sink;
  if (config.sink.kind === 'http')
    return createHttpSink(config.sink, { resolver: deps.resolver, clock: deps.clock });
  const kafka =
    deps.sinkKafka ??
    (config.sink.brokers.length
      ? createKafka({
          clientId: `crossdock-sink-${config.id}`,
          brokers: [...config.sink.brokers],
          logger: deps.logger,
        })
      : deps.kafka);
  return createKafkaSink(config.sink, { kafka });
}

/**
 * A sink connector for one subscriber: consumes `<prefix>.deliver.<id>` (read_committed), hands
 * each event to the delivery engine, and commits an offset only once every event up to it is
 * delivered, held in Redis (retry or parked) or dead-lettered. Fetching overlaps delivery: the
 * next batches are fetched while earlier ones are in flight (DeliveryPipeline: settled-prefix
 * commits, per-key order across batches, a bound on buffered events). A retry worker drains the
 * subscriber's schedule. When the breaker opens, the consumer pauses (nothing is drained into
 * the dead letters) and resumes once a probe succeeds.
 */
export function createSinkConnector(config: SubscriberRuntimeConfig, deps: ConnectorDeps): SinkConnector {
  const logger = deps.logger.child({ subscriber: config.id });
  const deliverTopic = `${config.topicPrefix}.deliver.${config.id}`;
  const dlqTopic = `${config.topicPrefix}.dlq.deliver.${config.id}`;
  const instanceId =
    deps.instanceId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  const metrics = deliveryMetrics(deps.health?.metrics ?? new MetricsRegistry(), config.id);
  const state = createDeliveryState({
    redis: deps.redis,
    keys: deliveryKeys(config.id, config.redisNamespace),
    clock: deps.clock,
    owner: instanceId,
    leaseMs: config.delivery.idempotency.leaseMs,
    doneTtlMs: config.delivery.idempotency.ttlMs,
    // Fewer, larger `done` writes (one script call per ~10 ms of deliveries instead of per 2 ms).
    finishDelayMs: 10,
  });
  const sink = buildSink(config, deps);
  const slots = new Semaphore(config.delivery.concurrency.perInstance);
  // Idempotency admissions are taken a window ahead (one script call per window) unless a shared
  // rate limit or shared concurrency cap is set: those are taken per attempt, when it starts.
  const preAdmit = config.delivery.rateLimit.perSecond === 0 && config.delivery.concurrency.shared === 0;
  const windowSize = Math.min(256, Math.max(32, config.delivery.concurrency.perInstance * 4));
  let running = false;
  let started = false;
  let consumer: Consumer | undefined;
  let dlqProducer: Producer | undefined;
  let worker: RetryWorker | undefined;
  let consuming = false;
  let commitTimer: NodeJS.Timeout | undefined;
  // Ready once consuming, and not while the subscriber is known to be down (breaker open).
  deps.health?.addReadiness(`connector:${config.id}`, () => consuming && running && breaker.state !== 'open');

  const breaker = new CircuitBreaker(config.delivery.breaker, deps.clock, (to, from) => {
    metrics.breaker(to);
    logger.warn({ from, to }, `delivery.breaker_${to.replace('-', '_')}`);
    if (to === 'closed') resume();
    worker?.poke();
  });

  const pausing = new ConsumerPause({
    pauseTopic: () => consumer?.pause([{ topic: deliverTopic }]),
    resumeTopic: () => consumer?.resume([{ topic: deliverTopic }]),
    breakerState: () => breaker.state,
    breakerWaitMs: () => breaker.waitMs(),
    running: () => running,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t),
  });
  const pause = () => consumer && pausing.pause();
  const resume = () => pausing.resume();

  function entryOf(topic: string, partition: number, m: KafkaMessage): RetryEntry {
    const headers = headersOf(m.headers);
    const ordered = config.delivery.ordering.mode === 'key' && m.key !== null && m.key.length > 0;
    return {
      eventId: eventIdOf(headers, topic, partition, m.offset),
      topic,
      partition,
      offset: m.offset,
      key: m.key,
      value: m.value ?? Buffer.alloc(0),
      headers,
      attempts: 0,
      ...(ordered ? { orderKey: m.key!.toString('utf8') } : {}),
    };
  }

  const pipeline = new DeliveryPipeline({
    entryOf,
    deliver: (entry, pre) => engine.fromTopic(entry, pre),
    // Admissions a window ahead, one script call each (see AdmissionWindow for when it applies).
    window: (entries) =>
      preAdmit
        ? new AdmissionWindow(
            entries.map((e) => (e.orderKey === undefined ? e.eventId : undefined)),
            windowSize,
            (ids) => state.admitMany(ids, engine.limits),
            () => deps.clock.now(),
          )
        : undefined,
    onBlocked: () => pause(),
    releaseLease: (id) => state.finish(id, 'release'),
    control: {
      async commit(topic, partition, offset) {
        await consumer?.commitOffsets([{ topic, partition, offset }]);
      },
      seek(topic, partition, offset) {
        consumer?.seek({ topic, partition, offset });
      },
      backOff(topic, partition, ms) {
        consumer?.pause([{ topic, partitions: [partition] }]);
        setTimeout(() => {
          if (running && !pausing.paused) consumer?.resume([{ topic, partitions: [partition] }]);
        }, ms).unref();
      },
    },
    logger,
    running: () => running,
    maxBufferedEvents: config.consumer.maxBufferedEvents,
  });

  const engine = new DeliveryEngine({
    subscriberId: config.id,
    sink,
    state,
    settings: config.delivery,
    breaker,
    metrics,
    slots,
    get dlqProducer(): Producer {
      if (!dlqProducer) throw new Error('connector not started');
      return dlqProducer;
    },
    dlqTopic,
    logger,
    clock: deps.clock,
    random: deps.random ?? Math.random,
    running: () => running,
  });

  return {
    name: `connector:${config.id}`,
    subscriberId: config.id,
    state,
    get breakerState() {
      return breaker.state;
    },
    async start() {
      if (started) return;
      started = true;
      running = true;
      if (config.createTopics) await ensureTopics(deps.kafka, [deliverTopic, dlqTopic], config.createTopics);
      await sink.start();
      dlqProducer = deps.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        allowAutoTopicCreation: false,
      });
      await dlqProducer.connect();
      const claimLeaseMs =
        (config.sink.kind === 'http' ? config.sink.timeoutMs : config.sink.timeoutMs) * 2 + 10_000;
      worker = new RetryWorker({
        state,
        engine,
        breaker,
        slots,
        metrics,
        logger,
        clock: deps.clock,
        claimLeaseMs,
      });
      worker.start();
      consumer = deps.kafka.consumer({
        groupId: config.consumer.groupId,
        readUncommitted: false,
        maxWaitTimeInMs: config.consumer.maxWaitTimeInMs,
        allowAutoTopicCreation: false,
      });
      // A new assignment: kafkajs reads from the committed offsets; the pipeline forgets the old one.
      consumer.on(consumer.events.GROUP_JOIN, () => pipeline.reset());
      // Ranges kafkajs skipped on its own (only transaction markers): the commit may pass them.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) pipeline.skipped(payload.topic, payload.partition, payload.lastOffset);
      });
      await consumer.connect();
      await consumer.subscribe({ topic: deliverTopic, fromBeginning: true });
      // Offsets are committed by the pipeline (settled prefixes), never by kafkajs's auto-commit,
      // which would commit the fetch position.
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.consumer.partitionsConsumedConcurrently,
        eachBatch: (payload) => pipeline.eachBatch(payload),
      });
      commitTimer = setInterval(() => void pipeline.flush(), config.consumer.commitIntervalMs);
      consuming = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      running = false;
      consuming = false;
      pausing.close();
      clearInterval(commitTimer);
      // The consumer first: events in flight finish (waits end as running is false, events not
      // attempted yet are dropped), the settled prefixes are committed, then it leaves the group.
      if (consumer) {
        await pipeline.idle();
        await pipeline.flush();
      }
      await consumer?.disconnect().catch(() => undefined);
      await worker?.stop();
      await dlqProducer?.disconnect().catch(() => undefined);
      await sink.close();
    },
  };
}
