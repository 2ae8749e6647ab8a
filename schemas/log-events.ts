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
});
