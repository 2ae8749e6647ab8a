import { defineLogEvents } from '../core/log-events';

/**
 * Log events of the schemas part: what `pushSchemas` changed in the registry (a push that finds
 * everything in place writes none). `schemas check` and `schemas list` are offline or read-only
 * and only print their result.
 */
export const SCHEMAS_LOG_EVENTS = defineLogEvents({
  'schemas.version_registered': {
    level: 'info',
    fields: ['subject', 'eventType', 'version', 'schemaId', 'registryVersion'],
    description: 'A catalog version was registered in the schema registry (it was not there before).',
  },
  'schemas.compatibility_changed': {
    level: 'info',
    fields: ['subject', 'compatibility'],
    description: "A subject's compatibility setting in the registry was changed to the catalog's.",
  },
  'schemas.catalog_followed': {
    level: 'info',
    fields: ['topic', 'offset', 'publishedAt', 'eventTypes', 'changes'],
    description:
      'A process read a published catalog from `<prefix>.catalog` (at start, or a push while it runs); `changes` lists what it changed (versions added, statuses).',
  },
  'schemas.catalog_record_invalid': {
    level: 'warn',
    fields: ['topic', 'offset', 'error'],
    description:
      'A record on the catalog topic could not be used (not a catalog document of a known format), or the topic could not be read; the catalog in force stays.',
  },
  'schemas.catalog_follow_late': {
    level: 'warn',
    fields: ['topic', 'waitedMs'],
    description:
      'At start the catalog topic was not read to its end in time; the process starts with the catalog it has and keeps following.',
  },
});
