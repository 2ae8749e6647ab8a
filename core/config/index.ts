export {
  loadConfig,
  loadConfigText,
  checkConfig,
  checkConfigText,
  describeProblems,
  type ConfigCheck,
} from './load';
export { topics, topicsForPrefix, requiredTopics, type HubTopics } from './topics';
export { HUB_CONFIG_SCHEMA } from './schema';
export { renderConfigurationMd, renderHubSchemaJson, SCHEMA_JSON_FILE } from './doc';
export { CONFIG_CODES } from './codes';
export type {
  HubConfig,
  HubSettings,
  RouterSettings,
  SiteConfig,
  SubscriberConfig,
  RouteConfig,
  RouteMatch,
  RuleConfig,
  Condition,
  FieldCondition,
  HeaderCondition,
  ConfigProblem,
  Scalar,
} from './types';
