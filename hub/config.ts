import {
  composeHubConfigSchema,
  createConfigLoader,
  renderConfigurationMd,
  renderHubSchemaJson,
} from '../core/config';
import { SINK_CONFIG_SCHEMA } from '../connectors/sinks';
import { SOURCE_CONFIG_SCHEMA } from '../connectors/sources';
import { DELIVERY_CONFIG_SCHEMA } from '../retry';

/**
 * The hub configuration as this hub reads it: core's sections (hub settings, sites, subscribers,
 * routes, rules) with each part's fragment in its place. Every command that reads a
 * configuration file loads it through here, so they all accept and refuse the same files.
 */

/** The composed JSON Schema of the hub configuration. */
export const HUB_CONFIG_SCHEMA = composeHubConfigSchema({
  source: SOURCE_CONFIG_SCHEMA,
  sink: SINK_CONFIG_SCHEMA,
  delivery: DELIVERY_CONFIG_SCHEMA,
});

/** Repository path of the schema as JSON, for editors (`$schema:` in a configuration file). */
export const SCHEMA_JSON_FILE = 'core/config/hub.schema.json';

const loader = createConfigLoader(HUB_CONFIG_SCHEMA);

/** Every problem of a configuration given as YAML text; never throws for a bad configuration. */
export const checkConfigText = loader.checkConfigText;
/** Every problem of a configuration file; throws CD_E_CONFIG_UNREADABLE only when it cannot be read. */
export const checkConfig = loader.checkConfig;
/** The compiled configuration of a file; throws CD_E_CONFIG_INVALID listing every problem. */
export const loadConfig = loader.loadConfig;
/** The compiled configuration of YAML text; throws CD_E_CONFIG_INVALID listing every problem. */
export const loadConfigText = loader.loadConfigText;

/** The content of SCHEMA_JSON_FILE. */
export function renderHubSchemaFile(): string {
  return renderHubSchemaJson(HUB_CONFIG_SCHEMA);
}

/** The content of docs/configuration.md. */
export function renderConfigurationDoc(): string {
  return renderConfigurationMd({
    schema: HUB_CONFIG_SCHEMA,
    schemaJsonFile: SCHEMA_JSON_FILE,
    composedIn: 'hub/config.ts',
  });
}
