/**
 * dlq: dead-letter operations. The wire contract of a dead letter (its headers, the replay
 * headers) is core/dead-letters.ts, shared with the router and the sinks that write them; this
 * part reads the dead-letter topics into an index (dlq/contract.ts) and works on it.
 */
export { DLQ_CODES } from './codes';
export * from './contract';
export { DLQ_LOG_EVENTS } from './log-events';
export { dlqMetrics } from './metrics';
export { createDeadLetterStore, type DeadLetterStoreOptions, type StateSink } from './store';
export { createStateLog, type StateLog } from './state-log';
export { deadLetterId, parseDeadLetterId, readDeadLetter, groupKeyOf } from './record';
export { nextOperatorState, mayMove, isOpen } from './transitions';
export { dueAtOf, serviceLevelOf } from './service-levels';
export { schemaVersionLookup, type SchemaVersionOf } from './schema-versions';
export { createIndexer, indexMessage, type IndexDeps } from './indexer';
export { reindex, type ReindexResult } from './reindex';
export { readTopicsToEnd } from './topic-reader';
export { dlqIndexerComponent, createDlqServices, type DlqContext, type DlqServices } from './component';

// The admin HTTP API, its roles and tokens, the audit trail, selectors and operators' work.
export {
  checkDeadLetterId,
  parseTime,
  parseFilter,
  parseSelector,
  filterIsEmpty,
  describeSelector,
  FILTER_KEYS,
  type DeadLetterId,
  type FilterInput,
} from './selector';
export {
  planChange,
  applyWork,
  resolveSelection,
  type WorkOp,
  type WorkArgs,
  type WorkResult,
  type WorkItemResult,
} from './work';
export { showDeadLetter, showEvent, type ShownDeadLetter, type ShownEvent, type ShowDeps } from './show';
export {
  createAuditLog,
  auditMatches,
  AUDIT_KEEP_DEFAULT,
  type AuditLog,
  type AuditLogOptions,
  type AuditQuery,
} from './audit';
export {
  ADMIN_OPERATIONS,
  ADMIN_ROLES,
  allowed,
  operation,
  roleAtLeast,
  seesPersonalData,
  renderRoleTable,
  type AdminOperation,
  type AdminOpName,
} from './api/roles';
export {
  tokenSha256,
  newAdminToken,
  bearerToken,
  identify,
  isLoopbackHost,
  tokenEntryYaml,
  LOCAL_ADMIN_NAME,
  TOKEN_PREFIX,
  type AdminIdentity,
  type TokenEntry,
} from './api/tokens';
export {
  buildAdminApp,
  statusOf,
  API_PREFIX,
  type AdminApiConfig,
  type AdminApiDeps,
  type AdminApiExtension,
} from './api/server';
export { createAdminApi, type AdminApi, type AdminApiOptions } from './api/component';
export {
  OVERVIEW_SCHEMA,
  type OverviewDoc,
  type OverviewState,
  type OverviewSite,
  type OverviewRouter,
  type OverviewSubscriber,
  type OverviewDependency,
  type OverviewDeadLetters,
} from './api/overview';
export { createTracer, buildTrace, checkEventId, type TracerOptions, type TraceFacts } from './trace';
export { describeTrace, type DescribeTraceOptions } from './trace-text';
export { createReplayService, type ReplayServiceDeps } from './replay/service';
export {
  replayRunnerComponent,
  type ReplayRunnerComponent,
  type ReplayRunnerComponentOptions,
} from './replay/component';
export { REPLAY_LOG_EVENTS } from './replay/log-events';
export { hubAdminApi, type HubAdminApiOptions } from './api/for-hub';
