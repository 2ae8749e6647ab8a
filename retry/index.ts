export { DELIVERY_CODES, type DeliveryCode } from './codes';
export { DELIVERY_CONFIG_SCHEMA } from './config-schema';
export {
  DEFAULT_RETRY_POLICY,
  backoffCeiling,
  retryDelay,
  decideRetry,
  type RetryPolicy,
  type RetryDecision,
} from './policy';
export { classifyHttpStatus, classifyTransportError, parseRetryAfter, type DeliveryResult } from './classify';
export { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState } from './breaker';
export { deliveryKeys, type DeliveryKeys } from './keys';
export { SCRIPTS, scriptSource, scriptRunner, type ScriptName, type ScriptRunner } from './scripts';
export {
  createDeliveryState,
  type DeliveryState,
  type DeliveryStateOptions,
  type RetryEntry,
  type AdmitResult,
  type AdmitLimits,
} from './state';
export {
  compileDeliverySettings,
  DEFAULT_DELIVERY,
  type DeliverySettings,
  type OnHeadDeadLettered,
} from './settings';
