/**
 * hub: the composition root. It is the one place that knows every part: it composes their error
 * codes into the catalog, their configuration fragments into the hub configuration's schema, and
 * their components into what `crossdock start` runs. core/ stays plumbing that names no part; the
 * CLI and scripts/docs.ts reach the parts' composition through here.
 */
export {
  HUB_CONFIG_SCHEMA,
  SCHEMA_JSON_FILE,
  checkConfig,
  checkConfigText,
  loadConfig,
  loadConfigText,
  renderConfigurationDoc,
  renderHubSchemaFile,
} from './config';
export { ERROR_CATALOG, allCodes, renderErrorsDoc } from './error-catalog';
export { HUB_COMPONENTS, hubComponents, routerComponent, type ComponentContext } from './components';
export { runComponents, type RunOptions } from './run';
export { LiveComponents, type AppliedChange, type ComponentSet } from './live';
export { diffConfig, type ConfigDiff } from './config-diff';
export {
  locateHub,
  locateAdmin,
  locateConsole,
  processRuns,
  type ConsoleLocation,
  readRunFile,
  runFilePath,
  type ApplyOutcome,
  type ApplyRequest,
  type AdminTarget,
  type RunFile,
} from './control';
export {
  aclPlanLines,
  applyAclPlan,
  planAcls,
  PRINCIPAL_RE,
  type AclPlan,
  type AclPlanOptions,
  type PlannedAcl,
} from './acl-plan';
export { checkConnectionsAtStart, type DependencyName } from './dependency-probe';
export { HUB_LOG_EVENTS } from './log-events';
export { LOG_EVENT_LISTS, METRIC_FACTORIES, renderObservabilityDoc } from './observability';
export {
  checkRedisDurability,
  judgeRedisDurability,
  type DurabilityVerdict,
  type RedisPersistenceFacts,
} from './redis-durability';
export { healthToken, hubHealthServer, METRICS_TOKEN_ENV } from './health-token';
export { prepareRoleProcess } from './role-process';
export { readSnapshot, snapshotOf, SNAPSHOT_METRICS, type MetricsSnapshot } from './metrics-snapshot';
export { hubOverview, type HubOverviewOptions } from './overview';
export { prepareHub, type HubStartOptions, type PreparedHub } from './start';
export { checkHubConfig, startupProblems, urlProblem, type StartupCheckOptions } from './startup-check';
export {
  LOCAL_KEYS_FILE,
  applyLocalKeys,
  configuredKeys,
  localKeySecrets,
  localKeysPath,
  parseLocalKeys,
  readLocalKeys,
  type ConfiguredKey,
  type LocalKeySecrets,
} from './local-keys';
