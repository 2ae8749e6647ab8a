const ms = (description: string, def: number, minimum = 0) =>
  ({ type: 'integer', minimum, default: def, description: `${description} (milliseconds)` }) as const;

/**
 * JSON Schema fragment for a subscriber's `delivery` section (retry policy, ordering, breaker,
 * rate limit, concurrency, idempotency). Owned by the delivery part; hub/config.ts composes it into
 * the hub configuration schema. Every delivery default is written here and only here:
 * retry/settings.ts, policy.ts and breaker.ts read them out of this fragment (core/config/defaults).
 */
export const DELIVERY_CONFIG_SCHEMA = {
  type: 'object',
  description:
    'How deliveries to this subscriber are retried, ordered, rate-limited and dead-lettered. See docs/retry.md.',
  additionalProperties: false,
  default: {},
  properties: {
    retry: {
      type: 'object',
      description:
        'Retry policy for transient failures: exponential backoff with full jitter and a cap, bounded by attempts and age.',
      additionalProperties: false,
      default: {},
      properties: {
        maxAttempts: {
          type: 'integer',
          minimum: 1,
          default: 10,
          description: 'Attempts in total, the first included; then the event is dead-lettered.',
        },
        maxAgeMs: ms(
          'Dead-letter instead of retrying once the next attempt would start this long after the first failure',
          86_400_000,
          1,
        ),
        initialDelayMs: ms('Ceiling of the first retry delay; the delay is uniform in [0, ceiling]', 1000, 1),
        multiplier: {
          type: 'number',
          minimum: 1,
          default: 2,
          description: 'Growth of the delay ceiling per attempt.',
        },
        maxDelayMs: ms('Cap of the delay ceiling', 300_000, 1),
      },
    },
    ordering: {
      type: 'object',
      description:
        'Per-business-key ordering: while an event for key K waits for a retry, later K events wait behind it; other keys keep flowing.',
      additionalProperties: false,
      default: {},
      properties: {
        mode: {
          enum: ['none', 'key'],
          default: 'none',
          description:
            "'key' keeps events of one Kafka key in order for this subscriber; 'none' delivers each event as soon as it can.",
        },
        onDeadLetter: {
          enum: ['continue', 'hold'],
          default: 'continue',
          description:
            "When K's head event is dead-lettered: 'continue' delivers K's next events; 'hold' keeps them waiting until an operator releases K.",
        },
      },
    },
    breaker: {
      type: 'object',
      description:
        'Circuit breaker: a subscriber that keeps failing transiently pauses its consumer and retries instead of filling the dead letters.',
      additionalProperties: false,
      default: {},
      properties: {
        failureThreshold: {
          type: 'integer',
          minimum: 1,
          default: 5,
          description: 'Consecutive transient failures that open the breaker.',
        },
        openMs: ms('How long the breaker stays open before one probe is let through', 5000, 1),
        maxOpenMs: ms('Each failed probe doubles the open time up to this', 60_000, 1),
        probesToClose: {
          type: 'integer',
          minimum: 1,
          default: 1,
          description: 'Successful probes in a row that close the breaker.',
        },
      },
    },
    rateLimit: {
      type: 'object',
      description: 'Token bucket shared by every connector instance of this subscriber (Redis).',
      additionalProperties: false,
      default: {},
      properties: {
        perSecond: {
          type: 'number',
          minimum: 0,
          default: 0,
          description: 'Deliveries per second across all instances; 0 means no limit.',
        },
        burst: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description: 'Bucket size; 0 means max(1, perSecond).',
        },
      },
    },
    concurrency: {
      type: 'object',
      description: 'How many deliveries may be in flight at once.',
      additionalProperties: false,
      default: {},
      properties: {
        perInstance: {
          type: 'integer',
          minimum: 1,
          default: 32,
          description: 'In-flight deliveries per connector instance.',
        },
        shared: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description: 'In-flight deliveries across all instances (Redis); 0 means no shared cap.',
        },
      },
    },
    capacity: {
      type: 'object',
      description:
        'Bounds on what this subscriber holds in Redis (events in retry or parked behind their key). A new event that would pass a bound is not taken: its partition pauses and reads it again after a second (CD_E_DELIVERY_STATE_FULL, counted in crossdock_delivery_capacity_refusals_total), so Kafka keeps it and nothing is lost. See docs/operations.md.',
      additionalProperties: false,
      default: {},
      properties: {
        maxHeldEvents: {
          type: 'integer',
          minimum: 1,
          default: 100_000,
          description:
            'Events held in Redis for this subscriber at once (scheduled for a retry or parked behind their key), across all its instances.',
        },
        maxParkedPerKey: {
          type: 'integer',
          minimum: 1,
          default: 10_000,
          description: "Events waiting in one business key's queue (ordering 'key'), its head included.",
        },
      },
    },
    idempotency: {
      type: 'object',
      description:
        'The per-event record (subscriber + eventId) that stops a redelivery, replay or restart from repeating a known effect.',
      additionalProperties: false,
      default: {},
      properties: {
        ttlMs: ms('How long a delivered event is remembered', 7 * 24 * 3600 * 1000, 1000),
        leaseMs: ms(
          'How long one instance claim on an event outlives that instance if it dies mid-delivery',
          30_000,
          100,
        ),
      },
    },
  },
} as const;
