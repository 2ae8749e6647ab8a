import { defineLogEvents } from './log-events';

/**
 * Log events of core's plumbing: the health server and the kafkajs client's own lines. kafkajs
 * logs through `createKafka`'s translation; its message is kept as the line's message and its
 * other fields and its logger's namespace go under `kafkajs`. Routine kafkajs chatter (joins,
 * commits) and the warnings and errors expected by design (core/kafkajs-lines.ts) are debug.
 */
export const CORE_LOG_EVENTS = defineLogEvents({
  'health.listening': {
    level: 'info',
    fields: ['port'],
    description: 'The health server (/healthz, /readyz, /metrics) accepts connections on this port.',
  },
  'kafka.client_error': {
    level: 'error',
    fields: ['kafkajs'],
    description:
      'kafkajs reported an error (broker connection lost, request failed after its retries); the caller sees the same failure and decides whether to retry.',
  },
  'kafka.client_warning': {
    level: 'warn',
    fields: ['kafkajs'],
    description:
      'kafkajs reported a warning (rebalance in progress, a retried request); usually transient, worth a look when it repeats.',
  },
  'kafka.client_expected': {
    level: 'debug',
    fields: ['kafkajs', 'expected'],
    description:
      'A kafkajs warning or error that is expected by design and needs no action; `expected` says which (partitioner, idempotent_retries, coordinator_not_ready, concurrent_transactions: core/kafkajs-lines.ts and docs/observability.md say why).',
  },
  'kafka.client_info': {
    level: 'debug',
    fields: ['kafkajs'],
    description: 'kafkajs routine information (group joins, offset commits, connections).',
  },
  'kafka.native_error': {
    level: 'error',
    fields: ['librdkafka'],
    description:
      'The native client (librdkafka) reported an error (a broker down, a request failed); librdkafka retries by itself, and a send it gives up on fails to its caller.',
  },
  'kafka.native_warning': {
    level: 'warn',
    fields: ['librdkafka'],
    description:
      'The native client (librdkafka) reported a warning; usually transient, worth a look when it repeats.',
  },
  'kafka.native_info': {
    level: 'debug',
    fields: ['librdkafka'],
    description: 'The native client (librdkafka): routine information.',
  },
  'kafka.client_chosen': {
    level: 'info',
    fields: ['component', 'client', 'setting', 'librdkafkaVersion'],
    description:
      'Which Kafka client a component runs on (kafkajs or librdkafka), from hub.kafka.clients (`auto`: the measured faster one, docs/adr/0003-kafka-client.md).',
  },
  'kafka.native_unavailable': {
    level: 'warn',
    fields: ['component', 'code', 'reason'],
    description:
      'A component set to `auto` would run on the native client, which cannot be loaded (CD_E_KAFKA_NATIVE_UNAVAILABLE: not built, its build failed, or turned off); it runs on kafkajs. `npm run native` builds it and says why it cannot.',
  },
});
