/** JSON Schema of one mapping file (base, variant or site); checked before the chain is merged. */
const FIELD = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', minLength: 1 },
    const: { type: ['string', 'number', 'boolean', 'null'] },
    type: { enum: ['string', 'int', 'number', 'decimal', 'timestamp', 'date', 'boolean', 'currency'] },
    required: { type: 'boolean' },
    nullable: { type: 'boolean' },
    default: { type: ['string', 'number', 'boolean', 'null'] },
    scale: { type: 'integer', minimum: 0, maximum: 18 },
    min: { type: 'number' },
    max: { type: 'number' },
    codes: { type: 'string' },
    values: { type: 'array', items: { type: 'string' } },
    format: { type: 'string' },
    upper: { type: 'boolean' },
  },
} as const;

const ARRAY = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    each: { type: 'string', minLength: 1 },
    minItems: { type: 'integer', minimum: 0 },
    fields: { type: 'object', additionalProperties: { anyOf: [FIELD, { type: 'null' }] } },
  },
} as const;

const EVENT = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sourceType: { type: 'string' },
    occurredAt: FIELD,
    sourceId: { anyOf: [FIELD, { type: 'null' }] },
    correlationId: { anyOf: [FIELD, { type: 'null' }] },
    groupBy: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }] },
    fields: { type: 'object', additionalProperties: { anyOf: [FIELD, ARRAY, { type: 'null' }] } },
  },
} as const;

export const MAPPING_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    extends: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    sourceSystem: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    typeField: { type: 'string', minLength: 1 },
    dialect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dateFormat: { type: 'string' },
        timestampFormat: { type: 'string' },
        utcOffset: { type: 'string' },
        decimalSeparator: { enum: ['.', ','] },
        thousandsSeparator: { enum: ['', ',', '.', ' ', "'"] },
        encoding: { enum: ['utf8', 'latin1'] },
        delimiter: { enum: [',', ';', '\t', '|'] },
      },
    },
    codes: {
      type: 'object',
      additionalProperties: {
        anyOf: [{ type: 'object', additionalProperties: { type: 'string' } }, { type: 'null' }],
      },
    },
    mappings: { type: 'object', additionalProperties: { anyOf: [EVENT, { type: 'null' }] } },
  },
} as const;
