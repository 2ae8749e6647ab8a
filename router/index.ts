/**
 * router: consume every ingress topic, validate, route, fan out in Kafka transactions. Surface for
 * the other parts: the router component, the creation of the topics a configuration needs, the
 * explanation of a routing decision without Kafka (`crossdock routes test`), the reading of its
 * duplicate marks (what it remembers of every accepted event: dlq/trace.ts), the read-only verdict
 * on one record as the router would give it now (dead-letter replay), its error codes, log events
 * and metrics.
 * Everything else in this folder is its own (tests reach in by path).
 */
export { testCondition, valueAt } from './match';
export { createRouter, type RouterOptions, type RouterComponent, type BatchCommitted } from './component';
export { ensureTopics } from './topics-setup';
export { globToRegExp, isGlob } from './glob';
export {
  createExplainer,
  closestEventType,
  type Explainer,
  type EventVerdict,
  type ExplainOutcome,
  type RoutesTestResult,
} from './explain';
export { parseSeenMark, type SeenMark } from './dedupe';
export {
  createRouterPreviewer,
  seenPreview,
  type RouterPreview,
  type RouterPreviewer,
  type RouterPreviewOptions,
  type SeenPreview,
} from './replay-check';
export type { IngressRecord } from './verdict';
export { ROUTER_CODES } from './codes';
export { ROUTER_LOG_EVENTS } from './log-events';
export { createRouterMetrics, type RouterMetrics } from './metrics';
