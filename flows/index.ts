/**
 * flows: process intelligence (docs/flows.md). The flow tracker follows each configured business
 * flow through the accepted events, raises alerts on `<prefix>.flow.alerts` when a step misses its
 * deadline, and keeps per-site conformance scorecards. The pieces share flows/contract.ts.
 */
export * from './contract';
export {
  flowMetrics,
  FLOW_KEYLESS_METRIC,
  FLOW_EXPIRED_METRIC,
  type FlowMetrics,
  type FlowMetricSources,
  type FlowSummary,
} from './metrics';
export { FLOWS_CONFIG_SCHEMA, compileFlows, flowsDocumentProblems } from './config-schema';
export { flowCatalogProblems, avroPathKind, type FlowCheckProblem } from './config-check';
export { parseDuration, formatDuration, DURATION_PATTERN, MAX_DURATION_MS } from './duration';

// Site scorecards (flows/scorecard): the recorder the feed hands facts to, the reader.
export { SCORECARD_CODES } from './scorecard/codes';
export { createScorecardRecorder, type ScorecardRecorderOptions } from './scorecard/recorder';
export {
  readScorecards,
  scorecardQuery,
  scorecardSource,
  type ReadScorecardsOptions,
  type ScorecardQuery,
  type ScorecardSourceOptions,
} from './scorecard/read';
export { DEFAULT_SCORECARD_SINCE, parseScorecardTime, scorecardHours } from './scorecard/period';
export {
  acceptedOnly,
  createFlowTracker,
  hubFlowEngine,
  type FlowTrackerComponent,
  type FlowTrackerOptions,
  type TrackerEngine,
} from './component';
export { FEED_LOG_EVENTS } from './feed/log-events';
export { FEED_CODES } from './feed/codes';
export { rebuildFlowState, type RebuildOptions, type RebuildResult } from './feed/rebuild';
export * from './engine';
export { FLOW_LOG_EVENTS, flowLog, type FlowLog } from './engine/log-events';
export { FLOW_CODES } from './codes';
