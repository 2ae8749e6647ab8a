import path from 'node:path';
import { run } from '../../../stack/proc';
import { stackPaths } from '../../../stack';
import { KAFKA_VERSION } from '../../../stack/versions';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * Clients that are not ours talk to the stack: Apache Kafka's Java client (from the jars the stack
 * fetched) produces and consumes on the broker, and the registry answers raw Confluent API calls.
 */
describe('foreign clients', () => {
  const endpoints = testEndpoints();
  const probe = path.resolve(__dirname, '../../fixtures/java/KafkaProbe.java');
  const classpath = path.join(stackPaths().cache, 'kafka-libs', KAFKA_VERSION, 'libs', '*');
  const java = (...args: string[]) => run('java', ['-cp', classpath, probe, ...args]);
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: randomName('foreign') });

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect(), consumer.disconnect()]);
  });

  it("Kafka's Java client and kafkajs read each other's records", async () => {
    const topic = randomName('foreign');
    await createTopics(admin, [topic]);
    const produced = await java('produce', endpoints.kafkaBrokers[0]!, topic, 'from-java', 'hello from java');
    expect(produced.stderr).not.toMatch(/Exception/);
    expect(produced.code).toBe(0);

    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'from-kafkajs', value: 'hello from node', headers: { probe: 'node' } }],
    });

    const seen: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push(`${message.key}|${message.value}|${message.headers?.probe}`),
    });
    await eventually(() => seen.length === 2, 'both records in kafkajs');
    expect(seen).toEqual(['from-java|hello from java|java', 'from-kafkajs|hello from node|node']);

    const consumed = await java('consume', endpoints.kafkaBrokers[0]!, topic, '2');
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual([
      'from-java\thello from java\tprobe=java;',
      'from-kafkajs\thello from node\tprobe=node;',
    ]);
  });

  it('the registry answers raw Confluent API calls', async () => {
    const subject = `raw.${randomName('s').replace(/-/g, '_')}.Thing`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Thing',
      namespace: subject.replace(/\.Thing$/, ''),
      fields: [{ name: 'a', type: 'string' }],
    });
    const post = await fetch(`${endpoints.registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'AVRO', schema }),
    });
    expect(post.status).toBe(200);
    const { id } = (await post.json()) as { id: number };
    const byId = (await (await fetch(`${endpoints.registryUrl}/schemas/ids/${id}`)).json()) as {
      schema: string;
    };
    expect(JSON.parse(byId.schema)).toEqual(JSON.parse(schema));
    const latest = (await (
      await fetch(`${endpoints.registryUrl}/subjects/${subject}/versions/latest`)
    ).json()) as { id: number; version: number; subject: string };
    expect(latest).toMatchObject({ id, version: 1, subject });
    const subjects = (await (await fetch(`${endpoints.registryUrl}/subjects`)).json()) as string[];
    expect(subjects).toContain(subject);
  });
});
