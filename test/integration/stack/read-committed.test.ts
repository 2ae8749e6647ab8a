import '../../helpers/integration-timeout';
import type { Consumer } from 'kafkajs';
import { createTopics, eventually, randomName, testKafka } from '../../helpers/stack';

/**
 * A read_committed kafkajs consumer against a real broker, on the case kafkajs 2.2.4 gets wrong
 * (core/kafkajs-read-committed.ts): a fetch that starts past the first offsets of two aborted
 * transactions of two producers. Unpatched kafkajs hands the record at the fetch's start (of the
 * producer listed second) to the application.
 */
const kafka = testKafka();
let consumer: Consumer | undefined;

afterAll(async () => {
  await consumer?.disconnect();
});

it('drops records of aborted transactions when the fetch starts inside them', async () => {
  const topic = randomName('read-committed');
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [topic]);
  const p1 = kafka.producer({
    transactionalId: randomName('rc-1'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const p2 = kafka.producer({
    transactionalId: randomName('rc-2'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const plain = kafka.producer({ idempotent: true });
  for (const p of [p1, p2, plain]) await p.connect();
  const t1 = await p1.transaction();
  const t2 = await p2.transaction();
  // Offsets 0..3 alternate between the two open transactions; both abort (markers at 4 and 5).
  await t1.send({ topic, messages: [{ value: 'aborted-1a' }] });
  await t2.send({ topic, messages: [{ value: 'aborted-2a' }] });
  await t1.send({ topic, messages: [{ value: 'aborted-1b' }] });
  await t2.send({ topic, messages: [{ value: 'aborted-2b' }] });
  await t1.abort();
  await t2.abort();
  await plain.send({ topic, messages: [{ value: 'committed' }] });
  for (const p of [p1, p2, plain]) await p.disconnect();
  // The reader's group starts at offset 3: past both transactions' first offsets (0 and 1).
  const groupId = randomName('rc-reader');
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
  await admin.disconnect();
  const seen: string[] = [];
  consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  await eventually(() => seen.includes('committed'), 'the committed record');
  expect(seen).toEqual(['committed']);
});
