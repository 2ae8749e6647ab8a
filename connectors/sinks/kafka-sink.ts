import type { Kafka, Producer } from 'kafkajs';
import { createTopicsWithLeaders } from '../../core/topic-replication';
import type { DeliveryResult, Sink, SinkEvent } from './contract';
import type { KafkaSinkSettings } from './settings';

export interface KafkaSinkDeps {
  /** A client for the target cluster (the hub's own, or one made from settings.brokers). */
  kafka: Kafka;
}

/** kafkajs errors that will not get better by trying again. */
const PERMANENT = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'TOPIC_AUTHORIZATION_FAILED',
  'MESSAGE_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
]);

function errorType(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const t = (e as { type?: unknown }).type;
    if (typeof t === 'string' && t !== 'UNKNOWN') return t;
    e = (e as { cause?: unknown; originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The Kafka sink: produces each event, unchanged (key, value and headers), to the target topic.
 * An idempotent producer, so kafkajs's own retries cannot write an event twice.
 */
export function createKafkaSink(settings: KafkaSinkSettings, deps: KafkaSinkDeps): Sink {
  let producer: Producer | undefined;
  return {
    kind: 'kafka',
    async start() {
      if (settings.createTopic) {
        const admin = deps.kafka.admin();
        await admin.connect();
        try {
          const existing = await admin.listTopics();
          if (!existing.includes(settings.topic)) {
            await createTopicsWithLeaders(admin, [{ topic: settings.topic }]).catch(() => undefined);
          }
        } finally {
          await admin.disconnect();
        }
      }
      producer = deps.kafka.producer({
        idempotent: settings.acks === -1,
        maxInFlightRequests: settings.acks === -1 ? 5 : undefined,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
    },
    async deliver(event: SinkEvent): Promise<DeliveryResult> {
      if (!producer)
        return { kind: 'transient', code: 'CD_E_DELIVERY_KAFKA_SINK', reason: 'sink not started' };
      try {
        await producer.send({
          topic: settings.topic,
          acks: settings.acks,
          timeout: settings.timeoutMs,
          messages: [{ key: event.key, value: event.value, headers: { ...event.headers } }],
        });
        return { kind: 'ok' };
      } catch (err) {
        const type = errorType(err);
        const reason = `${type ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
        if (type && PERMANENT.has(type))
          return { kind: 'permanent', code: 'CD_E_DELIVERY_KAFKA_SINK_REJECTED', reason };
        return { kind: 'transient', code: 'CD_E_DELIVERY_KAFKA_SINK', reason };
      }
    },
    async close() {
      const p = producer;
      producer = undefined;
      if (p) await p.disconnect();
    },
  };
}
