import type { Kafka, Producer } from 'kafkajs';
import type { AckedProducer } from './producer';

/**
 * AckedProducer on kafkajs: an idempotent producer with one request in flight (kafkajs keeps
 * sequence numbers in order only so), bounded retries (a send while Kafka is down fails to its
 * caller instead of waiting for ever: core/kafkajs-lines.ts `idempotent_retries`).
 */
export function kafkajsAckedProducer(kafka: Kafka): AckedProducer {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  return {
    client: 'kafkajs',
    overlapping: false,
    connect: () => producer.connect(),
    async send(batch) {
      const written = await producer.sendBatch({
        acks: -1,
        topicMessages: batch.map(({ topic, messages }) => ({ topic, messages: messages.slice() })),
      });
      return written.map((w) => ({
        topic: w.topicName,
        partition: w.partition,
        baseOffset: w.baseOffset ?? '',
      }));
    },
    onDisconnect(listener) {
      producer.on(producer.events.DISCONNECT, listener);
    },
    disconnect: () => producer.disconnect(),
  };
}
