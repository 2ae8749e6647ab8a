import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { isCrossdockError } from '../../../core/errors';
import { down, status, up } from '../../../stack';
import { createTopics, eventually, ownStackEnv, randomName } from '../../helpers/stack';

/**
 * A stack of this test's own (temporary home, free ports), so stopping and restarting it
 * touches nothing else. It proves: up is idempotent, down stops only what it started, and
 * schema ids outlive a restart (the registry keeps its state in Kafka), so messages written
 * before the restart still decode.
 */
describe('stack lifecycle (own instance)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-stack-'));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await ownStackEnv(home);
  });

  afterAll(async () => {
    await down({ env, purge: true }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  // Its own timeout: two whole stack starts (format, broker, registry boot) take ~2 min on a busy
  // 2-core machine, more than the suite's 120 s.
  it('starts, reuses, stops and restarts with schema ids intact', async () => {
    const first = await up({ env });
    expect(first.alreadyRunning).toBe(false);
    expect(first.parts.map((p) => [p.part, p.up])).toEqual([
      ['kafka', true],
      ['registry', true],
      ['redis', true],
    ]);
    expect(first.parts.find((p) => p.part === 'kafka')?.owner).toBe('stack');
    expect(first.parts.find((p) => p.part === 'redis')?.owner).toBe('external');

    const again = await up({ env });
    expect(again.alreadyRunning).toBe(true);

    // Write a Confluent-framed message with a freshly registered schema.
    const registry = new SchemaRegistry({ host: first.endpoints.registryUrl });
    const ns = `life.${randomName('n').replace(/-/g, '_')}`;
    const schema = {
      type: 'record',
      name: 'Parcel',
      namespace: ns,
      fields: [
        { name: 'id', type: 'string' },
        { name: 'kg', type: 'double' },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${ns}.Parcel` },
    );
    const kafka = new Kafka({
      clientId: 'life',
      brokers: first.endpoints.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = randomName('life');
    await createTopics(admin, [topic]);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ value: await registry.encode(id, { id: 'p-9', kg: 2.5 }) }],
    });
    await producer.disconnect();

    const stopped = await down({ env });
    expect(stopped.stopped.sort()).toEqual(['kafka', 'registry']);
    expect((await status({ env })).filter((p) => p.part !== 'redis').every((p) => !p.up)).toBe(true);
    // The shared Redis was not ours: still up.
    expect((await status({ env })).find((p) => p.part === 'redis')?.up).toBe(true);

    const restarted = await up({ env });
    expect(restarted.alreadyRunning).toBe(false);

    // A new registry process, a new client with an empty cache: the old id still means the same schema.
    const fresh = new SchemaRegistry({ host: restarted.endpoints.registryUrl });
    const kafka2 = new Kafka({
      clientId: 'life2',
      brokers: restarted.endpoints.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka2.consumer({ groupId: randomName('life') });
    const decoded: unknown[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void decoded.push(await fresh.decode(message.value!)),
    });
    await eventually(() => decoded.length === 1, 'the message written before the restart');
    await consumer.disconnect();
    expect(decoded[0]).toEqual({ id: 'p-9', kg: 2.5 });
  }, 360000);

  it('names a port held by another program instead of starting over it', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const otherHome = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-port-'));
    try {
      const err = await up({
        env: { ...env, CROSSDOCK_HOME: otherHome, CROSSDOCK_KAFKA_PORT: String(port) },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCrossdockError(err) && err.code).toBe('CD_E_STACK_PORT_IN_USE');
      expect((err as Error).message).toContain(`Port ${port} (Kafka PLAINTEXT)`);
    } finally {
      blocker.close();
      fs.rmSync(otherHome, { recursive: true, force: true });
    }
  });
});
