export {
  createConfigLoader,
  configLineLocator,
  describeProblems,
  type ConfigCheck,
  type ConfigLoader,
  type ConfigLoaderParts,
} from './load';
export { formatPath, type Segments } from './validate';
export { testCondition, valueAt } from './conditions';
export { composeHubConfigSchema, type JsonSchema, type PartConfigFragments } from './schema';
export { renderConfigurationMd, renderHubSchemaJson, type ConfigurationDocSource } from './doc';
export { CONFIG_CODES } from './codes';
export {
  envReferences,
  envValue,
  expandEnv,
  unsetEnvReferences,
  unsetVariableMessage,
  type EnvReference,
} from './expand-env';
export type {
  HubConfig,
  HubSettings,
  RedisSettings,
  AdminRole,
  AdminSettings,
  DeadLetterSettings,
  RouterSettings,
  IngestSettings,
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
  FlowDefinition,
  FlowKeySource,
  FlowStep,
} from './types';
