import {
  composeHubConfigSchema,
  createConfigLoader,
  renderConfigurationMd,
  renderHubSchemaJson,
} from '../core/config';
import type { ConfigCheck, HubConfig } from '../core/config';
import { rememberConfigSecrets } from '../core/redact';
import { SINK_CONFIG_SCHEMA } from '../connectors/sinks';
import { SOURCE_CONFIG_SCHEMA } from '../connectors/sources';
import { DELIVERY_CONFIG_SCHEMA } from '../retry';
import { FLOWS_CONFIG_SCHEMA, compileFlows, flowsDocumentProblems } from '../flows';

/**
 * The hub configuration as this hub reads it: core's sections (hub settings, sites, subscribers,
 * routes, rules) with each part's fragment in its place (and the flows part's checks and compiler
 * of its `flows` section). Every command that reads a
 * configuration file loads it through here, so they all accept and refuse the same files.
 */

/** The composed JSON Schema of the hub configuration. */
export const HUB_CONFIG_SCHEMA = composeHubConfigSchema({
  source: SOURCE_CONFIG_SCHEMA,
  sink: SINK_CONFIG_SCHEMA,
  delivery: DELIVERY_CONFIG_SCHEMA,
  flows: FLOWS_CONFIG_SCHEMA,
});

/** Repository path of the schema as JSON, for editors (`$schema:` in a configuration file). */
export const SCHEMA_JSON_FILE = 'core/config/hub.schema.json';

const loader = createConfigLoader(HUB_CONFIG_SCHEMA, { problems: flowsDocumentProblems, compileFlows });

// Whatever a configuration that was read says is secret is redacted from then on (core/redact.ts):
// the values of the variables it reads secrets from, and literal secrets written in it.
function remembered<T extends HubConfig | ConfigCheck>(res: T): T {
  const config = 'ok' in res ? (res as ConfigCheck).config : (res as HubConfig);
  if (config) rememberConfigSecrets(config);
  return res;
}

/** Every problem of a configuration given as YAML text; never throws for a bad configuration. */
export const checkConfigText = (text: string, file?: string): ConfigCheck =>
  remembered(loader.checkConfigText(text, file));
/** Every problem of a configuration file; throws CD_E_CONFIG_UNREADABLE only when it cannot be read. */
export const checkConfig = (file: string): ConfigCheck => remembered(loader.checkConfig(file));
/** The compiled configuration of a file; throws CD_E_CONFIG_INVALID listing every problem. */
export const loadConfig = (file: string): HubConfig => remembered(loader.loadConfig(file));
/** The compiled configuration of YAML text; throws CD_E_CONFIG_INVALID listing every problem. */
export const loadConfigText = (text: string, file?: string): HubConfig =>
  remembered(loader.loadConfigText(text, file));

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
