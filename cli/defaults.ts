import path from 'node:path';

/**
 * The values `crossdock --help` shows (option defaults and choices) that are defined in the heavy
 * parts of the hub. They are repeated here so that building the CLI loads none of those parts (the
 * CLI loading rule, docs/architecture.md); test/unit/cli/lazy-loading.test.ts checks that each one
 * equals its definition.
 */

const ROOT = path.resolve(__dirname, '..');

/** The demo configuration, the default of every `--config` that has one (`npm start` runs it). */
export const DEFAULT_CONFIG = path.join(ROOT, 'examples', 'hub.yaml');

/** connectors/sources DEFAULT_SITES_DIR: the folder of site mappings. */
export const DEFAULT_SITES_DIR = path.join(ROOT, 'sites');

/** schemas SCHEMAS_DIR and LOCK_FILE: the catalog's folder and its lock file. */
export const SCHEMAS_DIR = path.join(ROOT, 'schemas');
export const LOCK_FILE = 'catalog.lock.json';

/** dlq ADMIN_ROLES: the roles of an admin API token. */
export const ADMIN_ROLES = Object.freeze(['viewer', 'operator', 'admin'] as const);

/** dlq DEAD_LETTER_STATES: the work states of a dead letter. */
export const DEAD_LETTER_STATES = Object.freeze([
  'new',
  'claimed',
  'replaying',
  'replayed',
  'discarded',
  'resolved',
] as const);
