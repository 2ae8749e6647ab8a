import type { KafkaClientKind } from './producer';
import type { GroupBatchPayload } from './transactional';

/**
 * The seam for consuming with manual commits: a group consumer whose offsets move only when its
 * user commits them (the sink connectors commit an offset once every event before it is
 * delivered, held in Redis or dead-lettered). core/kafka-client/kafkajs-committing.ts and
 * native-committing.ts implement it; connectors/sinks/connector.ts is written against it only.
 *
 * Contract, for both clients:
 * - The consumer reads one topic read_committed, from the earliest offset where its group has
 *   none, and hands over batches of one partition in offset order, up to
 *   `partitionsConsumedConcurrently` partitions at a time. `resolveOffset` moves the fetch
 *   position past a batch's records; it commits nothing.
 * - Nothing is committed but what `commit` is given (the next offset to read, per partition):
 *   a member that gets a partition reads it from its last committed offset. `commit` rejects when
 *   the coordinator refuses (the member is no longer in the group's generation, say).
 * - `seek` makes the consumer read the partition again from that offset (batches of it in hand
 *   become stale); on librdkafka it throws (code NOT_ASSIGNED) for a partition the member does
 *   not hold, where librdkafka would keep the seek and apply it when the partition came back.
 * - `pause` stops handing over batches of the topic (or of these partitions of it) until
 *   `resume`; a batch already fetched may still be handed over. Once the consumer is
 *   disconnecting both do nothing (they are called from timers, which must not throw).
 * - `events.joined()` is called when the member has its (new) assignment: from then on a batch
 *   planned before it may belong to another member, and reading resumes at committed offsets.
 * - `events.skipped(topic, partition, lastOffset)`: the client read up to `lastOffset` and found
 *   only transaction markers there, so a commit may pass them (kafkajs reports such fetches;
 *   librdkafka does not hand over empty batches and never calls it).
 */
export interface CommittingConsumer {
  readonly client: KafkaClientKind;
  connect(): Promise<void>;
  /**
   * Subscribes to `topic` and starts handing over batches; resolves once the member has its first
   * assignment (on librdkafka: or after 30 s without one, the client still joining).
   */
  run(options: CommittingRunOptions): Promise<void>;
  commit(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  seek(at: { topic: string; partition: number; offset: string }): void;
  pause(topic: string, partitions?: number[]): void;
  resume(topic: string, partitions?: number[]): void;
  disconnect(): Promise<void>;
}

export interface CommittingRunOptions {
  topic: string;
  partitionsConsumedConcurrently: number;
  eachBatch(payload: GroupBatchPayload): Promise<void>;
}

export interface CommittingEvents {
  joined(): void;
  skipped(topic: string, partition: number, lastOffset: string): void;
}

/** Options both implementations take. */
export interface CommittingOptions {
  groupId: string;
  /** Longest wait of a fetch for records (ms). */
  maxWaitTimeInMs: number;
  events: CommittingEvents;
}

/** Makes a committing consumer (the connector's injected dependency). */
export type CommittingFactory = (options: CommittingOptions) => CommittingConsumer;

/** The `[{ topic, partitions? }]` argument both clients' pause and resume take. */
export function topicPartitions(
  topic: string,
  partitions?: number[],
): Array<{ topic: string; partitions?: number[] }> {
  return [{ topic, ...(partitions ? { partitions } : {}) }];
}
