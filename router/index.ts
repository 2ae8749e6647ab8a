export { createRouter, type RouterOptions, type RouterComponent, type BatchCommitted } from './component';
export {
  compileRoutes,
  testCondition,
  valueAt,
  type Router,
  type RoutingInput,
  type RoutingDecision,
  type RouteVerdict,
} from './match';
export { globToRegExp } from './glob';
export { routerCatalog, type RouterCatalog, type SchemaIdentity, type IdentifyResult } from './catalog';
export {
  createValidator,
  type Validator,
  type Verdict,
  type ValidEvent,
  type Rejection,
  type IngressRecord,
  type EventMetadata,
} from './validate';
export {
  createDeduper,
  payloadHash,
  originOf,
  SEEN_SCRIPT,
  type Deduper,
  type SeenVerdict,
  type SeenCheck,
} from './dedupe';
export { routerKeys, type RouterKeys } from './keys';
export { planBatch, ROUTE_HEADER, type BatchPlan, type PlannerDeps } from './batch';
export { ensureTopics } from './topics-setup';
export { explainRouting, type RoutingExplanation } from './explain';
export { ROUTER_CODES } from './codes';
export { ROUTER_LOG_EVENTS, routerLog, type RouterLog } from './log-events';
