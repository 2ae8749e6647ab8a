/**
 * JSON Schema fragment for a site's `connector` section (http ingest, csv drop folder, sdk).
 * Owned by the source connectors; hub/config.ts composes it into the hub configuration schema
 * (ajv with useDefaults, so the defaults below are filled in). Kind-specific settings sit beside
 * `kind`; a setting of another kind is refused, so a typo cannot silently do nothing.
 *
 * Secrets never live in the file: an HTTP key names the environment variable holding its secret.
 */
const MAPPING = {
  type: 'string',
  minLength: 1,
  description:
    'Name of the site mapping (a folder under `mappingDir` with mapping.yaml, or a shared variant in `_variants/`). Default: the site id. Checked at start-up; `crossdock site test <siteId> --file <input>` shows what it makes of an input.',
} as const;

const MAPPING_DIR = {
  type: 'string',
  minLength: 1,
  description:
    "Folder of site mappings, relative to the configuration file. Default: the repository's `sites/`.",
} as const;

const SOURCE_SYSTEM = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9:-]*$',
  description:
    "Overrides the mapping's sourceSystem (metadata.sourceSystem and ce_source `crossdock://sites/<siteId>/<sourceSystem>`).",
} as const;

const HTTP_KEY = {
  type: 'object',
  required: ['id', 'secretEnv'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{3,100}$',
      description: 'Key id the site sends in `x-cd-key-id` (not secret).',
    },
    secretEnv: {
      type: 'string',
      pattern: '^[A-Z_][A-Z0-9_]*$',
      description: 'Environment variable that holds the HMAC secret.',
    },
    expiresAt: {
      type: 'string',
      format: 'date-time',
      description: 'After this time the key is refused (the old key of a rotation).',
    },
  },
} as const;

const KINDS = ['http', 'csv', 'sdk'] as const;

export const SOURCE_CONFIG_SCHEMA = {
  type: 'object',
  description:
    'How this site publishes: HTTP ingest (`http`), a CSV drop folder (`csv`) or the TypeScript SDK straight to Kafka (`sdk`). See docs/sites.md.',
  required: ['kind'],
  properties: {
    kind: {
      enum: KINDS,
      description:
        'http: POST /v1/sites/<id>/events, signed; csv: files dropped in a folder; sdk: createSiteProducer with the site SCRAM user.',
    },
    mapping: MAPPING,
    mappingDir: MAPPING_DIR,
    sourceSystem: SOURCE_SYSTEM,
    keys: {
      type: 'array',
      maxItems: 2,
      items: HTTP_KEY,
      default: [],
      description:
        'http: the active signing keys (at most two: the current one and, during a rotation, the next). `crossdock site add` makes one.',
    },
    quota: {
      type: 'object',
      additionalProperties: false,
      required: ['events'],
      properties: {
        events: {
          type: 'integer',
          minimum: 1,
          description: 'Events accepted per window; past it the answer is 429 with Retry-After.',
        },
        windowSeconds: {
          type: 'integer',
          minimum: 1,
          default: 60,
          description: 'Length of the quota window.',
        },
      },
      description: 'http: the site quota (none when absent).',
    },
    folder: {
      type: 'string',
      minLength: 1,
      description:
        'csv: the drop folder, relative to the configuration file. Default: `<CROSSDOCK_HOME>/drop/<siteId>`.',
    },
    policy: {
      enum: ['all-or-nothing', 'publish-good'],
      description:
        'csv: a file with bad rows publishes nothing (all-or-nothing, default) or its good orders (publish-good); either way the report lists every bad row.',
    },
    eventType: {
      type: 'string',
      description:
        "csv: which of the mapping's event types the files hold. Default: the mapping's grouped (or only) one.",
    },
  },
  additionalProperties: false,
  allOf: [
    {
      if: { properties: { kind: { const: 'http' } } },
      then: {
        not: { anyOf: [{ required: ['folder'] }, { required: ['policy'] }, { required: ['eventType'] }] },
      },
    },
    { if: { properties: { kind: { const: 'csv' } } }, then: { not: { anyOf: [{ required: ['quota'] }] } } },
    {
      if: { properties: { kind: { const: 'sdk' } } },
      then: { not: { anyOf: [{ required: ['folder'] }, { required: ['policy'] }, { required: ['quota'] }] } },
    },
  ],
} as const;

/** A site's `connector` section after validation (defaults filled). */
export interface SourceConnectorConfig {
  kind: (typeof KINDS)[number];
  mapping?: string;
  mappingDir?: string;
  sourceSystem?: string;
  keys?: Array<{ id: string; secretEnv: string; expiresAt?: string }>;
  quota?: { events: number; windowSeconds?: number };
  folder?: string;
  policy?: 'all-or-nothing' | 'publish-good';
  eventType?: string;
}
