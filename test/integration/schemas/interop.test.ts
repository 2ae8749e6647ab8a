import avsc from 'avsc';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { createRegistry, createSchemaResolver, registryRequest } from '../../../core/registry';
import { toJsonSafe } from '../../../core/avro';
import { businessKey, decodeEvent, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

const registryUrl = testEndpoints().registryUrl;

/**
 * Interoperability: what our serializer writes is plain Confluent-framed Avro that a decoder which
 * is not ours (avsc without crossdock's logical types; the @kafkajs/confluent-schema-registry
 * client) reads with the schema the registry serves by id, and the other way round.
 * A non-JavaScript reader (Apache Avro for Java) is in java-interop.test.ts. The Python
 * confluent_kafka cross-check is not run: python3-confluent-kafka is not installed here.
 */
describe('interop with the real registry', () => {
  const catalog = loadCatalog();
  const entry = catalog.byEventType('InvoiceGenerated')!;
  const event = exampleEvent('InvoiceGenerated');

  it('our bytes carry the Confluent frame and decode with plain avsc and the schema fetched by id', async () => {
    const bytes = await encodeEvent(registryUrl, entry, undefined, event);
    expect(bytes[0]).toBe(0);
    const id = bytes.readUInt32BE(1);
    const byId = await registryRequest(registryUrl, 'GET', `/schemas/ids/${id}`);
    expect(byId.status).toBe(200);
    const schema = JSON.parse((byId.body as { schema: string }).schema) as avsc.Schema;
    // A decoder with no knowledge of our logical types sees the Avro underlying values.
    const plain = avsc.Type.forSchema(schema, { registry: {} });
    const decoded = plain.fromBuffer(bytes.subarray(5)) as {
      invoiceId: string;
      totalAmount: Buffer;
      invoiceDate: number;
      metadata: { occurredAt: number; eventId: string };
      lines: Array<{ unitPrice: Buffer }>;
    };
    expect(decoded.invoiceId).toBe('US01-INV-7781201');
    // decimal(18,2) "2885.02" = unscaled 288502, big-endian two's complement
    expect(BigInt('0x' + decoded.totalAmount.toString('hex'))).toBe(288502n);
    expect(BigInt('0x' + decoded.lines[0]!.unitPrice.toString('hex'))).toBe(6122500n);
    expect(decoded.metadata.occurredAt).toBe(Date.parse('2026-11-20T14:03:27.512Z'));
    expect(decoded.invoiceDate).toBe(Date.UTC(2026, 10, 23) / 86_400_000);
    expect(decoded.metadata.eventId).toBe((event.metadata as { eventId: string }).eventId);
  });

  it('the confluent-schema-registry client reads our bytes, and we read its bytes', async () => {
    const registry = createRegistry(registryUrl);
    const ours = await encodeEvent(registryUrl, entry, undefined, event);
    const theirsDecoded = (await registry.decode(ours)) as Record<string, unknown>;
    expect(toJsonSafe(theirsDecoded)).toEqual(event);

    const theirs = await registry.encode(ours.readUInt32BE(1), theirsDecoded);
    expect(theirs.equals(ours)).toBe(true);
    const back = await decodeEvent(createSchemaResolver(registryUrl), theirs, { catalog });
    expect(back.entry).toBe(entry);
    expect(back.version).toBe(1);
    expect(toJsonSafe(back.event)).toEqual(event);
  });

  describe('through Kafka', () => {
    const kafka = testKafka();
    let admin: Admin;
    let producer: Producer;
    let consumer: Consumer;
    const topic = randomName('schemas-interop');

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
      await createTopics(admin, [topic]);
      producer = kafka.producer();
      await producer.connect();
      consumer = kafka.consumer({ groupId: randomName('schemas-interop') });
      await consumer.connect();
    });

    afterAll(async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('an event keyed by its business key arrives and decodes to the same JSON', async () => {
      const key = businessKey(entry, event);
      await producer.send({
        topic,
        messages: [{ key, value: await encodeEvent(registryUrl, entry, undefined, event) }],
      });
      const got: Array<{ key: string; value: Buffer }> = [];
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) =>
          void got.push({ key: String(message.key), value: message.value! }),
      });
      await eventually(() => got.length === 1, 'the message');
      expect(got[0]!.key).toBe('US01-INV-7781201');
      const d = await decodeEvent(createSchemaResolver(registryUrl), got[0]!.value, { catalog });
      expect(toJsonSafe(d.event)).toEqual(event);
    });
  });
});

describe('SchemaResolver errors and cache', () => {
  it('an unknown id is CD_E_UNKNOWN_SCHEMA_ID, not retriable', async () => {
    await expect(createSchemaResolver(registryUrl).getSchemaById(2_000_000_000)).rejects.toMatchObject({
      code: 'CD_E_UNKNOWN_SCHEMA_ID',
      retriable: false,
    });
  });

  it('a registry that does not answer is CD_E_REGISTRY_UNAVAILABLE, retriable, and is asked again next time', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const resolver = createSchemaResolver('http://127.0.0.1:1/apis/ccompat/v7', {
      fetch: failing,
      timeoutMs: 500,
    });
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({
      code: 'CD_E_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE' });
    expect(calls).toBe(2);
    // And a real closed port, without the stub.
    await expect(
      createSchemaResolver('http://127.0.0.1:1/apis/ccompat/v7', { timeoutMs: 500 }).getSchemaById(1),
    ).rejects.toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE', retriable: true });
  });

  it('a 5xx is retriable too', async () => {
    const broken: typeof fetch = async () => new Response('upstream down', { status: 503 });
    await expect(createSchemaResolver(registryUrl, { fetch: broken }).getSchemaById(1)).rejects.toMatchObject(
      { code: 'CD_E_REGISTRY_UNAVAILABLE', retriable: true },
    );
  });

  it('caches by id: concurrent and later lookups of one id make one request', async () => {
    const entry = loadCatalog().byEventType('OrderHoldPlaced')!;
    const bytes = await encodeEvent(registryUrl, entry, undefined, exampleEvent('OrderHoldPlaced'));
    const id = bytes.readUInt32BE(1);
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const resolver = createSchemaResolver(registryUrl, { fetch: counting });
    const [a, b] = await Promise.all([resolver.getSchemaById(id), resolver.getSchemaById(id)]);
    const c = await resolver.getSchemaById(id);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(a.subject).toBe(entry.subject);
  });
});
