import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The router's Prometheus metrics, registered in the process registry (core/health.ts). */
export interface RouterMetrics {
  eventsIn: Counter<'site' | 'type'>;
  routed: Counter<'subscriber'>;
  deadLetters: Counter<'code'>;
  duplicates: Counter<'site' | 'type'>;
  unrouted: Counter<'site' | 'type'>;
  validationSeconds: Histogram;
  batchSeconds: Histogram;
  lag: Gauge<'topic' | 'partition'>;
  transientRetries: Counter<'dependency'>;
  registryFailures: Counter<'status'>;
  catalogPublished: Gauge;
  transactions: Counter<'outcome'>;
  claims: Counter<'waited'>;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  const registers = [registry];
  return {
    eventsIn: new Counter({
      name: 'crossdock_router_events_in_total',
      help: 'Ingress records read, by site and event type (type "unknown" when it could not be told).',
      labelNames: ['site', 'type'],
      registers,
    }),
    routed: new Counter({
      name: 'crossdock_router_routed_total',
      help: 'Copies fanned out, by subscriber.',
      labelNames: ['subscriber'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'crossdock_router_dead_letters_total',
      help: 'Records sent to the router DLQ, by error code.',
      labelNames: ['code'],
      registers,
    }),
    duplicates: new Counter({
      name: 'crossdock_router_duplicates_total',
      help: 'Repeated eventIds with the same payload, dropped.',
      labelNames: ['site', 'type'],
      registers,
    }),
    unrouted: new Counter({
      name: 'crossdock_router_unrouted_total',
      help: 'Valid events no route matched.',
      labelNames: ['site', 'type'],
      registers,
    }),
    validationSeconds: new Histogram({
      name: 'crossdock_router_validation_seconds',
      help: 'Time to validate one record (framing to data rules), as the mean over each batch.',
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.02, 0.1],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'crossdock_router_batch_seconds',
      help: 'Time to process one fetched batch, transaction included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    lag: new Gauge({
      name: 'crossdock_router_consumer_lag',
      help: 'Records behind the high watermark after the last batch, per ingress partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    transientRetries: new Counter({
      name: 'crossdock_router_transient_retries_total',
      help: 'Batches paused and retried because a dependency was down (registry, redis, worker) or an event named a schema version the catalog does not hold yet (catalog).',
      labelNames: ['dependency'],
      registers,
    }),
    registryFailures: new Counter({
      name: 'crossdock_router_registry_failures_total',
      help: 'Registry answers that were not about the event (batch paused and retried, nothing dead-lettered), by status class: auth (401, 403), throttled (429), 5xx, timeout, unreachable, other.',
      labelNames: ['status'],
      registers,
    }),
    catalogPublished: new Gauge({
      name: 'crossdock_router_catalog_published_seconds',
      help: 'When the catalog this router validates against was published by `schemas push` (Unix seconds); 0 while it uses the catalog shipped with the hub (nobody pushed).',
      registers,
    }),
    transactions: new Counter({
      name: 'crossdock_router_transactions_total',
      help: 'Kafka transactions, by outcome (committed, aborted, fenced: refused by the partition fence).',
      labelNames: ['outcome'],
      registers,
    }),
    claims: new Counter({
      name: 'crossdock_router_partition_claims_total',
      help: "Partitions taken over (router/fence.ts), by how the wait for the previous owner's commit ended: none, holder (it committed), predecessor, fenced, expired.",
      labelNames: ['waited'],
      registers,
    }),
  };
}
