import crypto from 'node:crypto';
import os from 'node:os';
import { Registry as MetricsRegistry } from 'prom-client';
import type { HubComponent } from '../../core/component';
import type { CommittingConsumer } from '../../core/kafka-client/committing';
import { kafkajsCommitting } from '../../core/kafka-client/kafkajs-committing';
import { eventLogger } from '../../core/log-events';
import { topicsForPrefix } from '../../core/names/topics';
import { CircuitBreaker, type BreakerState, createDeliveryState, type DeliveryState } from '../../retry';
import { admissionWindows } from './admission';
import { buildSink } from './build-sink';
import { ConsumerPause } from './consumer-pause';
import { DeadLetterProducer } from './dead-letter-producer';
import { admitLimits, DeliveryEngine } from './engine';
import { entryOf } from './entry';
import { DELIVERY_LOG_EVENTS } from './log-events';
import { deliveryMetrics } from './metrics';
import { DeliveryPipeline } from './pipeline';
import { RetryWorker } from './retry-worker';
import { subscriberDeliveryKeys, type ConnectorDeps, type SubscriberRuntimeConfig } from './runtime-config';
import { Semaphore } from './semaphore';
import { subscriberStatus } from './status';
import { ensureTopics } from './topics-setup';

export interface SinkConnector extends HubComponent {
  readonly subscriberId: string;
  readonly breakerState: BreakerState;
  /** The subscriber's Redis delivery state (operators: release a held key; tests: counts). */
  readonly state: DeliveryState;
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
  const names = topicsForPrefix(config.topicPrefix);
  const deliverTopic = names.deliver(config.id);
  const dlqTopic = names.dlqDeliver(config.id);
  const instanceId =
    deps.instanceId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  const counted = deliveryMetrics(deps.health?.metrics ?? new MetricsRegistry(), config.id);
  // The last failed attempt, for /status (the counters keep the totals).
  let lastFailure: { code: string; class: string; at: string } | undefined;
  // When the breaker last changed state, for /status (`breakerSince`).
  let breakerSince: string | undefined;
  const metrics: typeof counted = {
    ...counted,
    failed: (kind, code) => {
      lastFailure = { code, class: kind, at: new Date(deps.clock.now()).toISOString() };
      counted.failed(kind, code);
    },
  };
  const state = createDeliveryState({
    redis: deps.redis,
    keys: subscriberDeliveryKeys(config.id, config),
    clock: deps.clock,
    owner: instanceId,
    leaseMs: config.delivery.idempotency.leaseMs,
    doneTtlMs: config.delivery.idempotency.ttlMs,
    capacity: config.delivery.capacity,
    onFull: (bound) => metrics.capacityRefused(bound),
    ...(deps.replicaAck && deps.replicaAck.replicas > 0
      ? {
          replicaAck: deps.replicaAck,
          onReplicaShortfall: (_acked: number, eventIds: readonly string[]) =>
            metrics.replicaAckShort(eventIds.length),
        }
      : {}),
    // Fewer, larger `done` writes (one script call per ~10 ms of deliveries instead of per 2 ms).
    finishDelayMs: 10,
  });
  const sink = buildSink(config, deps);
  const slots = new Semaphore(config.delivery.concurrency.perInstance);
  const dlq = new DeadLetterProducer(deps.kafka);
  let running = false;
  let started = false;
  let consumer: CommittingConsumer | undefined;
  let consuming = false;
  let commitTimer: NodeJS.Timeout | undefined;
  // Ready once consuming. A subscriber that is down (breaker open) does not make this process
  // unable to accept work: it shows on /status and /metrics, never on /readyz (issue #13).
  deps.health?.addReadiness(`connector:${config.id}`, () => consuming && running);
  const status = subscriberStatus({
    kafka: deps.kafka,
    redis: deps.redis,
    keys: subscriberDeliveryKeys(config.id, config),
    groupId: config.consumer.groupId,
    topic: deliverTopic,
    breaker: () => ({
      state: breaker.state,
      waitMs: breaker.waitMs(),
      ...(breakerSince ? { since: breakerSince } : {}),
    }),
    consuming: () => consuming,
    lastError: () => lastFailure,
  });
  deps.health?.addStatus('subscribers', config.id, () => status.read());

  const log = eventLogger(logger, DELIVERY_LOG_EVENTS);
  const breaker = new CircuitBreaker(config.delivery.breaker, deps.clock, (to, from) => {
    breakerSince = new Date(deps.clock.now()).toISOString();
    metrics.breaker(to);
    if (to === 'open')
      log.emit('delivery.breaker_open', { from, to }, 'subscriber failing: breaker open, consumer paused');
    else if (to === 'half-open')
      log.emit('delivery.breaker_half_open', { from, to }, 'breaker half-open: probing the subscriber');
    else
      log.emit('delivery.breaker_closed', { from, to }, 'subscriber back: breaker closed, consumer resumes');
    if (to === 'closed') resume();
    worker.poke();
  });

  const pausing = new ConsumerPause({
    pauseTopic: () => consumer?.pause(deliverTopic),
    resumeTopic: () => consumer?.resume(deliverTopic),
    breakerState: () => breaker.state,
    breakerWaitMs: () => breaker.waitMs(),
    running: () => running,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t),
  });
  const pause = () => consumer && pausing.pause();
  const resume = () => pausing.resume();

  const engine = new DeliveryEngine({
    subscriberId: config.id,
    sink,
    state,
    settings: config.delivery,
    breaker,
    metrics,
    slots,
    dlqProducer: dlq,
    dlqTopic,
    logger,
    clock: deps.clock,
    random: deps.random ?? Math.random,
    running: () => running,
  });

  const orderedByKey = config.delivery.ordering.mode === 'key';
  const pipeline = new DeliveryPipeline({
    entryOf: (topic, partition, m) => entryOf(orderedByKey, topic, partition, m),
    engine,
    window: admissionWindows({
      settings: config.delivery,
      limits: admitLimits(config.delivery),
      state,
      now: () => deps.clock.now(),
    }),
    onBlocked: () => pause(),
    releaseLease: (id) => state.finish(id, 'release'),
    control: {
      async commit(topic, partition, offset) {
        await consumer?.commit([{ topic, partition, offset }]);
      },
      seek(topic, partition, offset) {
        try {
          consumer?.seek({ topic, partition, offset });
        } catch {
          // librdkafka: the partition went to another member meanwhile (NOT_ASSIGNED), which
          // reads it from the committed offset, below every unsettled event of ours.
        }
      },
      backOff(topic, partition, ms) {
        consumer?.pause(topic, [partition]);
        setTimeout(() => {
          if (running && !pausing.paused) consumer?.resume(topic, [partition]);
        }, ms).unref();
      },
    },
    logger,
    running: () => running,
    maxBufferedEvents: config.consumer.maxBufferedEvents,
  });

  // A claimed retry stays ours for two delivery timeouts and some slack.
  const worker = new RetryWorker({
    state,
    engine,
    breaker,
    slots,
    metrics,
    logger,
    clock: deps.clock,
    claimLeaseMs: config.sink.timeoutMs * 2 + 10_000,
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
      await dlq.start();
      worker.start();
      consumer = (deps.consumer ?? ((o) => kafkajsCommitting(deps.kafka, o)))({
        groupId: config.consumer.groupId,
        maxWaitTimeInMs: config.consumer.maxWaitTimeInMs,
        events: {
          // A new assignment: reading resumes at the committed offsets; the pipeline forgets the old one.
          joined: () => pipeline.reset(),
          // Ranges the client passed on its own (only transaction markers): the commit may pass them.
          skipped: (topic, partition, lastOffset) => pipeline.skipped(topic, partition, lastOffset),
        },
      });
      await consumer.connect();
      // Offsets are committed by the pipeline (settled prefixes) only.
      await consumer.run({
        topic: deliverTopic,
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
      await worker.stop();
      await dlq.stop();
      await sink.close();
      await status.close();
    },
  };
}
