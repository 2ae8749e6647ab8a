import type { IHeaders, Message } from 'kafkajs';
import type { KafkaClientKind } from './producer';

/**
 * The seam for consume-transform-produce with exactly-once effects: a group consumer that hands
 * over batches, and transactional producers whose transactions carry the consumer's offsets
 * with the records they write. core/kafka-client/kafkajs-transactional.ts and
 * native-transactional.ts implement it; the router (router/fetch-loop.ts, router/commit.ts) is
 * written against it only.
 *
 * Contract, for both clients:
 * - The consumer reads read_committed, from the earliest offset where its group has none, and
 *   hands over batches of one partition in offset order; `resolveOffset` marks a batch's records
 *   done, and a batch returned unresolved is read again from its first unresolved record.
 * - `joined` is called when the consumer has its (new) assignment, `rebalancing` as early as the
 *   client can tell that its assignment is about to change. Either means: a batch planned before
 *   it may belong to another member now.
 * - `init()` bumps the producer's transactional id's epoch: from then on an earlier holder of the
 *   id can commit nothing, and a transaction of it that was open is aborted (or its commit
 *   finished) by the broker before init resolves.
 * - A transaction's `sendOffsets` commits the consumer's offsets as part of the transaction.
 *   What the group coordinator checks depends on the client: on librdkafka the offsets carry the
 *   consumer's group generation and member id (KIP-447), so a member that lost the partition in a
 *   rebalance has its offsets refused; kafkajs sends the group id only (router/fence.ts makes up
 *   for that).
 * - `isFenced(err)` says whether an error means another producer took this transactional id
 *   (the producer is then unusable: make a new one).
 */

/** One record as a group consumer hands it over, whichever client read it. */
export interface GroupMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  timestamp: string;
  headers?: IHeaders;
}

export interface GroupBatch {
  topic: string;
  partition: number;
  messages: GroupMessage[];
  lastOffset(): string;
  /** Records after this batch up to the partition's high watermark, as a decimal string. */
  offsetLag(): string;
}

export interface GroupBatchPayload {
  batch: GroupBatch;
  /** False once the consumer stopped. */
  isRunning(): boolean;
  /** True once this batch's partition was sought or revoked: its records must not be acted on. */
  isStale(): boolean;
  /** Keeps the group membership alive during a long hold (a no-op where the client heartbeats by itself). */
  heartbeat(): Promise<void>;
  resolveOffset(offset: string): void;
}

export interface GroupConsumerEvents {
  joined(): void;
  rebalancing(): void;
  /** The consumer failed; `restart` says whether the client starts it again. */
  crashed(error: unknown, restart: boolean): void;
  /** The client is about to restart a consumer that failed (kafkajs only: librdkafka recovers by itself). */
  restarting(error: unknown): void;
}

export interface GroupRunOptions {
  /** The topics to read: every topic of the cluster matching it when run() (or resubscribe()) is called. */
  pattern: RegExp;
  /** Topic names matching the pattern now (the caller lists them). */
  topics: string[];
  partitionsConsumedConcurrently: number;
  eachBatch(payload: GroupBatchPayload): Promise<void>;
}

export interface GroupConsumer {
  connect(): Promise<void>;
  /** Subscribes and starts handing over batches; resolves once running. */
  run(options: GroupRunOptions): Promise<void>;
  /** Reads these topics from now on (topics were created): the group rebalances. */
  resubscribe(topics: string[]): Promise<void>;
  /**
   * Reads the partition again from this offset; batches of it in hand become stale. On
   * librdkafka it throws (code NOT_ASSIGNED) for a partition this member does not hold.
   */
  seek(at: { topic: string; partition: number; offset: string }): void;
  disconnect(): Promise<void>;
}

export interface OffsetsToCommit {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

export interface OpenTransaction {
  /**
   * Adds records to the transaction. kafkajs resolves once the broker acknowledged them;
   * librdkafka once they are queued (native-txn-records.ts), and a record that could not be
   * written then fails the next sendOffsets or commit. Either way no record is lost silently, and
   * none is visible to read_committed readers before the commit. The message objects are only read.
   */
  sendBatch(topicMessages: Array<{ topic: string; messages: Message[] }>): Promise<void>;
  /** Adds the consumer's offsets (the next offset to read, per partition) to the transaction. */
  sendOffsets(offsets: OffsetsToCommit[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TxnProducer {
  /** Connects and initialises the transactional id (see the contract above). */
  init(): Promise<void>;
  /** Begins a transaction; one at a time per producer. */
  transaction(): Promise<OpenTransaction>;
  disconnect(): Promise<void>;
}

export interface TxnProducerOptions {
  /** A short-lived producer that only initialises the id (fencing its holder): fewer retries. */
  fencing?: boolean;
}

/** A group consumer and the transactional producers whose offsets are that consumer's. */
export interface TransactionalClient {
  readonly client: KafkaClientKind;
  readonly consumer: GroupConsumer;
  producer(transactionalId: string, options?: TxnProducerOptions): TxnProducer;
  isFenced(err: unknown): boolean;
}

/** Options both implementations take. */
export interface TransactionalOptions {
  groupId: string;
  clientId: string;
  /** Consumer session timeout (ms). */
  sessionTimeoutMs: number;
  /** Longest wait of a fetch for records (ms). */
  maxWaitTimeInMs: number;
  /** Transaction timeout of the producers (ms). */
  transactionTimeoutMs: number;
  events: GroupConsumerEvents;
}

/**
 * Whether an error (or one it wraps) carries one of these broker error names (`type`) or codes
 * (`code`, librdkafka's numbering: Kafka's own codes are positive, the client's negative).
 */
export function errorMatches(err: unknown, types: readonly string[], codes: readonly number[] = []): boolean {
  type Wrapped = { type?: string; code?: unknown; cause?: unknown; originalError?: unknown };
  let e = err as Wrapped | undefined;
  for (let i = 0; e && i < 5; i++) {
    if (e.type && types.includes(e.type)) return true;
    if (typeof e.code === 'number' && codes.includes(e.code)) return true;
    e = (e.originalError ?? e.cause) as Wrapped | undefined;
  }
  return false;
}
