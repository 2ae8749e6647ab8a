/**
 * flows/engine: flow instances, deadlines and alerts (docs/flows.md). The tracker component wires
 * `createFlowEngine` to the feed (its FactSink) and starts its deadline scanner.
 */
export { createFlowEngine, type FlowEngine, type FlowEngineOptions } from './engine';
export {
  createAlertPublisher,
  flowAlertEncoder,
  flowAlertEvent,
  FLOW_TRACKER_SOURCE_SYSTEM,
  type AlertEncoder,
  type AlertPublisher,
  type EncodedAlert,
} from './alerts';
export { flowAlertId } from './alert-id';
export { compileFlowMatcher, flowEventFields, keyValue, type FlowMatcher, type StepMatch } from './match';
export { createFlowReader, instanceOf, type FlowReader, type OverdueInstance } from './read';
export { createDeadlineScanner, DEFAULT_GRACE_MS, type DeadlineScanner } from './scanner';
export {
  createFlowStore,
  instanceMember,
  DEFAULT_INSTANCE_MARGIN_MS,
  STEPS_PER_CALL,
  type FlowStore,
} from './store';
