/** Route schemas of HTTP ingest; @fastify/swagger turns them into the OpenAPI document. */

export const SIGNED_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'x-cd-key-id': { type: 'string', description: 'Id of the site key that signed the request.' },
    'x-cd-timestamp': {
      type: 'string',
      description: 'Unix seconds when the request was signed (replay window: 5 minutes by default).',
    },
    'x-cd-signature': {
      type: 'string',
      description: 'v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>',
    },
    'idempotency-key': {
      type: 'string',
      description: 'Optional. Same key + same body → same answer, nothing published again; other body → 409.',
    },
    traceparent: { type: 'string', description: 'Optional W3C trace context; one is made when absent.' },
  },
  required: ['x-cd-key-id', 'x-cd-timestamp', 'x-cd-signature'],
} as const;

const RECORD = {
  type: 'object',
  additionalProperties: true,
  description: "One record in the site's own shape (see the site mapping).",
} as const;

export const INGEST_BODY_SCHEMA = {
  description: 'One record, an array of records, or {"events": [records]}.',
  oneOf: [
    RECORD,
    { type: 'array', items: RECORD, minItems: 1 },
    {
      type: 'object',
      properties: { events: { type: 'array', items: RECORD, minItems: 1 } },
      required: ['events'],
    },
  ],
} as const;

export const ACCEPTED_SCHEMA = {
  description: 'Every event was acknowledged by Kafka (acks=all).',
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
  },
  required: ['accepted', 'eventIds'],
} as const;

export const ERROR_SCHEMA = {
  description: 'Nothing of the request was published. `code` is stable (docs/errors.md).',
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retriable: { type: 'boolean' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          code: { type: 'string' },
          expected: { type: 'string' },
          got: { type: 'string' },
        },
        required: ['path', 'code', 'expected', 'got'],
      },
    },
  },
  required: ['code', 'message', 'retriable'],
} as const;
