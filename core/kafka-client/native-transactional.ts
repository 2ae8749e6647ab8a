import {
  nativeClient,
  nativeGroupConsumer,
  seekHeld,
  type NativeBatchLimits,
  type NativeClientOptions,
} from './native-group';
import { nativeCopy, withBrokerType } from './native-producer';
import { directRecords } from './native-txn-records';
import type {
  NativeConsumer,
  NativeKafka,
  NativeKafkaModule,
  NativeMessage,
  NativeProducer,
} from './native-types';
import type {
  GroupConsumer,
  GroupRunOptions,
  OpenTransaction,
  TransactionalClient,
  TransactionalOptions,
  TxnProducer,
  TxnProducerOptions,
} from './transactional';
import { errorMatches } from './transactional';

/**
 * The transactional seam (core/kafka-client/transactional.ts) on librdkafka's KafkaJS-style API.
 * sendOffsets hands librdkafka the consumer itself, so the offsets carry its group generation
 * and member id (KIP-447): the coordinator refuses those of a member that is no longer in the
 * generation, and the consumer's offset fetch waits for pending transactional offsets of its
 * partitions (isolation.level read_committed asks for stable offsets).
 */

/** A producer fenced: librdkafka's own code, and the broker's PRODUCER_FENCED, INVALID_PRODUCER_EPOCH. */
const FENCED_CODES = [-144, 90, 47];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type NativeTransactionalOptions = TransactionalOptions &
  NativeClientOptions & {
    /** @defaultValue unbounded (native-group.ts) */
    batch?: NativeBatchLimits;
  };

export function nativeTransactional(
  native: NativeKafkaModule,
  options: NativeTransactionalOptions,
): TransactionalClient {
  const kafka = nativeClient(native, options);
  const { events } = options;
  const consumer = nativeGroupConsumer(kafka, {
    groupId: options.groupId,
    maxWaitTimeInMs: options.maxWaitTimeInMs,
    sessionTimeoutMs: options.sessionTimeoutMs,
    onAssign: () => events.joined(),
    onRevoke: () => events.rebalancing(),
    ...(options.batch ? { batch: options.batch } : {}),
  });
  let running: GroupRunOptions | undefined;
  const offsets = new OffsetsGate();
  const group: GroupConsumer = {
    connect: () => consumer.connect(),
    async run(run) {
      running = run;
      await subscribe(run.topics);
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: run.partitionsConsumedConcurrently,
        eachBatch: (p) => run.eachBatch(p as unknown as Parameters<GroupRunOptions['eachBatch']>[0]),
      });
    },
    async resubscribe(topics) {
      if (running) await subscribe(topics);
    },
    seek: (at) => seekHeld(consumer, at),
    async disconnect() {
      await offsets.close();
      await consumer.disconnect();
    },
  };
  // By name: librdkafka's regular expressions are POSIX ones (no `(?:`), and the caller lists
  // the matching topics anyway when it looks for new ones.
  async function subscribe(topics: string[]) {
    if (topics.length) await consumer.subscribe({ topics, replace: true });
  }
  return {
    client: 'librdkafka',
    consumer: group,
    producer: (transactionalId, producerOptions) =>
      nativeTxnProducer(
        kafka,
        consumer,
        offsets,
        transactionalId,
        options.transactionTimeoutMs,
        producerOptions,
      ),
    isFenced: (err) => errorMatches(err, ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'], FENCED_CODES),
  };
}

/** How long init() keeps trying (librdkafka gives InitProducerId 5 s per connect). */
const INIT_WITHIN_MS = 60_000;

/**
 * Calls into a native client that its disconnect must not overtake. librdkafka runs them on
 * threads of its own, and a client destroyed under one crashes the process: sendOffsets reads the
 * consumer's group metadata, and a consumer closed meanwhile gave a SIGSEGV in
 * SendOffsetsToTransaction (seen when a router stopped with transactions in flight); the
 * KafkaJS-style producer's disconnect does not wait for an init, commit or abort under way (its
 * own comment says so). `run` lets calls through while open; `close` refuses later ones with the
 * error `refusal` makes, without calling them, and waits for those under way (each is bounded by
 * the client's own timeout, 5 s for the transactional calls).
 */
export class CallGate {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly refusal: () => Error) {}

  /** close() was called: calls under way should not start anything long (retries). */
  get isClosed(): boolean {
    return this.closed;
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.refusal());
    const p = call();
    const settled = p.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight]);
  }
}

/**
 * sendOffsets' gate, which the consumer's disconnect closes: offsets of a member that left would be
 * refused by the coordinator anyway (KIP-447), so later ones are refused here (CONSUMER_CLOSED).
 */
export class OffsetsGate extends CallGate {
  constructor() {
    super(() =>
      Object.assign(new Error('the consumer has left its group: its offsets can no longer be sent'), {
        code: 'CONSUMER_CLOSED',
      }),
    );
  }
}

function nativeTxnProducer(
  kafka: NativeKafka,
  consumer: NativeConsumer,
  offsets: OffsetsGate,
  transactionalId: string,
  transactionTimeoutMs: number,
  options: TxnProducerOptions = {},
): TxnProducer {
  const make = () =>
    kafka.producer({
      kafkaJS: { transactionalId, idempotent: true, acks: -1, allowAutoTopicCreation: false },
      'transaction.timeout.ms': transactionTimeoutMs,
    });
  let producer: NativeProducer = make();
  // Every call on the producer passes through this gate; disconnect() waits for those under way.
  const calls = new CallGate(() =>
    Object.assign(new Error(`producer ${transactionalId} is disconnecting: not called`), {
      code: 'PRODUCER_CLOSED',
    }),
  );
  /** The transaction could not be aborted: the next one starts on a new producer. */
  let broken = false;
  /** init() succeeded on the current producer. */
  let ready = false;
  const init = async () => {
    const until = Date.now() + (options.fencing ? INIT_WITHIN_MS / 2 : INIT_WITHIN_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        // Connecting runs InitProducerId, which the coordinator answers once the id's previous
        // transaction has ended; librdkafka gives it 5 s, so a slow abort is waited for here.
        await producer.connect();
        ready = true;
        return;
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        producer = make();
        // Disconnecting: no more tries (disconnect() waits for this call).
        if (Date.now() >= until || calls.isClosed || errorMatches(err, [], FENCED_CODES))
          throw withBrokerType(err);
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  };
  const rethrow = (err: unknown): never => {
    throw withBrokerType(err);
  };
  return {
    init: () => calls.run(init),
    transaction: () => calls.run(begin),
    async disconnect() {
      await calls.close();
      await producer.disconnect();
    },
  };

  async function begin(): Promise<OpenTransaction> {
    if (broken) {
      await producer.disconnect().catch(() => undefined);
      producer = make();
      broken = false;
      ready = false;
    }
    // Not initialised (an init that failed, a replaced producer): initialise it now.
    if (!ready) await init();
    const p = producer;
    await p.transaction().catch(rethrow);
    // The records go straight to librdkafka's queue (native-txn-records.ts) where the client
    // allows it; they are all acknowledged, or the transaction fails, before the offsets go in.
    const records = directRecords(p, transactionTimeoutMs);
    return {
      sendBatch: (topicMessages) =>
        calls.run(async () => {
          if (records)
            return records.write(
              topicMessages as ReadonlyArray<{ topic: string; messages: NativeMessage[] }>,
            );
          await p
            .sendBatch({
              topicMessages: topicMessages.map(({ topic, messages }) => ({
                topic,
                messages: messages.map(nativeCopy),
              })),
            })
            .catch(rethrow);
        }),
      sendOffsets: (topics) =>
        calls.run(async () => {
          await records?.settle();
          await offsets.run(() => p.sendOffsets({ consumer, topics }).catch(rethrow));
        }),
      commit: () =>
        calls.run(async () => {
          await records?.settle();
          await p.commit().catch(rethrow);
        }),
      abort: () =>
        calls.run(async () => {
          // Records still in flight when EndTxn(abort) went out made the broker answer
          // INVALID_TXN_STATE now and then (CI, the conformance suite's interleaved aborts): they
          // are waited for first, as the KafkaJS-style send did; their failures no longer matter.
          await records?.settle().catch(() => undefined);
          try {
            await p.abort();
          } catch (err) {
            broken = true;
            rethrow(err);
          }
        }),
    };
  }
}
