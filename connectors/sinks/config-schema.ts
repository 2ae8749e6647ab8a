/**
 * JSON Schema fragment for a subscriber's `sink` section (http webhook or kafka topic). Owned by
 * the sink connectors; hub/config.ts composes it into the hub configuration schema. Field defaults
 * live in the `then` branches so each kind only gets its own, and only here:
 * connectors/sinks/settings.ts reads them out of this fragment (core/config/defaults).
 */
export const SINK_CONFIG_SCHEMA = {
  type: 'object',
  description: 'Where and how this subscriber receives events: an HTTP webhook or a Kafka topic.',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: {
      enum: ['http', 'kafka'],
      description: "'http': a signed webhook per event (undici); 'kafka': produce to a topic.",
    },
    url: { type: 'string', pattern: '^https?://', description: 'http: the receiver URL (POST).' },
    body: {
      enum: ['json', 'avro'],
      description:
        "http: 'json' sends the canonical event as JSON (decimals as strings, timestamps ISO 8601); 'avro' the Confluent-framed Avro bytes. Default 'json'.",
    },
    timeoutMs: {
      type: 'integer',
      minimum: 1,
      description: 'Timeout of one delivery in milliseconds. Default 10000 (http), 30000 (kafka).',
    },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description:
        'http: extra static request headers; `${NAME}` is replaced by the environment variable NAME (`${NAME:-default}`: an explicit default; unset without one is a configuration error). Default none.',
    },
    secrets: {
      type: 'array',
      items: { type: 'string' },
      description:
        'http: Standard Webhooks secrets (whsec_…), several during a rotation (one signature each); `${NAME}` reads the environment (unset without a `${NAME:-default}` is a configuration error, never an unsigned webhook). Default none (unsigned).',
    },
    secretsEnv: {
      type: 'string',
      description:
        'http: name of an environment variable holding the secrets, space-separated (preferred: keeps them out of the file). Unset or empty is a configuration error.',
    },
    connections: {
      type: 'integer',
      minimum: 1,
      description: 'http: keep-alive connections per instance. Default delivery.concurrency.perInstance.',
    },
    source: {
      type: 'string',
      description: "http: ce-source when the event carries no ce_source header. Default 'crossdock'.",
    },
    topic: {
      type: 'string',
      minLength: 1,
      description: 'kafka: target topic. Default `<prefix>.sink.<subscriberId>`.',
    },
    brokers: {
      type: 'array',
      items: { type: 'string' },
      description: "kafka: another cluster's bootstrap servers. Default: the hub's own cluster.",
    },
    acks: { enum: [-1, 0, 1], description: 'kafka: producer acks. Default -1 (all in-sync replicas).' },
    createTopic: {
      type: 'boolean',
      description: "kafka: create the topic at start when missing (hub's own cluster). Default true.",
    },
  },
  allOf: [
    {
      if: { properties: { kind: { const: 'http' } } },
      then: {
        required: ['url'],
        properties: {
          body: { default: 'json' },
          timeoutMs: { default: 10000 },
          headers: { default: {} },
          secrets: { default: [] },
          source: { default: 'crossdock' },
        },
      },
    },
    {
      if: { properties: { kind: { const: 'kafka' } } },
      then: {
        properties: {
          timeoutMs: { default: 30000 },
          brokers: { default: [] },
          acks: { default: -1 },
          createTopic: { default: true },
        },
      },
    },
  ],
} as const;
