import type { Logger } from '../logger';
import type { KafkaClientOptions } from '../kafka';

/**
 * The acknowledged producer: the one Kafka operation ingest and the site SDK need, behind one
 * interface with a kafkajs implementation (kafkajs-producer.ts) and a librdkafka one
 * (native-producer.ts). test/integration/kafka-client/producer-conformance.test.ts runs the same
 * checks on both against the real broker.
 *
 * Contract, whichever client:
 * - idempotent, acks=all: send() resolves only when every record was acknowledged by all in-sync
 *   replicas, and a record is never written twice by the producer's own retries;
 * - a keyed record goes to the partition the Java client's murmur2 partitioner picks, so events
 *   of one key stay on one partition whichever client wrote them;
 * - key, value and headers arrive byte for byte; records of one send to one partition keep their
 *   order;
 * - topics are never created by a send;
 * - send() rejects (the caller decides: the ingest publisher answers 503, the SDK throws) when
 *   Kafka does not acknowledge; what was handed over may still be written. A broker's refusal
 *   carries the broker's name for it in `type` (TOPIC_AUTHORIZATION_FAILED, …), on either client.
 */

export type KafkaClientKind = 'kafkajs' | 'librdkafka';

/** One record to write (the shape of kafkajs's Message, which both clients take). */
export interface ProducedRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  partition?: number;
}

export interface TopicRecords {
  topic: string;
  messages: ProducedRecord[];
}

export interface WrittenPartition {
  topic: string;
  partition: number;
  /** The offset of the first record written there by this send (a decimal string). */
  baseOffset: string;
}

export interface AckedProducer {
  readonly client: KafkaClientKind;
  /**
   * True when sends may overlap: librdkafka batches what arrives while requests are in flight and
   * keeps the idempotent order itself. kafkajs's idempotent producer keeps one request in flight,
   * so its callers coalesce (connectors/sources/publisher.ts).
   */
  readonly overlapping: boolean;
  connect(): Promise<void>;
  /** Where the records went: per topic and partition, the offset of its first record of this send. */
  send(batch: readonly TopicRecords[]): Promise<WrittenPartition[]>;
  /** The client lost its connection (kafkajs); librdkafka reconnects by itself and never calls it. */
  onDisconnect(listener: () => void): void;
  disconnect(): Promise<void>;
}

export type AckedProducerOptions = KafkaClientOptions & {
  logger?: Logger;
  /**
   * How long the client itself keeps trying one send before it rejects: kafkajs's bounded retries
   * (3, 100 ms to 1 s) or librdkafka's message.timeout.ms. @defaultValue 30000 (librdkafka)
   */
  deliveryTimeoutMs?: number;
  /** librdkafka's linger.ms: how long it waits to fill a batch. */
  lingerMs?: number;
};
