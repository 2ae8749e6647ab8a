/**
 * flows: process intelligence (docs/flows.md). The flow tracker follows each configured business
 * flow through the accepted events, raises alerts on `<prefix>.flow.alerts` when a step misses its
 * deadline, and keeps per-site conformance scorecards. The pieces share flows/contract.ts.
 */
export * from './contract';
export { flowMetrics, type FlowMetrics, type FlowMetricSources, type FlowSummary } from './metrics';
export { FLOWS_CONFIG_SCHEMA, compileFlows, flowsDocumentProblems } from './config-schema';
export { parseDuration, formatDuration, DURATION_PATTERN, MAX_DURATION_MS } from './duration';
