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
