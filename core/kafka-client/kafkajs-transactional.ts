// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../kafkajs-patch';
import { Partitioners, type Consumer, type Kafka, type Producer, type Transaction } from 'kafkajs';
import type {
  GroupConsumer,
  GroupRunOptions,
  OffsetsToCommit,
  OpenTransaction,
  TransactionalClient,
  TransactionalOptions,
  TxnProducer,
  TxnProducerOptions,
} from './transactional';
import { errorMatches } from './transactional';

/**
 * The transactional seam (core/kafka-client/transactional.ts) on kafkajs. kafkajs's sendOffsets
 * carries the group id only (no KIP-447), so the broker does not refuse a former member's
 * offsets: its user fences partitions itself (router/fence.ts).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function kafkajsTransactional(kafka: Kafka, options: TransactionalOptions): TransactionalClient {
  const { groupId, events, sessionTimeoutMs } = options;
  const consumer: Consumer = kafka.consumer({
    groupId,
    // A crash kafkajs deems non-retriable would otherwise leave a live process with a dead
    // consumer: restart it (with kafkajs's backoff).
    retry: {
      restartOnFailure: async (err) => {
        events.restarting(err);
        return true;
      },
    },
    readUncommitted: false,
    maxWaitTimeInMs: options.maxWaitTimeInMs,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 5)),
  });
  consumer.on(consumer.events.GROUP_JOIN, () => events.joined());
  consumer.on(consumer.events.REBALANCING, () => events.rebalancing());
  consumer.on(consumer.events.CRASH, (e) => events.crashed(e.payload.error, e.payload.restart));
  let running: GroupRunOptions | undefined;
  const subscribeAndRun = async (run: GroupRunOptions) => {
    // kafkajs resolves a pattern subscription once, when it subscribes.
    await consumer.subscribe({ topics: [run.pattern], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: run.partitionsConsumedConcurrently,
      eachBatch: (p) => run.eachBatch(p),
    });
  };
  const group: GroupConsumer = {
    connect: () => consumer.connect(),
    async run(run) {
      running = run;
      await subscribeAndRun(run);
    },
    async resubscribe() {
      if (!running) return;
      await consumer.stop();
      await subscribeAndRun(running);
    },
    seek: (at) => consumer.seek(at),
    disconnect: () => consumer.disconnect(),
  };
  return {
    client: 'kafkajs',
    consumer: group,
    producer: (transactionalId, producerOptions) =>
      kafkajsTxnProducer(kafka, transactionalId, groupId, options.transactionTimeoutMs, producerOptions),
    isFenced: isKafkajsFenced,
  };
}

/**
 * A kafkajs transactional producer as the hub configures one: idempotent, one request in flight,
 * Java-compatible murmur2 partitioning, short bounded retries.
 */
export function kafkajsTransactionalProducer(
  kafka: Kafka,
  transactionalId: string,
  transactionTimeout: number,
  options: TxnProducerOptions = {},
): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout,
    // Java-compatible murmur2 partitioning, so copies land where any Kafka client would put them.
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs starts retries at 300 ms; CONCURRENT_TRANSACTIONS clears in a few ms, and with a
    // transaction per batch a short first backoff is worth most of the throughput. Bounded
    // (about 20 s in all), so a producer disconnected at stop does not retry for ever.
    retry: options.fencing
      ? { retries: 10, initialRetryTime: 50, maxRetryTime: 2000 }
      : { retries: 15, initialRetryTime: 10, maxRetryTime: 2000 },
  });
}

/**
 * Connects a kafkajs transactional producer and initialises its id now (kafkajs would do it
 * lazily, at the first transaction): from here on an earlier holder of the id cannot commit.
 */
export async function initKafkajsTransactions(producer: Producer): Promise<void> {
  await producer.connect();
  const tx = await producer.transaction();
  await tx.abort(); // nothing was added: kafkajs sends no EndTxn
}

function kafkajsTxnProducer(
  kafka: Kafka,
  transactionalId: string,
  groupId: string,
  transactionTimeout: number,
  options: TxnProducerOptions = {},
): TxnProducer {
  const producer = kafkajsTransactionalProducer(kafka, transactionalId, transactionTimeout, options);
  return {
    init: () => initKafkajsTransactions(producer),
    async transaction(): Promise<OpenTransaction> {
      const tx = await producer.transaction();
      return {
        sendBatch: async (topicMessages) => {
          await tx.sendBatch({ topicMessages });
        },
        sendOffsets: (topics) => sendOffsets(tx, groupId, topics),
        commit: () => tx.commit(),
        abort: () => tx.abort(),
      };
    },
    disconnect: () => producer.disconnect(),
  };
}

/**
 * kafkajs retries CONCURRENT_TRANSACTIONS (the broker still writing the previous transaction's
 * markers) when adding partitions, but not on AddOffsetsToTxn, which sendOffsets sends first:
 * retried here, as the Java client does.
 */
async function sendOffsets(
  tx: Transaction,
  consumerGroupId: string,
  topics: OffsetsToCommit[],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await tx.sendOffsets({ consumerGroupId, topics });
      return;
    } catch (err) {
      if ((err as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 20) throw err;
      await sleep(Math.min(200, 5 * 2 ** attempt));
    }
  }
}

/** Whether a kafkajs error (or one it wraps) says this producer's epoch was fenced. */
export const isKafkajsFenced = (err: unknown): boolean =>
  errorMatches(err, ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
