import { eventLogger } from '../log-events';
import { CORE_LOG_EVENTS } from '../log-events-core';
import { silentLogger, type Logger } from '../logger';
import type { AckedProducer, AckedProducerOptions } from './producer';
import type { NativeCommonConfig, NativeKafkaModule, NativeLogger, NativeMessage } from './native-types';

// kafkajs's table of Kafka's protocol errors (code → name), the names the hub's errors use.
type ProtocolErrors = { errorCodes: Array<{ type: string; code: number }> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KAFKA_ERRORS = (require('kafkajs/src/protocol/error') as ProtocolErrors).errorCodes;

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

/**
 * librdkafka retries a refused login or a failed TLS handshake for as long as it may connect
 * (its connect then fails after ~30 s as "broker transport failure", the cause only in its log).
 * No retry mends those, so the producer watches librdkafka's error lines while it connects and
 * fails at once with the line itself, shaped as core/connection-errors.ts recognises it
 * (`type` SASL_AUTHENTICATION_FAILED; a TLS line carries OpenSSL's "SSL routines" or "certificate
 * verify failed"), so the hub reports CD_E_KAFKA_AUTH_FAILED / CD_E_KAFKA_TLS_FAILED as on kafkajs.
 */
export function connectionFailureOf(line: string): Error | undefined {
  if (/SASL authentication error|Authentication failed/i.test(line))
    return Object.assign(new Error(line), { type: 'SASL_AUTHENTICATION_FAILED' });
  if (/SSL handshake failed|certificate verify failed|SSL routines/i.test(line)) return new Error(line);
  return undefined;
}

/** A logger that hands librdkafka's error lines to `onError` as well as to `inner`. */
function watching(inner: NativeLogger, onError: (line: string) => void): NativeLogger {
  return {
    ...inner,
    error: (message, extra) => {
      onError(message);
      inner.error(message, extra);
    },
    namespace: (ns, level) => watching(inner.namespace(ns, level), onError),
  };
}

/**
 * The broker's name for a broker error code (kafkajs's table of Kafka's protocol errors), so a
 * refusal from librdkafka carries `type` (TOPIC_AUTHORIZATION_FAILED, …) as a kafkajs error does.
 * librdkafka's own codes (negative: timeouts, transport) are left as they are.
 */
export function withBrokerType(err: unknown): unknown {
  if (!err || typeof err !== 'object') return err;
  const code = Number((err as { code?: unknown }).code);
  if (!Number.isInteger(code) || code <= 0) return err;
  const known = KAFKA_ERRORS.find((e) => e.code === code);
  if (known) Object.assign(err, { type: known.type });
  return err;
}

/**
 * A record as librdkafka's KafkaJS-style API takes it: a shallow copy, because the client writes
 * into the message objects it is given (it sets `partition` and replaces `headers` with its own
 * list) and the caller's may be shared or reused. The header object itself is only read.
 */
export function nativeCopy(m: {
  key?: unknown;
  value: unknown;
  partition?: number;
  headers?: unknown;
}): NativeMessage {
  return {
    key: (m.key as NativeMessage['key']) ?? null,
    value: m.value as NativeMessage['value'],
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
    ...(m.headers ? { headers: m.headers as NativeMessage['headers'] } : {}),
  };
}

export function nativeAckedProducer(native: NativeKafkaModule, options: AckedProducerOptions): AckedProducer {
  const reach = nativeReach(options);
  const { logLevel } = native.KafkaJS;
  let connecting: ((err: Error) => void) | undefined;
  const kafka = new native.KafkaJS.Kafka({
    ...reach,
    kafkaJS: {
      ...reach.kafkaJS!,
      // Errors at least, always: the connection watch reads them (connectionFailureOf).
      logLevel: options.logger ? logLevel.WARN : logLevel.ERROR,
      logger: watching(nativeLogger(options.logger ?? silentLogger()), (line) => {
        const failure = connectionFailureOf(line);
        if (failure) connecting?.(failure);
      }),
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
    async connect() {
      const refused = new Promise<never>((_resolve, reject) => (connecting = reject));
      try {
        await Promise.race([producer.connect(), refused]);
      } catch (err) {
        // Stop its retries; the caller decides whether to connect again.
        void producer.disconnect().catch(() => undefined);
        throw err;
      } finally {
        connecting = undefined;
      }
    },
    async send(batch) {
      const topicMessages = batch.map(({ topic, messages }) => ({
        topic,
        messages: messages.map(nativeCopy),
      }));
      const written = await (
        topicMessages.length === 1 ? producer.send(topicMessages[0]!) : producer.sendBatch({ topicMessages })
      ).catch((err: unknown) => {
        throw withBrokerType(err);
      });
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
