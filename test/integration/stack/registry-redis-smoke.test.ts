import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import Redis from 'ioredis';
import { randomName, testEndpoints } from '../../helpers/stack';

describe('schema registry smoke (Apicurio, Confluent API)', () => {
  const registry = new SchemaRegistry({ host: testEndpoints().registryUrl });
  const namespace = `smoke.${randomName('ns').replace(/-/g, '_')}`;
  const schema = {
    type: 'record',
    name: 'Ping',
    namespace,
    fields: [
      { name: 'id', type: 'string' },
      { name: 'count', type: 'int' },
    ],
  };

  it('registers under a record-name subject, encodes with Confluent framing and decodes', async () => {
    const subject = `${namespace}.Ping`; // RecordNameStrategy: subject = record full name
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    expect(id).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);

    const bytes = await registry.encode(id, { id: 'p-1', count: 3 });
    expect(bytes[0]).toBe(0); // magic byte
    expect(bytes.readUInt32BE(1)).toBe(id); // 4-byte big-endian schema id
    expect(await registry.decode(bytes)).toEqual({ id: 'p-1', count: 3 });

    // Registering the same schema again is idempotent: same id.
    const again = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    expect(again.id).toBe(id);
  });
});

describe('Redis smoke', () => {
  const redis = new Redis(testEndpoints().redisUrl);
  afterAll(() => redis.quit());

  it('round-trips a value under a random key prefix and runs a Lua script', async () => {
    const key = `${randomName('cdtest')}:{smoke}:k`;
    await redis.set(key, 'v1', 'PX', 60000);
    expect(await redis.get(key)).toBe('v1');
    expect(await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, `${key}:n`, 5)).toBe(5);
    await redis.del(key, `${key}:n`);
  });
});
