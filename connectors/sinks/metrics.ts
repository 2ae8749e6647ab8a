import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from '../../retry';

/**
 * The delivery metrics, labelled by subscriber. Several connectors may share one process (and one
 * registry) under `crossdock start`, so each metric is registered once and reused.
 */
export interface DeliveryMetrics {
  delivered(): void;
  failed(kind: 'transient' | 'permanent', code: string): void;
  retryScheduled(): void;
  parked(): void;
  inRetry(n: number): void;
  deadLettered(code: string): void;
  breaker(state: BreakerState): void;
  latency(seconds: number): void;
  idempotentSkip(): void;
  /** Events held in Redis now (in retry or parked), against delivery.capacity.maxHeldEvents. */
  held(n: number): void;
  /** A delivery.capacity bound refused a new entry (its partition pauses; Kafka keeps the event). */
  capacityRefused(bound: 'maxHeldEvents' | 'maxParkedPerKey'): void;
  /** Events whose finish WAIT answered fewer replicas than redis.waitReplicas. */
  replicaAckShort(events: number): void;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function deliveryMetrics(registry: Registry, subscriber: string): DeliveryMetrics {
  const registers = [registry];
  const delivered = metric(
    registry,
    'crossdock_delivery_delivered_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_delivered_total',
        help: 'Events delivered to the subscriber (2xx / produced).',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const failed = metric(
    registry,
    'crossdock_delivery_failures_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_failures_total',
        help: 'Failed delivery attempts by class (transient, permanent) and code.',
        labelNames: ['subscriber', 'class', 'code'],
        registers,
      }),
  );
  const scheduled = metric(
    registry,
    'crossdock_delivery_retries_scheduled_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_retries_scheduled_total',
        help: 'Retries scheduled in Redis.',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const parked = metric(
    registry,
    'crossdock_delivery_parked_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_parked_total',
        help: 'Events parked behind an earlier event of their key (ordering).',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const inRetry = metric(
    registry,
    'crossdock_delivery_in_retry',
    () =>
      new Gauge({
        name: 'crossdock_delivery_in_retry',
        help: 'Events waiting for a retry now (head of their key when ordered).',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const dead = metric(
    registry,
    'crossdock_delivery_dead_lettered_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_dead_lettered_total',
        help: 'Events written to the subscriber dead-letter topic, by code.',
        labelNames: ['subscriber', 'code'],
        registers,
      }),
  );
  const breaker = metric(
    registry,
    'crossdock_delivery_breaker_state',
    () =>
      new Gauge({
        name: 'crossdock_delivery_breaker_state',
        help: 'Circuit breaker: 0 closed, 1 half-open, 2 open.',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const latency = metric(
    registry,
    'crossdock_delivery_latency_seconds',
    () =>
      new Histogram({
        name: 'crossdock_delivery_latency_seconds',
        help: 'Duration of one delivery attempt to the subscriber.',
        labelNames: ['subscriber'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
  );
  const skips = metric(
    registry,
    'crossdock_delivery_idempotent_skips_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_idempotent_skips_total',
        help: 'Events skipped because their idempotency record says they were delivered.',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const held = metric(
    registry,
    'crossdock_delivery_held_events',
    () =>
      new Gauge({
        name: 'crossdock_delivery_held_events',
        help: 'Events the subscriber holds in Redis now (scheduled for a retry or parked behind their key); bounded by delivery.capacity.maxHeldEvents.',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const refusals = metric(
    registry,
    'crossdock_delivery_capacity_refusals_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_capacity_refusals_total',
        help: 'New events a delivery.capacity bound kept out of Redis (maxHeldEvents, maxParkedPerKey); each stays in Kafka and its partition pauses.',
        labelNames: ['subscriber', 'bound'],
        registers,
      }),
  );
  const replicaShort = metric(
    registry,
    'crossdock_delivery_replica_ack_short_total',
    () =>
      new Counter({
        name: 'crossdock_delivery_replica_ack_short_total',
        help: 'Deliveries recorded as done whose WAIT (redis.waitReplicas) answered fewer replicas in time: their records may be lost in a failover, and the event delivered again.',
        labelNames: ['subscriber'],
        registers,
      }),
  );
  const s = { subscriber };
  // Children bound to this subscriber once: no label hashing on the per-event path.
  const deliveredC = delivered.labels(s);
  const scheduledC = scheduled.labels(s);
  const parkedC = parked.labels(s);
  const inRetryG = inRetry.labels(s);
  const breakerG = breaker.labels(s);
  const latencyH = latency.labels(s);
  const skipsC = skips.labels(s);
  const heldG = held.labels(s);
  const replicaShortC = replicaShort.labels(s);
  breakerG.set(0);
  inRetryG.set(0);
  heldG.set(0);
  return {
    delivered: () => deliveredC.inc(),
    failed: (kind, code) => failed.inc({ subscriber, class: kind, code }),
    retryScheduled: () => scheduledC.inc(),
    parked: () => parkedC.inc(),
    inRetry: (n) => inRetryG.set(n),
    deadLettered: (code) => dead.inc({ subscriber, code }),
    breaker: (state) => breakerG.set(BREAKER_VALUE[state]),
    latency: (sec) => latencyH.observe(sec),
    idempotentSkip: () => skipsC.inc(),
    held: (n) => heldG.set(n),
    capacityRefused: (bound) => refusals.inc({ subscriber, bound }),
    replicaAckShort: (events) => replicaShortC.inc(events),
  };
}
