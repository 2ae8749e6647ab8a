import { DEFAULT_BREAKER, type BreakerOptions } from './breaker';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './policy';

/** What happens to business key K's waiting events when K's head event is dead-lettered. */
export type OnHeadDeadLettered = 'continue' | 'hold';

/** A subscriber's compiled `delivery` section: every default applied, durations in ms. */
export interface DeliverySettings {
  retry: RetryPolicy;
  ordering: {
    /** 'key': events with the same Kafka key are delivered in order, parked behind a retry. @defaultValue 'none' */
    mode: 'none' | 'key';
    /** @defaultValue 'continue' */
    onDeadLetter: OnHeadDeadLettered;
  };
  breaker: BreakerOptions;
  rateLimit: {
    /** Deliveries per second across all instances; 0 = unlimited. @defaultValue 0 */
    perSecond: number;
    /** Bucket size (deliveries allowed in a burst). @defaultValue max(1, perSecond) */
    burst: number;
  };
  concurrency: {
    /** In-flight deliveries per connector instance. @defaultValue 32 */
    perInstance: number;
    /** In-flight deliveries across all instances (Redis); 0 = no shared cap. @defaultValue 0 */
    shared: number;
  };
  idempotency: {
    /** How long a delivered event's record is kept (redeliveries and replays within it are skipped). @defaultValue 7 days */
    ttlMs: number;
    /** How long an instance's claim on an event outlives the instance if it dies mid-delivery. @defaultValue 30000 */
    leaseMs: number;
  };
}

export const DEFAULT_DELIVERY: Readonly<DeliverySettings> = Object.freeze({
  retry: DEFAULT_RETRY_POLICY,
  ordering: { mode: 'none', onDeadLetter: 'continue' },
  breaker: DEFAULT_BREAKER,
  rateLimit: { perSecond: 0, burst: 0 },
  concurrency: { perInstance: 32, shared: 0 },
  idempotency: { ttlMs: 7 * 24 * 3600 * 1000, leaseMs: 30_000 },
} as DeliverySettings);

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
  const rate = pick({ perSecond: 0, burst: 0 }, r.rateLimit);
  return Object.freeze({
    retry: Object.freeze(pick(DEFAULT_RETRY_POLICY, r.retry)),
    ordering: Object.freeze(pick(DEFAULT_DELIVERY.ordering, r.ordering)),
    breaker: Object.freeze(pick(DEFAULT_BREAKER, r.breaker)),
    rateLimit: Object.freeze({
      perSecond: rate.perSecond,
      burst: rate.burst > 0 ? rate.burst : Math.max(1, Math.ceil(rate.perSecond)),
    }),
    concurrency: Object.freeze(pick(DEFAULT_DELIVERY.concurrency, r.concurrency)),
    idempotency: Object.freeze(pick(DEFAULT_DELIVERY.idempotency, r.idempotency)),
  });
}
