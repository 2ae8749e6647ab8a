import { eventLogger } from '../log-events';
import { CORE_LOG_EVENTS } from '../log-events-core';
import type { Logger } from '../logger';
import type { AckedProducer, AckedProducerOptions } from './producer';
import type { NativeCommonConfig, NativeKafkaModule, NativeLogger, NativeMessage } from './native-types';

/**
 * AckedProducer on librdkafka (@confluentinc/kafka-javascript's KafkaJS-style API): idempotent,
 * acks=all, linger.ms 0 (every send is awaited by somebody, so waiting to fill a batch only adds
 * latency; what arrives while requests are in flight is batched anyway), up to 5 requests in
 * flight per broker with librdkafka keeping the order, murmur2 for keyed records (the Java
 * client's, as kafkajs), no topic creation.
 */

/** librdkafka's reach settings for a connection: brokers, TLS as PEM strings, SASL. */
export function nativeReach(options: AckedProducerOptions): NativeCommonConfig {
  const brokers = options.connection?.brokers ?? options.brokers ?? [];
  // The bare form's sasl is kafkajs's SASLOptions; the hub's logins are the username/password kinds.
  const sasl = (options.connection?.sasl ?? options.sasl) as
    { mechanism: string; username: string; password: string } | undefined;
  const ssl = options.connection?.ssl;
  const out: NativeCommonConfig = {
    kafkaJS: {
      brokers: [...brokers],
      clientId: options.clientId,
      ssl: Boolean(ssl),
      connectionTimeout: 5000,
      ...(sasl
        ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
        : {}),
    },
  };
  if (ssl?.ca?.length) out['ssl.ca.pem'] = ssl.ca.join('\n');
  if (ssl?.cert) out['ssl.certificate.pem'] = ssl.cert;
  if (ssl?.key) out['ssl.key.pem'] = ssl.key;
  return out;
}
/** librdkafka's lines as the hub's declared events (kafka.native_*), under the field `librdkafka`. */
export function nativeLogger(logger: Logger, namespace = 'client'): NativeLogger {
  const log = eventLogger(logger, CORE_LOG_EVENTS);
  const line =
    (name: 'kafka.native_error' | 'kafka.native_warning' | 'kafka.native_info') =>
    (message: string, extra?: object) => {
      if (!log.enabled(name)) return;
      const { timestamp: _t, logger: _l, ...rest } = (extra ?? {}) as Record<string, unknown>;
      log.emit(name, { librdkafka: { namespace, ...rest } }, message);
    };
  return {
    error: line('kafka.native_error'),
    warn: line('kafka.native_warning'),
    info: line('kafka.native_info'),
    debug: line('kafka.native_info'),
    namespace: (ns) => nativeLogger(logger, ns),
    setLogLevel: () => undefined,
  };
}

export function nativeAckedProducer(native: NativeKafkaModule, options: AckedProducerOptions): AckedProducer {
  const reach = nativeReach(options);
  const { logLevel } = native.KafkaJS;
  const kafka = new native.KafkaJS.Kafka({
    ...reach,
    kafkaJS: {
      ...reach.kafkaJS!,
      logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
      ...(options.logger ? { logger: nativeLogger(options.logger) } : {}),
    },
  });
  const producer = kafka.producer({
    kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false },
    'linger.ms': options.lingerMs ?? 0,
    'message.timeout.ms': options.deliveryTimeoutMs ?? 30000,
  });
  return {
    client: 'librdkafka',
    overlapping: true,
    connect: () => producer.connect(),
    async send(batch) {
      // The client writes into the messages it is given (partition, headers): hand it copies.
      const topicMessages = batch.map(({ topic, messages }) => ({
        topic,
        messages: messages.map((m): NativeMessage => ({
          key: m.key ?? null,
          value: m.value,
          ...(m.partition !== undefined ? { partition: m.partition } : {}),
          ...(m.headers ? { headers: { ...m.headers } } : {}),
        })),
      }));
      const written =
        topicMessages.length === 1
          ? await producer.send(topicMessages[0]!)
          : await producer.sendBatch({ topicMessages });
      return written.map((w) => ({
        topic: w.topicName,
        partition: w.partition,
        baseOffset: String(w.baseOffset ?? ''),
      }));
    },
    onDisconnect: () => undefined,
    disconnect: () => producer.disconnect(),
  };
}
