// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The router's transactional producers: how they are made, initialised and fenced.
 *
 * Initialising a transactional id (InitProducerId) bumps its epoch: the broker aborts any open
 * transaction of that id (or finishes one whose commit is already under way) before it answers,
 * and refuses every later request of an older epoch. That is how a new holder of an id ends its
 * predecessor's work for good, and how router/fence.ts ends a stuck commit of another instance.
 */

/** Transaction timeout of the router's producers (ms). */
export const TRANSACTION_TIMEOUT_MS = 30_000;

export function createRouterProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: TRANSACTION_TIMEOUT_MS,
    // Java-compatible murmur2 partitioning, so copies land where any Kafka client would put them.
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs starts retries at 300 ms; CONCURRENT_TRANSACTIONS clears in a few ms, and each
    // batch is a transaction, so a short first backoff is worth most of the throughput. Bounded
    // (about 20 s in all): past that the transaction fails, its partitions are read again
    // (router/txn-queue.ts), and a producer disconnected at stop does not retry for ever.
    retry: { retries: 15, initialRetryTime: 10, maxRetryTime: 2000 },
  });
}

/**
 * Connects a transactional producer and initialises its id now (kafkajs would do it lazily at
 * the first transaction): from here on an earlier holder of the id can no longer commit.
 */
export async function initProducer(producer: Producer): Promise<void> {
  await producer.connect();
  const tx = await producer.transaction();
  await tx.abort(); // nothing was added: kafkajs sends no EndTxn
}

/**
 * Ends every transaction of a transactional id held elsewhere, by initialising the id with a
 * short-lived producer. Resolves once the broker has aborted (or finished committing) it.
 */
export async function fenceTransactionalId(kafka: Kafka, transactionalId: string): Promise<void> {
  const p = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: TRANSACTION_TIMEOUT_MS,
    retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 2000 },
  });
  try {
    await initProducer(p);
  } finally {
    await p.disconnect().catch(() => undefined);
  }
}

/** Whether a Kafka error (or one it wraps) says this producer's epoch was fenced. */
export function isFencedError(err: unknown): boolean {
  type Wrapped = { type?: string; cause?: unknown; originalError?: unknown };
  let e = err as Wrapped | undefined;
  for (let i = 0; e && i < 5; i++) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED') return true;
    e = (e.originalError ?? e.cause) as Wrapped | undefined;
  }
  return false;
}
