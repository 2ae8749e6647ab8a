import type { Admin } from 'kafkajs';
import { chooseKafkaClient, committingFor } from '../../../core/kafka-client/choose';
import type { CommittingConsumer, CommittingEvents } from '../../../core/kafka-client/committing';
import type { KafkaClientKind } from '../../../core/kafka-client/producer';
import type { GroupBatchPayload } from '../../../core/kafka-client/transactional';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * The committing seam's contract (core/kafka-client/committing.ts), the same checks on both
 * clients against the real broker: the group's offset is only what the user commits, and the
 * next member reads from there; records of an aborted transaction are never handed over;
 * a paused partition hands over nothing until it is resumed while the others flow; a seek reads
 * the partition again; run() resolves once the member has its partitions, so a member started
 * second shares them. The sink connectors consume through it (connectors/sinks/connector.ts).
 */
const CLIENTS: KafkaClientKind[] = ['kafkajs', 'librdkafka'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  partition: number;
  offset: string;
  value: string;
}

describe.each(CLIENTS)('consume with manual commits on %s (real broker)', (client) => {
  const endpoints = testEndpoints();
  const admin: Admin = testKafka().admin();
  const open: CommittingConsumer[] = [];

  function make(groupId: string, events: Partial<CommittingEvents> = {}): CommittingConsumer {
    const factory = committingFor(chooseKafkaClient('connectors', client), testKafka(), {
      clientId: randomName('commitconf'),
      connection: endpoints.kafka,
    });
    const c = factory({
      groupId,
      maxWaitTimeInMs: 100,
      events: {
        joined: () => events.joined?.(),
        skipped: (t, p, o) => events.skipped?.(t, p, o),
      },
    });
    expect(c.client).toBe(client);
    open.push(c);
    return c;
  }

  /** Runs `c` on `topic`, resolving every batch and recording its records; returns what it saw. */
  async function consume(
    c: CommittingConsumer,
    topic: string,
    onBatch: (p: GroupBatchPayload) => void = () => undefined,
  ): Promise<Seen[]> {
    const seen: Seen[] = [];
    await c.connect();
    await c.run({
      topic,
      partitionsConsumedConcurrently: 2,
      eachBatch: async (p) => {
        if (p.isStale()) return;
        for (const m of p.batch.messages)
          seen.push({ partition: p.batch.partition, offset: m.offset, value: String(m.value) });
        const last = p.batch.messages[p.batch.messages.length - 1];
        if (last) p.resolveOffset(last.offset);
        onBatch(p);
      },
    });
    return seen;
  }

  async function stop(c: CommittingConsumer): Promise<void> {
    open.splice(open.indexOf(c), 1);
    await c.disconnect();
  }

  async function produce(topic: string, values: string[], partition = 0): Promise<void> {
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    await producer.disconnect();
  }

  async function groupOffset(groupId: string, topic: string, partition = 0): Promise<string> {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.find((p) => p.partition === partition)!.offset;
  }

  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const c of open) await c.disconnect().catch(() => undefined);
    await admin.disconnect();
  });

  it('commits only the offsets it is given; the next member reads from there', async () => {
    const topic = randomName(`cmin-${client}`);
    await createTopics(admin, [topic]);
    await produce(
      topic,
      Array.from({ length: 10 }, (_v, i) => `r${i}`),
    );
    const groupId = randomName('cmconf-g');
    let joined = 0;
    const first = make(groupId, { joined: () => joined++ });
    const seen = await consume(first, topic);
    await eventually(() => seen.length >= 10, 'the 10 records', 20000);
    expect(seen).toHaveLength(10);
    expect(joined).toBeGreaterThanOrEqual(1);
    // Every record was resolved (the fetch position is at 10); the group keeps what is committed.
    await first.commit([{ topic, partition: 0, offset: '4' }]);
    await sleep(1500);
    expect(await groupOffset(groupId, topic)).toBe('4');
    await stop(first);

    const second = make(groupId);
    const again = await consume(second, topic);
    await eventually(() => again.length >= 6, 'the records from offset 4', 20000);
    await sleep(500); // anything before offset 4 would show up too
    expect(again.map((s) => s.value)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    await stop(second);
    expect(await groupOffset(groupId, topic)).toBe('4');
  });

  it('hands over no record of an aborted transaction, in offset order around it', async () => {
    const topic = randomName(`cmtx-${client}`);
    await createTopics(admin, [topic]);
    await produce(topic, ['a0', 'a1']);
    const producer = testKafka().producer({
      transactionalId: randomName('cmconf-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.send({
        topic,
        messages: [
          { value: 'x0', partition: 0 },
          { value: 'x1', partition: 0 },
        ],
      });
      await aborted.abort();
      await produce(topic, ['a2']);
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'c0', partition: 0 }] });
      await committed.commit();
    } finally {
      await producer.disconnect();
    }
    const c = make(randomName('cmconf-g'));
    const seen = await consume(c, topic);
    await eventually(() => seen.length >= 4, 'the committed records', 20000);
    await sleep(1000);
    expect(seen.map((s) => s.value)).toEqual(['a0', 'a1', 'a2', 'c0']);
    // In offset order (where the abort marker lands against a2 is the coordinator's timing).
    const offsets = seen.map((s) => Number(s.offset));
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    expect(new Set(offsets).size).toBe(4);
    expect(offsets.slice(0, 2)).toEqual([0, 1]);
    await stop(c);
  });

  it('a paused partition hands over nothing until resumed, while the others flow', async () => {
    const topic = randomName(`cmpause-${client}`);
    await createTopics(admin, [{ topic, numPartitions: 2 }]);
    await produce(topic, ['p0-0', 'p0-1'], 0);
    await produce(topic, ['p1-0', 'p1-1'], 1);
    const c = make(randomName('cmconf-g'));
    const seen = await consume(c, topic);
    await eventually(() => seen.length >= 4, 'both partitions', 20000);
    expect(seen).toHaveLength(4);
    c.pause(topic, [0]);
    // Fetches begun before the pause have come back empty by now.
    await sleep(1000);
    await produce(topic, ['p0-2'], 0);
    await produce(topic, ['p1-2'], 1);
    await eventually(() => seen.some((x) => x.value === 'p1-2'), 'the running partition', 20000);
    await sleep(1500);
    expect(seen.map((s) => s.value)).not.toContain('p0-2');
    c.resume(topic, [0]);
    await eventually(() => seen.some((x) => x.value === 'p0-2'), 'the resumed partition', 20000);
    await stop(c);
  });

  it('run() resolves once the member has its partitions: a member started second shares them', async () => {
    const topic = randomName(`cmjoin-${client}`);
    await createTopics(admin, [{ topic, numPartitions: 2 }]);
    const groupId = randomName('cmconf-g');
    const a = make(groupId);
    const b = make(groupId);
    const seenA = await consume(a, topic);
    const seenB = await consume(b, topic);
    // Written only once both runs resolved: each member reads one of the two partitions.
    await produce(topic, ['j0'], 0);
    await produce(topic, ['j1'], 1);
    await eventually(() => seenA.length + seenB.length >= 2, 'both records', 20000);
    expect(seenA).toHaveLength(1);
    expect(seenB).toHaveLength(1);
    expect(seenA[0]!.partition).not.toBe(seenB[0]!.partition);
    await stop(a);
    await stop(b);
  });

  it('a seek reads the partition again from that offset', async () => {
    const topic = randomName(`cmseek-${client}`);
    await createTopics(admin, [topic]);
    await produce(
      topic,
      Array.from({ length: 6 }, (_v, i) => `s${i}`),
    );
    const c = make(randomName('cmconf-g'));
    const seen = await consume(c, topic);
    await eventually(() => seen.length >= 6, 'the 6 records', 20000);
    expect(seen).toHaveLength(6);
    c.seek({ topic, partition: 0, offset: '3' });
    await eventually(() => seen.length >= 9, 'the records from offset 3 again', 20000);
    await sleep(500);
    expect(seen.map((s) => s.value)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's3', 's4', 's5']);
    await stop(c);
  });
});
