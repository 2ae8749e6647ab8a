/**
 * JSON Schema of a route: what it matches and which subscribers receive what it matches.
 * Routes are data, never code: the operators below are the whole language (no eval).
 */

const CONDITION_OPERATORS = {
  equals: {
    description: 'The value equals this (string, number or boolean; compared after JSON conversion).',
    type: ['string', 'number', 'boolean'],
  },
  in: {
    description: 'The value is one of these.',
    type: 'array',
    minItems: 1,
    items: { type: ['string', 'number', 'boolean'] },
  },
  prefix: { description: 'The value is a string that starts with this.', type: 'string', minLength: 1 },
  exists: {
    description: 'true: the value is present and not null; false: it is absent or null.',
    type: 'boolean',
  },
  range: {
    description: 'The value is a number (or a decimal string) within these bounds; give at least one bound.',
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      gt: { type: 'number' },
      gte: { type: 'number' },
      lt: { type: 'number' },
      lte: { type: 'number' },
    },
  },
} as const;

/** One operator per condition, so a condition reads as one sentence. */
function condition(subject: 'field' | 'header', subjectSchema: Record<string, unknown>) {
  return {
    type: 'object',
    description:
      subject === 'field'
        ? 'A test on one field of the decoded event, named by a dot path (e.g. `order.priority`, `lines.0.sku`). Exactly one operator.'
        : 'A test on one Kafka header (CloudEvents `ce_*`, `traceparent`, …). Exactly one operator.',
    required: [subject],
    additionalProperties: false,
    minProperties: 2,
    maxProperties: 2,
    properties: { [subject]: subjectSchema, ...CONDITION_OPERATORS },
  } as const;
}

export const FIELD_CONDITION_SCHEMA = condition('field', {
  type: 'string',
  minLength: 1,
  pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$',
  description: 'Dot path into the decoded event.',
});
export const HEADER_CONDITION_SCHEMA = condition('header', {
  type: 'string',
  minLength: 1,
  description: 'Header name, e.g. `ce_source`.',
});

export const ROUTE_MATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description:
    'What a route selects. Every given criterion must hold (AND); within one list any entry may hold (OR). An empty match selects every valid event.',
  properties: {
    eventTypes: {
      type: 'array',
      minItems: 1,
      description:
        'Event types, exact or glob (`*` within a dot-separated segment, `**` across segments), e.g. `com.crossdock.order.*`.',
      items: { type: 'string', minLength: 1 },
    },
    sites: {
      type: 'array',
      minItems: 1,
      description: 'Site ids the event comes from.',
      items: { type: 'string', minLength: 1 },
    },
    countries: {
      type: 'array',
      minItems: 1,
      description: 'ISO 3166 alpha-2 countries of the site.',
      items: { type: 'string', pattern: '^[A-Z]{2}$' },
    },
    groups: {
      type: 'array',
      minItems: 1,
      description: 'Site groups (a site is in the group when its `groups` lists it).',
      items: { type: 'string', minLength: 1 },
    },
    headers: {
      type: 'array',
      minItems: 1,
      description: 'Header conditions, all of which must hold.',
      items: HEADER_CONDITION_SCHEMA,
    },
    fields: {
      type: 'array',
      minItems: 1,
      description: 'Payload field conditions, all of which must hold (these need the decoded event).',
      items: FIELD_CONDITION_SCHEMA,
    },
  },
} as const;

export const ROUTE_SCHEMA = {
  type: 'object',
  required: ['name', 'match', 'to'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]*$',
      description: 'Unique route name; it travels in the `cd-route` header of what it fans out.',
    },
    description: { type: 'string' },
    match: ROUTE_MATCH_SCHEMA,
    to: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      description: 'Subscriber ids that receive what this route matches.',
      items: { type: 'string' },
    },
  },
} as const;
