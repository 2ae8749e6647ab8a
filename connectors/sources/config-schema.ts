/**
 * JSON Schema fragment for a site's `connector` section (http ingest, csv drop folder, sdk).
 * Owned by the source connectors; core/config composes it into the hub configuration schema.
 * PLACEHOLDER: the site connector work fills it in.
 */
export const SOURCE_CONFIG_SCHEMA = {
  type: 'object',
  description: 'How this site publishes: HTTP ingest, a CSV drop folder or the TypeScript SDK.',
  required: ['kind'],
  properties: { kind: { enum: ['http', 'csv', 'sdk'] } },
} as const;
