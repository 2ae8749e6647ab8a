/**
 * dlq: dead-letter operations. The wire contract of a dead letter (its headers, the replay
 * headers) is core/dead-letters.ts, shared with the router and the sinks that write them; this
 * part reads the dead-letter topics into an index (dlq/contract.ts) and works on it.
 */
export { DLQ_CODES } from './codes';
export * from './contract';
