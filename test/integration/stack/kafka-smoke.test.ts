import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { createTopics, eventually, randomName, testKafka } from '../../helpers/stack';

/**
 * The broker the stack starts works for what the hub needs from it: plain produce/consume, and
 * kafkajs transactions that write to two topics and commit consumer offsets atomically
 * (Kafka 4.x changed the transaction protocol, KIP-890; kafkajs 2.2.4 predates it).
 */
describe('Kafka smoke (real broker)', () => {
  let kafka: Kafka;
  const toClose: Array<{ disconnect(): Promise<void> }> = [];

  beforeAll(() => {
    kafka = testKafka();
  });
  afterAll(async () => {
    await Promise.all(toClose.map((c) => c.disconnect().catch(() => undefined)));
  });

  async function collect(
    topic: string,
    groupId: string,
    readUncommitted: boolean,
    into: EachMessagePayload[],
  ): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, readUncommitted });
    toClose.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async (p) => void into.push(p) });
    return consumer;
  }

  it('produces and consumes a message with key and headers', async () => {
    const admin = kafka.admin();
    toClose.push(admin);
    await admin.connect();
    const topic = randomName('smoke');
    await createTopics(admin, [topic]);
    const producer = kafka.producer();
    toClose.push(producer);
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'order-1', value: Buffer.from([0, 1, 2, 255]), headers: { ce_id: 'abc' } }],
    });
    const got: EachMessagePayload[] = [];
    await collect(topic, randomName('g'), false, got);
    await eventually(() => got.length === 1, 'one message');
    const m = got[0]!.message;
    expect(m.key?.toString()).toBe('order-1');
    expect(m.value).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(m.headers?.ce_id?.toString()).toBe('abc');
  });

  it('a transaction writes to two topics and commits consumer offsets; read_committed sees it, an aborted one never', async () => {
    const admin = kafka.admin();
    toClose.push(admin);
    await admin.connect();
    const [input, outA, outB] = [randomName('in'), randomName('outa'), randomName('outb')];
    await createTopics(admin, [input, outA, outB]);
    const plain: Producer = kafka.producer();
    toClose.push(plain);
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'x0' }, { value: 'x1' }] });

    const groupId = randomName('router-like');
    const tx: Producer = kafka.producer({
      transactionalId: randomName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    toClose.push(tx);
    await tx.connect();

    // Committed: both outputs plus the input offset 1 (the first input message is done).
    const t1 = await tx.transaction();
    await t1.send({ topic: outA, messages: [{ value: 'committed' }] });
    await t1.send({ topic: outB, messages: [{ value: 'committed' }] });
    await t1.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }],
    });
    await t1.commit();

    // Aborted: its writes and its offsets never become visible.
    const t2 = await tx.transaction();
    await t2.send({ topic: outA, messages: [{ value: 'aborted' }] });
    await t2.send({ topic: outB, messages: [{ value: 'aborted' }] });
    await t2.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '2' }] }],
    });
    await t2.abort();

    // A marker after the aborted transaction, so we know the committed reader has read past it.
    const t3 = await tx.transaction();
    await t3.send({ topic: outA, messages: [{ value: 'end' }] });
    await t3.send({ topic: outB, messages: [{ value: 'end' }] });
    await t3.commit();

    for (const topic of [outA, outB]) {
      const committed: EachMessagePayload[] = [];
      const uncommitted: EachMessagePayload[] = [];
      await collect(topic, randomName('rc'), false, committed);
      await collect(topic, randomName('ru'), true, uncommitted);
      await eventually(
        () => committed.some((p) => p.message.value?.toString() === 'end'),
        `end marker on ${topic}`,
      );
      await eventually(
        () => uncommitted.some((p) => p.message.value?.toString() === 'end'),
        `end marker (uncommitted) on ${topic}`,
      );
      expect(committed.map((p) => p.message.value?.toString())).toEqual(['committed', 'end']);
      // read_uncommitted does see the aborted record: proof that the filter above is the isolation level at work.
      expect(uncommitted.map((p) => p.message.value?.toString())).toContain('aborted');
    }

    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(offsets[0]?.partitions[0]?.offset).toBe('1');
  });
});
