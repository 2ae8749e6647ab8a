import type { Kafka, Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

/**
 * The connector's dead-letter producer, built before the engine and handed to it: connected by
 * start(), closed by stop(). The engine only sends; a send before start() (or after stop())
 * throws, and the event's delivery fails like any other Redis or Kafka error.
 */
export class DeadLetterProducer implements Pick<Producer, 'send'> {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async start(): Promise<void> {
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    this.producer = p;
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (!this.producer) throw new Error('connector not started');
    return this.producer.send(record);
  }

  async stop(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }
}
