/**
 * JSON Schema fragment for a subscriber's `delivery` section (retry policy, ordering, breaker,
 * rate limit, idempotency). Owned by the delivery part; core/config composes it into the hub
 * configuration schema. PLACEHOLDER: the delivery work fills it in.
 */
export const DELIVERY_CONFIG_SCHEMA = {
  type: 'object',
  description: 'How deliveries to this subscriber are retried, ordered, rate-limited and dead-lettered.',
} as const;
