import path from 'node:path';
import { fixSendMessages } from '../../../core/kafkajs-send-fix';

// kafkajs's own module and retrier, reached by file path (jest.config.js maps the package path of
// sendMessages to the fixed one).
const KAFKAJS = path.join(__dirname, '../../../node_modules/kafkajs/src');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const original = require(path.join(KAFKAJS, 'producer/sendMessages.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createRetry = require(path.join(KAFKAJS, 'retry/index.js'));

interface Sent {
  broker: number;
  partitions: Array<{ partition: number; firstSequence: number; n: number }>;
}

/**
 * A producer's send over two leader brokers: partition 0 on broker 1, partition 1 on broker 2.
 * Broker 1 refuses its first request at once (a connection error: kafkajs refreshes metadata and
 * retries); broker 2 answers each request after 80 ms. What each broker received, with the
 * sequence numbers kafkajs gave.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function sendOverTwoBrokers(factory: (deps: any) => unknown): Promise<Sent[]> {
  const sent: Sent[] = [];
  const sequences = new Map<string, number>();
  let broker1Calls = 0;
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({
      topicData,
    }: {
      topicData: Array<{
        topic: string;
        partitions: Array<{ partition: number; firstSequence: number; messages: unknown[] }>;
      }>;
    }) {
      sent.push({
        broker: nodeId,
        partitions: topicData.flatMap((t) =>
          t.partitions.map((p) => ({
            partition: p.partition,
            firstSequence: p.firstSequence,
            n: p.messages.length,
          })),
        ),
      });
      if (nodeId === 1 && broker1Calls++ === 0) {
        const err = new Error('Connection error: broker 1 went away');
        err.name = 'KafkaJSConnectionError';
        throw err;
      }
      if (nodeId === 2) await new Promise((r) => setTimeout(r, 80));
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })),
        })),
      };
    },
  });
  const brokers = { 1: broker(1), 2: broker(2) } as Record<number, ReturnType<typeof broker>>;
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () => [
      { partitionId: 0, leader: 1 },
      { partitionId: 1, leader: 2 },
    ],
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[p === 0 ? 1 : 2] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => brokers[nodeId],
  };
  const locks = new Map<number, Promise<void>>();
  const releases = new Map<number, () => void>();
  const eosManager = {
    isInitialized: () => true,
    isTransactional: () => false,
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
    getTransactionalId: () => undefined,
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence: (topic: string, partition: number, by: number) =>
      sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + by),
    async acquireBrokerLock(b: { nodeId: number }) {
      while (locks.has(b.nodeId)) await locks.get(b.nodeId);
      locks.set(b.nodeId, new Promise<void>((r) => releases.set(b.nodeId, r)));
    },
    releaseBrokerLock(b: { nodeId: number }) {
      locks.delete(b.nodeId);
      releases.get(b.nodeId)?.();
    },
  };
  const logger = {
    debug: () => undefined,
    error: () => undefined,
    info: () => undefined,
    warn: () => undefined,
  };
  const send = factory({
    logger,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 10, maxRetryTime: 20 }),
  }) as (o: object) => Promise<unknown>;
  await send({
    acks: -1,
    timeout: 1000,
    topicMessages: [
      { topic: 't', messages: [0, 1, 0, 1].map((partition, i) => ({ partition, value: `m${i}` })) },
    ],
  });
  return sent;
}

describe("kafkajs's producer retry (core/kafkajs-send-fix.ts)", () => {
  it('kafkajs alone sends a broker still answering again, with new sequence numbers: the records twice', async () => {
    const sent = await sendOverTwoBrokers(original);
    const toBroker2 = sent.filter((s) => s.broker === 2);
    expect(toBroker2.map((s) => s.partitions)).toEqual([
      [{ partition: 1, firstSequence: 0, n: 2 }],
      [{ partition: 1, firstSequence: 2, n: 2 }],
    ]);
  });

  it('with the fix the retry waits for that answer: each broker gets its records once, in one sequence', async () => {
    const sent = await sendOverTwoBrokers(fixSendMessages(original));
    expect(sent.filter((s) => s.broker === 2).map((s) => s.partitions)).toEqual([
      [{ partition: 1, firstSequence: 0, n: 2 }],
    ]);
    // Broker 1's failed request is sent again with the same sequence numbers (they were rolled back).
    expect(sent.filter((s) => s.broker === 1).map((s) => s.partitions)).toEqual([
      [{ partition: 0, firstSequence: 0, n: 2 }],
      [{ partition: 0, firstSequence: 0, n: 2 }],
    ]);
  });

  it("a request refused the broker lock ends only itself: a retry still waits for the lock's holder", async () => {
    // The deps kafkajs's sendMessages would get from the fix, caught by a stand-in for kafkajs's.
    let given:
      | {
          eosManager: { acquireBrokerLock(b: object): Promise<void>; releaseBrokerLock(b: object): void };
          retrier: (fn: (bail: unknown, retryCount: number) => Promise<unknown>) => Promise<unknown>;
        }
      | undefined;
    const standIn = (deps: typeof given) => (given = deps);
    let held = false;
    const eosManager = {
      // One holder at a time; a second asker is refused at once (kafkajs's lock timing out).
      async acquireBrokerLock() {
        if (held) throw new Error('lock timeout');
        held = true;
      },
      releaseBrokerLock() {
        held = false;
      },
    };
    const retries: number[] = [];
    const retrier = async (fn: (bail: unknown, retryCount: number) => Promise<unknown>) => {
      await fn(undefined, 0);
      return fn(undefined, 1);
    };
    fixSendMessages(standIn as never)({ eosManager, retrier: retrier as never });
    const broker = { nodeId: 1 };
    await given!.eosManager.acquireBrokerLock(broker); // the holder's request, in flight
    await expect(given!.eosManager.acquireBrokerLock(broker)).rejects.toThrow('lock timeout');
    let retried = false;
    const retry = given!.retrier(async (_bail, n) => {
      retries.push(n);
      if (n === 1) retried = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    // The holder has not answered: the retry (retryCount 1) waits for it.
    expect(retries).toEqual([0]);
    expect(retried).toBe(false);
    given!.eosManager.releaseBrokerLock(broker);
    await retry;
    expect(retries).toEqual([0, 1]);
  });

  it('is what the producer gets under jest and in the hub (the mapped module is the fixed one)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const used = require('kafkajs/src/producer/sendMessages.js');
    expect(used[Symbol.for('crossdock.kafkajs.sendMessages.fixed')]).toBe(true);
    expect(fixSendMessages(used)).toBe(used);
  });
});
