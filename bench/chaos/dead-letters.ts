import type { Consumer } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { topicsForPrefix } from '../../core/names/topics';
import { DLQ_HEADERS, headersToStrings } from '../../core/dead-letters';
import type { DeadLetter } from './reconcile';

/**
 * Reads the chaos hub's dead-letter topics (the router's and each subscriber's) from the start,
 * read_committed, and keeps what it finds: eventId (ce_id), subscriber, code.
 */
export interface DeadLetterReader {
  readonly found: DeadLetter[];
  stop(): Promise<void>;
}

export async function readDeadLetters(options: {
  brokers: string[];
  topicPrefix: string;
  subscribers: readonly string[];
}): Promise<DeadLetterReader> {
  const t = topicsForPrefix(options.topicPrefix);
  const topics = [t.dlqRouter, ...options.subscribers.map((s) => t.dlqDeliver(s))];
  const subscriberOf = new Map(options.subscribers.map((s) => [t.dlqDeliver(s), s]));
  const kafka = createKafka({ clientId: 'chaos-dlq-reader', brokers: options.brokers });
  const consumer: Consumer = kafka.consumer({
    groupId: `chaos-dlq-reader-${Date.now()}`,
    readUncommitted: false,
  });
  const found: DeadLetter[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const h = headersToStrings(message.headers);
      found.push({
        eventId: h.ce_id,
        subscriber: subscriberOf.get(topic),
        code: h[DLQ_HEADERS.code] ?? 'UNKNOWN',
      });
    },
  });
  return {
    found,
    stop: () => consumer.disconnect(),
  };
}
