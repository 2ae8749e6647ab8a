/**
 * dlq: what a dead letter carries, shared by the router (`<prefix>.dlq.router`) and the sink
 * connectors (`<prefix>.dlq.deliver.<subscriber>`) so both dead-letter topics read the same way.
 */
export { DLQ_HEADERS, deadLetterHeaders, headersToStrings, type DeadLetterReason } from './headers';
