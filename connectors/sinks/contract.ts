import type { DeliveryResult } from '../../retry';

export type { DeliveryResult };

/** One event handed to a sink: the bytes exactly as they sit on `<prefix>.deliver.<subscriberId>`. */
export interface SinkEvent {
  /** The CloudEvents id (= the canonical eventId); also the idempotency key. */
  readonly eventId: string;
  readonly key: Buffer | null;
  /** Confluent-framed Avro (magic byte, schema id, body). */
  readonly value: Buffer;
  /** Kafka headers of the delivered record (ce_*, traceparent, content-type). */
  readonly headers: Readonly<Record<string, Buffer>>;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/**
 * The sink contract. A sink delivers one event and says what happened; it never retries, never
 * dead-letters and never remembers anything: the connector runtime (retry/, idempotency, breaker,
 * limits) wraps every sink the same way, so a new sink is only this.
 *
 * - deliver() resolves (never rejects) with ok, transient (optionally with retryAfterMs), or
 *   permanent with a reason; a rejection is treated as transient.
 * - deliver() may be called concurrently (up to the subscriber's concurrency).
 * - close() releases connections and is safe to call twice.
 */
export interface Sink {
  readonly kind: string;
  start(): Promise<void>;
  deliver(event: SinkEvent): Promise<DeliveryResult>;
  close(): Promise<void>;
}
