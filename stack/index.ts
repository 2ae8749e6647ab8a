/**
 * stack: the local Kafka, registry and Redis the hub and the tests run on. Surface for the other
 * parts: the lifecycle (status, up, down, a part's log, the endpoints to use now), where the stack
 * keeps its files, progress reporting, the demo sites' credentials, its error codes and log events.
 */
export {
  currentEndpoints,
  status,
  up,
  upRedisCluster,
  down,
  logTail,
  PARTS,
  type PartName,
  type PartStatus,
  type UpResult,
  type UpOptions,
  type DownResult,
  type StackOptions,
} from './lifecycle';
export { stackPaths, type StackPaths } from './paths';
export { stderrProgress, silentProgress, type Progress } from './progress';
export {
  readCredentials,
  DEMO_SITES,
  STACK_USERS,
  SUPER_USERS,
  ADMIN_USER,
  siteUserName,
  type Credentials,
} from './state';
export { loopbackAnonymousAcls, LOOPBACK_HOST } from './acls';
export { STACK_CODES } from './codes';
export { STACK_LOG_EVENTS } from './log-events';
