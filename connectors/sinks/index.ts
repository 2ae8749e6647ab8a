export type { Sink, SinkEvent, DeliveryResult } from './contract';
export { createHttpSink, type HttpSinkDeps } from './http-sink';
export { createKafkaSink, type KafkaSinkDeps } from './kafka-sink';
export { signWebhook, secretKey, generateSecret, type WebhookSignatureHeaders } from './signing';
export {
  compileSinkSettings,
  type SinkSettings,
  type HttpSinkSettings,
  type KafkaSinkSettings,
} from './settings';
export { SINK_CONFIG_SCHEMA } from './config-schema';
export {
  subscriberRuntimeConfig,
  subscriberDeliveryKeys,
  type SubscriberRuntimeConfig,
  type ConnectorDeps,
  type SubscriberSection,
} from './runtime-config';
export { createSinkConnector, type SinkConnector } from './connector';
export {
  sinkConnectorComponent,
  enableAutoPipelining,
  replicaAckOf,
  type SinkComponentOptions,
} from './component';
export { deliveryMetrics, type DeliveryMetrics } from './metrics';
export { DELIVERY_LOG_EVENTS } from './log-events';
export { LAST_STATUS_HEADER, LAST_ERROR_HEADER } from './engine';
