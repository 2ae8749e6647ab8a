/**
 * JSON Schema fragment for a subscriber's `sink` section (http webhook or kafka topic). Owned by
 * the sink connectors; core/config composes it into the hub configuration schema.
 * PLACEHOLDER: the delivery work fills it in.
 */
export const SINK_CONFIG_SCHEMA = {
  type: 'object',
  description: 'Where and how this subscriber receives events.',
  required: ['kind'],
  properties: { kind: { enum: ['http', 'kafka'] } },
} as const;
