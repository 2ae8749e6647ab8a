import { execFile } from 'node:child_process';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { createSchemaResolver } from '../../../core/registry';
import { decodeEvent, encodeEvent, exampleEvent, loadCatalog, type Catalog } from '../../../schemas';
import { readCredentials, stackPaths } from '../../../stack';
import { createSiteProducer, type EventBody } from '../../../connectors/sdk';
import {
  defaultKafkaLibs,
  grantSiteAcls,
  onboardSite,
  revokeSiteAcls,
} from '../../../connectors/sources/onboarding';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { atlOrderReleased } from '../../helpers/orders';

/**
 * The SDK logs in with the site's SCRAM user; the ACLs made by onboarding let it write only its
 * own ingress topic. A site cannot publish as another: the broker refuses it.
 */
describe('site SDK and ACLs (real broker, SCRAM, registry)', () => {
  const endpoints = testEndpoints();
  const prefix = randomName('cds');
  const admin = testKafka().admin();
  const password = (user: string) => {
    const u = readCredentials(stackPaths())?.users.find((x) => x.name === user);
    if (!u) throw new Error(`no credentials for ${user}`);
    return u.password;
  };
  const order = (orderId: string) => atlOrderReleased(orderId, 'Peachtree Supply');
  const sdk = (siteId: string, user: string, pass: string) =>
    createSiteProducer({
      siteId,
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: user, password: pass },
      registryUrl: endpoints.registryUrl,
      topicPrefix: prefix,
      sourceSystem: 'atl-wms',
    });
  const newSite = `zz-${randomName('s').slice(2)}`;
  let newPassword = '';

  beforeAll(async () => {
    // What `crossdock schemas push` does for the integration team: the SDK itself only looks ids up.
    await encodeEvent(
      endpoints.registryUrl,
      loadCatalog().byEventType('OrderReleased')!,
      undefined,
      exampleEvent('OrderReleased'),
    );
    await admin.connect();
    await createTopics(admin, [`${prefix}.ingress.us-atl`, `${prefix}.ingress.ca-tor`]);
    await grantSiteAcls(admin, prefix, 'us-atl');
    await grantSiteAcls(admin, prefix, 'ca-tor');
  });

  afterAll(async () => {
    for (const s of ['us-atl', 'ca-tor', newSite])
      await revokeSiteAcls(admin, prefix, s).catch(() => undefined);
    await admin
      .deleteTopics({
        topics: [`${prefix}.ingress.us-atl`, `${prefix}.ingress.ca-tor`, `${prefix}.ingress.${newSite}`],
      })
      .catch(() => undefined);
    await admin.disconnect();
    // Remove the throwaway SCRAM user again.
    await new Promise((r) =>
      execFile(
        'java',
        [
          '-cp',
          `${defaultKafkaLibs()}/*`,
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          endpoints.kafkaBrokers[0]!,
          '--alter',
          '--delete-config',
          'SCRAM-SHA-256,SCRAM-SHA-512',
          '--entity-type',
          'users',
          '--entity-name',
          `site-${newSite}`,
        ],
        () => r(undefined),
      ),
    );
  });

  it('publishes a typed event with metadata, business key and CloudEvents headers', async () => {
    const producer = sdk('us-atl', 'site-us-atl', password('site-us-atl'));
    await producer.connect();
    const res = await producer.events.OrderReleased(order('ATL-500'), {
      occurredAt: new Date('2026-03-02T10:00:00Z'),
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    await producer.disconnect();
    expect(res).toMatchObject({ key: 'ATL-500', topic: `${prefix}.ingress.us-atl` });

    const consumer = testKafka().consumer({ groupId: randomName('g') });
    const got: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}.ingress.us-atl`, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    await eventually(() => got.length === 1, 'the SDK event');
    await consumer.disconnect();
    const m = got[0]!;
    const h = (k: string) => m.headers?.[k]?.toString();
    expect(m.key?.toString()).toBe('ATL-500');
    expect([
      h('ce_id'),
      h('ce_type'),
      h('ce_source'),
      h('ce_subject'),
      h('ce_time'),
      h('content-type'),
      h('traceparent'),
    ]).toEqual([
      res.eventId,
      'com.crossdock.order.OrderReleased',
      'crossdock://sites/us-atl/atl-wms',
      'ATL-500',
      '2026-03-02T10:00:00.000Z',
      'application/avro',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]);
    const decoded = await decodeEvent(createSchemaResolver(endpoints.registryUrl), m.value!, {
      catalog: loadCatalog(),
    });
    expect(decoded.event.metadata).toMatchObject({
      eventId: res.eventId,
      siteId: 'us-atl',
      eventType: 'OrderReleased',
      sourceSystem: 'atl-wms',
      correlationId: res.eventId,
      causationId: null,
    });
  });

  it('refuses an event that does not fit its schema, with the field path, before sending', async () => {
    const producer = sdk('us-atl', 'site-us-atl', password('site-us-atl'));
    const bad = { ...order('ATL-501'), orderTotal: 12.5 } as unknown as EventBody<'OrderReleased'>;
    await expect(producer.publish('OrderReleased', bad)).rejects.toMatchObject({
      code: 'CD_E_INPUT_REJECTED',
      message: expect.stringContaining('orderTotal'),
    });
  });

  it('refuses to publish with a schema version nobody pushed (no registration from a site)', async () => {
    const catalog = loadCatalog();
    const entry = catalog.byEventType('OrderReleased')!;
    const unpushed = { ...entry, subject: `com.crossdock.${randomName('t').replace('-', '')}.OrderReleased` };
    const patched: Catalog = {
      ...catalog,
      byEventType: (t) => (t === 'OrderReleased' ? unpushed : catalog.byEventType(t)),
    };
    const producer = createSiteProducer({
      siteId: 'us-atl',
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: 'site-us-atl', password: password('site-us-atl') },
      registryUrl: endpoints.registryUrl,
      topicPrefix: prefix,
      catalog: patched,
    });
    await expect(producer.events.OrderReleased(order('ATL-502'))).rejects.toMatchObject({
      code: 'CD_E_ENCODE_FAILED',
      retriable: false,
    });
  });

  it("a site's user cannot write to another site's topic (TOPIC_AUTHORIZATION_FAILED)", async () => {
    // us-atl's login, pretending to be ca-tor.
    const impostor = sdk('ca-tor', 'site-us-atl', password('site-us-atl'));
    await impostor.connect();
    await expect(impostor.events.OrderReleased(order('TOR-1'))).rejects.toThrow(/authoriz/i);
    await impostor.disconnect();
    // ca-tor's own login writes there fine.
    const own = sdk('ca-tor', 'site-ca-tor', password('site-ca-tor'));
    await own.connect();
    await expect(own.events.OrderReleased(order('TOR-2'))).resolves.toMatchObject({ key: 'TOR-2' });
    await own.disconnect();
  });

  it('onboarding a new site makes its topic, SCRAM user and ACLs: it writes its own topic only', async () => {
    const res = await onboardSite({
      admin,
      prefix,
      siteId: newSite,
      kind: 'sdk',
      partitions: 1,
      scram: { bootstrap: endpoints.kafkaBrokers[0]! },
    });
    expect(res).toMatchObject({
      topic: `${prefix}.ingress.${newSite}`,
      topicCreated: true,
      user: `site-${newSite}`,
    });
    newPassword = res.password!;
    const login = () =>
      new Kafka({
        clientId: randomName('n'),
        brokers: endpoints.kafkaSaslBrokers,
        sasl: { mechanism: 'scram-sha-256', username: `site-${newSite}`, password: newPassword },
        logLevel: logLevel.NOTHING,
        retry: { retries: 2 },
      });
    // SCRAM credentials propagate through the controller; the first login may race them.
    let producer = login().producer({ idempotent: true, maxInFlightRequests: 1 });
    await eventually(
      async () =>
        producer.connect().then(
          () => true,
          async () => ((producer = login().producer({ idempotent: true, maxInFlightRequests: 1 })), false),
        ),
      'the new SCRAM user to log in',
      20_000,
    );
    await expect(
      producer.send({
        topic: `${prefix}.ingress.${newSite}`,
        acks: -1,
        messages: [{ key: 'k', value: 'v' }],
      }),
    ).resolves.toBeDefined();
    await expect(
      producer.send({ topic: `${prefix}.ingress.us-atl`, acks: -1, messages: [{ key: 'k', value: 'v' }] }),
    ).rejects.toThrow(/authoriz/i);
    await producer.disconnect();
    // Running it again is safe (idempotent steps).
    await expect(
      onboardSite({ admin, prefix, siteId: newSite, kind: 'http', scram: false }),
    ).resolves.toMatchObject({ topicCreated: false });
  });
});
