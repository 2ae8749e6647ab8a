import { defaultsOf } from '../core/config/defaults';
import { DEFAULT_BREAKER, type BreakerOptions } from './breaker';
import { DELIVERY_CONFIG_SCHEMA } from './config-schema';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './policy';

/** What happens to business key K's waiting events when K's head event is dead-lettered. */
export type OnHeadDeadLettered = 'continue' | 'hold';

/**
 * A subscriber's compiled `delivery` section: every default applied, durations in ms. Each
 * `@defaultValue the schema's` is DELIVERY_CONFIG_SCHEMA's default (docs/configuration.md).
 */
export interface DeliverySettings {
  retry: RetryPolicy;
  ordering: {
    /** 'key': events with the same Kafka key are delivered in order, parked behind a retry. @defaultValue the schema's */
    mode: 'none' | 'key';
    /** @defaultValue the schema's */
    onDeadLetter: OnHeadDeadLettered;
  };
  breaker: BreakerOptions;
  rateLimit: {
    /** Deliveries per second across all instances; 0 = unlimited. @defaultValue the schema's */
    perSecond: number;
    /** Bucket size (deliveries allowed in a burst). @defaultValue max(1, perSecond) (the schema's 0 means that) */
    burst: number;
  };
  concurrency: {
    /** In-flight deliveries per connector instance. @defaultValue the schema's */
    perInstance: number;
    /** In-flight deliveries across all instances (Redis); 0 = no shared cap. @defaultValue the schema's */
    shared: number;
  };
  capacity: {
    /** Events held in Redis (in retry or parked) for the subscriber at once. @defaultValue the schema's */
    maxHeldEvents: number;
    /** Events waiting in one business key's queue. @defaultValue the schema's */
    maxParkedPerKey: number;
  };
  idempotency: {
    /** How long a delivered event's record is kept (redeliveries and replays within it are skipped). @defaultValue the schema's */
    ttlMs: number;
    /** How long an instance's claim on an event outlives the instance if it dies mid-delivery. @defaultValue the schema's */
    leaseMs: number;
  };
}

const SECTIONS = DELIVERY_CONFIG_SCHEMA.properties;

/** The schema's defaults as settings (rateLimit as the schema has it: burst 0 = max(1, perSecond)). */
export const DEFAULT_DELIVERY: Readonly<DeliverySettings> = Object.freeze({
  retry: DEFAULT_RETRY_POLICY,
  ordering: defaultsOf(SECTIONS.ordering),
  breaker: DEFAULT_BREAKER,
  rateLimit: defaultsOf(SECTIONS.rateLimit),
  concurrency: defaultsOf(SECTIONS.concurrency),
  capacity: defaultsOf(SECTIONS.capacity),
  idempotency: defaultsOf(SECTIONS.idempotency),
});

type Section = Readonly<Record<string, unknown>> | undefined;

function pick<T extends object>(defaults: T, raw: unknown): T {
  const src = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const out = { ...defaults } as Record<string, unknown>;
  for (const k of Object.keys(defaults)) if (src[k] !== undefined) out[k] = src[k];
  return out as T;
}

/** The delivery section as the config holds it (validated by DELIVERY_CONFIG_SCHEMA) → settings. */
export function compileDeliverySettings(raw: Section): DeliverySettings {
  const r = raw ?? {};
  const rate = pick(DEFAULT_DELIVERY.rateLimit, r.rateLimit);
  return Object.freeze({
    retry: Object.freeze(pick(DEFAULT_RETRY_POLICY, r.retry)),
    ordering: Object.freeze(pick(DEFAULT_DELIVERY.ordering, r.ordering)),
    breaker: Object.freeze(pick(DEFAULT_BREAKER, r.breaker)),
    rateLimit: Object.freeze({
      perSecond: rate.perSecond,
      burst: rate.burst > 0 ? rate.burst : Math.max(1, Math.ceil(rate.perSecond)),
    }),
    concurrency: Object.freeze(pick(DEFAULT_DELIVERY.concurrency, r.concurrency)),
    capacity: Object.freeze(pick(DEFAULT_DELIVERY.capacity, r.capacity)),
    idempotency: Object.freeze(pick(DEFAULT_DELIVERY.idempotency, r.idempotency)),
  });
}
