import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Partitioners,
  ResourcePatternTypes,
  type Admin,
  type KafkaMessage,
} from 'kafkajs';
import { kafkaConnectionFailure } from '../../../core/connection-errors';
import { ackedProducerFor, chooseKafkaClient } from '../../../core/kafka-client/choose';
import type {
  AckedProducer,
  AckedProducerOptions,
  KafkaClientKind,
  ProducedRecord,
} from '../../../core/kafka-client/producer';
import { readCredentials, stackPaths } from '../../../stack';
import { createTopics, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * The acknowledged producer's contract (core/kafka-client/producer.ts), the same checks on both
 * clients against the real broker: bytes and headers arrive as sent, a key lands on the Java
 * client's murmur2 partition whichever client wrote it, one send keeps its order, concurrent
 * awaited sends are each written once, a SCRAM login on the SASL listener works and its ACLs
 * hold, and a send to a topic that does not exist is refused without creating it.
 */
const CLIENTS: KafkaClientKind[] = ['kafkajs', 'librdkafka'];
const PARTITIONS = 6;

describe.each(CLIENTS)('acknowledged producer on %s (real broker)', (client) => {
  const endpoints = testEndpoints();
  const admin: Admin = testKafka().admin();
  const topic = randomName(`conf-${client}`);
  let producer: AckedProducer;

  const make = (options: Partial<AckedProducerOptions> = {}): AckedProducer =>
    ackedProducerFor(chooseKafkaClient('ingest', client), {
      clientId: randomName('conf'),
      brokers: endpoints.kafkaBrokers,
      ...options,
    } as AckedProducerOptions);

  /** Every record of the topic, by partition, in offset order. */
  async function readAll(name: string, count: number): Promise<Map<number, KafkaMessage[]>> {
    const consumer = testKafka().consumer({ groupId: randomName('conf-read') });
    const got = new Map<number, KafkaMessage[]>();
    let n = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${n} of ${count} records of ${name}`)), 30000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.set(partition, [...(got.get(partition) ?? []), message]);
          if (++n >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return got;
  }

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    producer = make();
    expect(producer.client).toBe(client);
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('writes key, value and headers byte for byte, keys on the murmur2 partition, one send in order', async () => {
    const partitionOf = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, p) => ({
      partitionId: p,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const records: ProducedRecord[] = Array.from({ length: 60 }, (_, i) => ({
      key: `order-${i % 12}`,
      value: Buffer.from([i, 0, 255, 10, i]),
      headers: { ce_id: `id-${i}`, ce_type: 'OrderReleased', bin: Buffer.from([0, 1, 2, i]) },
    }));
    await producer.send([{ topic, messages: records }]);

    const got = await readAll(topic, records.length);
    const all = [...got.values()].flat();
    expect(all).toHaveLength(records.length);
    for (const [partition, messages] of got)
      for (const m of messages) {
        const i = Number(m.headers!.ce_id!.toString().slice(3));
        const sent = records[i]!;
        expect(m.key!.toString()).toBe(sent.key);
        expect(m.value).toEqual(sent.value);
        expect(m.headers!.ce_type!.toString()).toBe('OrderReleased');
        expect(m.headers!.bin).toEqual(Buffer.from([0, 1, 2, i]));
        expect(partition).toBe(
          partitionOf({ topic, partitionMetadata, message: { key: sent.key!, value: null } }),
        );
      }
    // One key's records, in the order they were in the send.
    for (const messages of got.values()) {
      const byKey = new Map<string, number[]>();
      for (const m of messages)
        byKey.set(m.key!.toString(), [
          ...(byKey.get(m.key!.toString()) ?? []),
          Number(m.headers!.ce_id!.toString().slice(3)),
        ]);
      for (const ids of byKey.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('writes each of many concurrent awaited sends once', async () => {
    const name = randomName(`conf-many-${client}`);
    await createTopics(admin, [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    try {
      const n = 300;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          producer.send([{ topic: name, messages: [{ key: `k-${i}`, value: Buffer.from(`v-${i}`) }] }]),
        ),
      );
      const offsets = await admin.fetchTopicOffsets(name);
      expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBe(n);
      const values = [...(await readAll(name, n)).values()].flat().map((m) => m.value!.toString());
      expect(new Set(values).size).toBe(n);
    } finally {
      await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    }
  });

  it('refuses a send to a topic that does not exist, and creates nothing', async () => {
    const missing = randomName(`conf-missing-${client}`);
    const short = make({ deliveryTimeoutMs: 4000 });
    await short.connect();
    try {
      await expect(
        short.send([{ topic: missing, messages: [{ key: 'k', value: Buffer.from('v') }] }]),
      ).rejects.toThrow();
      expect(await admin.listTopics()).not.toContain(missing);
    } finally {
      await short.disconnect();
    }
  });

  it('a wrong SCRAM password is refused at connect, at once, as a refused login (CD_E_KAFKA_AUTH_FAILED)', async () => {
    const wrong = make({
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: 'site-us-chi', password: 'not-the-password' },
      deliveryTimeoutMs: 5000,
    });
    const started = Date.now();
    const err = await wrong.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await wrong.disconnect().catch(() => undefined);
    expect(err).toBeDefined();
    expect(kafkaConnectionFailure(err, endpoints.kafkaSaslBrokers.join(','))?.code).toBe(
      'CD_E_KAFKA_AUTH_FAILED',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('logs in with SCRAM on the SASL listener, and the broker’s ACLs hold', async () => {
    const site = readCredentials(stackPaths())?.users.find((u) => u.name === 'site-us-chi');
    if (!site) throw new Error(`no credentials for site-us-chi in ${stackPaths().credentialsFile}`);
    const own = randomName(`conf-acl-${client}`);
    const other = randomName(`conf-acl-other-${client}`);
    await createTopics(admin, [own, other]);
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: own,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${site.name}`,
      host: '*',
      permissionType: AclPermissionTypes.ALLOW,
    };
    await admin.createAcls({
      acl: [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({ ...acl, operation })),
    });
    const scram = make({
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: site.name, password: site.password },
      deliveryTimeoutMs: 5000,
    });
    try {
      await scram.connect();
      await scram.send([{ topic: own, messages: [{ key: 'k', value: Buffer.from('allowed') }] }]);
      expect((await admin.fetchTopicOffsets(own)).reduce((s, p) => s + Number(p.high), 0)).toBe(1);
      const refused = await scram
        .send([{ topic: other, messages: [{ key: 'k', value: Buffer.from('refused') }] }])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // The broker's name for the refusal, on the error or on the one it wraps (kafkajs: `cause`).
      const typeOf = (e: unknown): unknown =>
        e && typeof e === 'object'
          ? ((e as { type?: unknown }).type ??
            typeOf((e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError))
          : undefined;
      expect(typeOf(refused)).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect((await admin.fetchTopicOffsets(other)).reduce((s, p) => s + Number(p.high), 0)).toBe(0);
    } finally {
      await scram.disconnect().catch(() => undefined);
      await admin.deleteAcls({
        filters: [
          {
            ...acl,
            principal: '*',
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          },
        ],
      });
      await admin.deleteTopics({ topics: [own, other] }).catch(() => undefined);
    }
  });
});
