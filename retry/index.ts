/**
 * retry: the delivery layer the sink connectors share. Surface for the other parts: the delivery
 * section's schema fragment and its compiled settings, the retry decision, the classification of
 * delivery outcomes, the circuit breaker, and the per-subscriber Redis state (retry queue, per-key
 * ordering, idempotency, rate limit) behind one object, a read-only look at one event's state
 * (inspect.ts, for `crossdock events trace`), and the replay of a dead letter its business key is
 * held behind (dead-letter replay). Everything else in this folder is its own.
 */
export { DELIVERY_CODES } from './codes';
export { DELIVERY_CONFIG_SCHEMA } from './config-schema';
export { compileDeliverySettings, type DeliverySettings } from './settings';
export { decideRetry, type RetryPolicy, type RetryDecision } from './policy';
export { classifyHttpStatus, classifyTransportError, type DeliveryResult } from './classify';
export { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker';
export { deliveryKeys, type DeliveryKeys } from './keys';
export {
  createDeliveryState,
  type DeliveryState,
  type DeliveryStateOptions,
  type RetryEntry,
  type AdmitResult,
  type AdmitLimits,
} from './state';
export { inspectDeliveries, type DeliveryInspection, type HeldEntryInspection } from './inspect';
export { replayHeldHead, type ReplayHeadResult } from './replay-head';
