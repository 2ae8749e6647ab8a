import crypto from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { createRegistry } from '../../../core/registry';
import { businessKey, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { oneSiteConfig, receiver, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * Identity comes from the payload (issue #13, item 1): a site producing with a plain Confluent
 * serializer (KafkaAvroSerializer in Java or Python: framed Avro, no CloudEvents headers) gets the
 * same treatment downstream as a crossdock connector. The hub runs as a user runs it
 * (`crossdock start`); the bytes are written by @kafkajs/confluent-schema-registry's serializer,
 * not by crossdock's encoder.
 */
describe('identity from the payload (crossdock start, real Kafka, registry, Redis)', () => {
  const prefix = randomName('ident');
  const kafka = testKafka();
  const producer = kafka.producer();
  const observer = kafka.consumer({ groupId: randomName('ident-observer') });
  const deadLetters: KafkaMessage[] = [];
  let erp: Receiver;
  let hub: HubProcess;

  beforeAll(async () => {
    erp = await receiver();
    hub = await startHub(oneSiteConfig(prefix, erp.url));
    await producer.connect();
    let joined = false;
    observer.on(observer.events.GROUP_JOIN, () => (joined = true));
    await observer.connect();
    await observer.subscribe({ topics: [`${prefix}.dlq.deliver.erp`], fromBeginning: true });
    await observer.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
    await eventually(() => joined, 'the observer to join');
  });

  afterAll(async () => {
    await hub?.dispose();
    await observer.disconnect();
    await producer.disconnect();
    await erp?.close();
  });

  it('delivers a headerless Confluent-framed event with its eventId as identity, once for two copies', async () => {
    const { registryUrl } = testEndpoints();
    const catalog = loadCatalog();
    const entry = catalog.byEventType('OrderReleased')!;
    const eventId = crypto.randomUUID();
    const event = exampleEvent('OrderReleased');
    Object.assign(event.metadata as Record<string, unknown>, { eventId, siteId: 'us-atl' });
    // Registered and framed by crossdock's encoder, then decoded and re-encoded by the other library:
    // the bytes on the topic are that plain serializer's.
    const ours = await encodeEvent(registryUrl, entry, undefined, event);
    const registry = createRegistry(registryUrl);
    const theirs = await registry.encode(ours.readUInt32BE(1), await registry.decode(ours));
    const key = businessKey(entry, event);

    // The site's producer retries: the same event twice, no headers at all.
    for (let i = 0; i < 2; i++)
      await producer.send({
        topic: `${prefix}.ingress.us-atl`,
        acks: -1,
        messages: [{ key, value: theirs }],
      });

    const duplicatesSeen = async () =>
      /crossdock_router_duplicates_total\{[^}]*\} 1\b/.test(
        await (await fetch(`http://127.0.0.1:${hub.healthPort}/metrics`)).text(),
      );
    await eventually(() => erp.got.length >= 1, 'the webhook', 60_000);
    await eventually(duplicatesSeen, 'the router to drop the second copy', 60_000);

    expect(erp.got).toHaveLength(1);
    const h = erp.got[0]!.headers;
    expect(h['idempotency-key']).toBe(eventId);
    expect(h['ce-id']).toBe(eventId);
    expect(h['ce-type']).toBe('com.crossdock.order.OrderReleased');
    expect(h['ce-source']).toBe('crossdock://sites/us-atl/sap-ecc');
    expect(h['ce-time']).toBe('2026-11-20T14:03:27.512Z');
    expect(h['ce-subject']).toBe(key);
    expect(h['ce-specversion']).toBe('1.0');
    expect(JSON.parse(erp.got[0]!.body)).toMatchObject({ metadata: { eventId }, orderId: 'CHI-100234' });
  });

  it('dead-letters a record on a deliver topic that carries no eventId, and delivers nothing for it', async () => {
    const before = erp.got.length;
    await producer.send({
      topic: `${prefix}.deliver.erp`,
      acks: -1,
      messages: [{ key: 'k-1', value: Buffer.from('written here by hand') }],
    });
    await eventually(() => deadLetters.length >= 1, 'the delivery dead letter', 60_000);
    const dl = deadLetters[0]!;
    expect(dl.headers?.['cd-error-code']?.toString()).toBe('CD_E_DELIVERY_NO_EVENT_ID');
    expect(dl.headers?.['cd-subscriber']?.toString()).toBe('erp');
    expect(dl.value?.toString()).toBe('written here by hand');
    expect(erp.got.length).toBe(before);
  });
});
