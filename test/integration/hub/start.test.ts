import fs from 'node:fs';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import YAML from 'yaml';
import { generateSecret } from '../../../connectors/sinks/signing';
import { signedHeaders } from '../../../connectors/sources/http/auth';
import { grantSiteAcls, revokeSiteAcls } from '../../../connectors/sources/onboarding';
import { receiver, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { dropCsvSample, inventoryAdjustedBody, publishAsDemoSite } from '../../helpers/sites';
import { eventually, randomName, testKafka } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The hub's main job, as a user runs it: `crossdock start --config <file>` in its own process,
 * with examples/hub.yaml changed only where a test must (topic prefix, receiver URLs, one HTTP key,
 * one webhook secret). Events come in through all three kinds of site connector, are validated
 * and routed, and reach the downstream receivers and the analytics Kafka sink; garbage is
 * dead-lettered with its code.
 */
describe('crossdock start: the whole hub in one process (real Kafka, registry, Redis)', () => {
  const prefix = randomName('hub');
  const webhookSecret = generateSecret();
  const kafka = testKafka();
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: randomName('hub-observer') });
  const observed: Array<{ topic: string; message: KafkaMessage }> = [];
  const receivers: Record<string, Receiver> = {};
  let hub: HubProcess;

  beforeAll(async () => {
    for (const id of ['central-erp', 'finance', 'customer-notifications', 'tms'])
      receivers[id] = await receiver();
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples/hub.yaml'), 'utf8')) as {
      hub: { topicPrefix: string; router: { groupId: string } };
      sites: Array<{ id: string; connector: Record<string, unknown> }>;
      subscribers: Array<{ id: string; sink: Record<string, unknown> }>;
    };
    doc.hub.topicPrefix = prefix;
    doc.hub.router.groupId = `${prefix}-router`;
    doc.sites.find((s) => s.id === 'us-chi')!.connector.keys = [
      { id: 'chi-1', secretEnv: 'HUB_TEST_CHI_KEY' },
    ];
    for (const s of doc.subscribers) if (receivers[s.id]) s.sink.url = receivers[s.id]!.url;
    doc.subscribers.find((s) => s.id === 'central-erp')!.sink.secretsEnv = 'HUB_TEST_WEBHOOK_SECRETS';
    await admin.connect();
    hub = await startHub(doc, {
      HUB_TEST_CHI_KEY: 'chi-secret',
      CROSSDOCK_KEY_US_NWK: 'nwk-secret',
      CROSSDOCK_KEY_MX_MTY: 'mty-secret',
      HUB_TEST_WEBHOOK_SECRETS: webhookSecret,
    });

    await grantSiteAcls(admin, prefix, 'us-atl');
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({
      topics: [`${prefix}.dlq.router`, `${prefix}.sink.analytics`],
      fromBeginning: true,
    });
    await consumer.run({ eachMessage: async ({ topic, message }) => void observed.push({ topic, message }) });
    await eventually(() => joined, 'the observer to join');
  });

  afterAll(async () => {
    await hub?.dispose();
    await consumer.disconnect();
    await revokeSiteAcls(admin, prefix, 'us-atl').catch(() => undefined);
    await admin.disconnect();
    for (const r of Object.values(receivers)) await r.close();
  });

  it('takes events from HTTP, CSV and SDK sites, routes them, delivers them, dead-letters garbage, and stops on SIGTERM', async () => {
    // HTTP site (us-chi): one OrderReleased in the site's own JSON, signed with its key.
    const body = fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'));
    const res = await fetch(`http://127.0.0.1:${hub.ingestPort}/v1/sites/us-chi/events`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders({ id: 'chi-1', secret: 'chi-secret' }, body),
      },
    });
    expect(res.status).toBe(202);

    // CSV site (us-dal): a legacy export with two orders, dropped the safe way (temp name + rename).
    dropCsvSample(hub.home, 'us-dal', 'orders.input.csv');

    // SDK site (us-atl): its own SCRAM user, straight to its ingress topic.
    await publishAsDemoSite(
      'us-atl',
      prefix,
      'InventoryAdjusted',
      inventoryAdjustedBody({ adjustmentId: 'ADJ-hub-1', sku: 'SKU-20002', reasonCode: 'CYCLE_COUNT' }),
    );

    // A producer that is not a site connector writes garbage to an ingress topic.
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: `${prefix}.ingress.us-nwk`,
      messages: [{ key: 'x', value: Buffer.from('definitely not avro') }],
    });
    await raw.disconnect();

    // Routes (examples/hub.yaml): orders and inventory → central-erp; released orders in US/CA/MX → tms;
    // everything → analytics; nothing here for finance or customer-notifications.
    const orderIds = (id: string) =>
      receivers[id]!.got.map(
        (r) => (JSON.parse(r.body) as { orderId?: string; sku?: string }).orderId ?? 'inventory',
      ).sort();
    await eventually(
      () => receivers['central-erp']!.got.length >= 4 && receivers.tms!.got.length >= 3,
      'webhooks to central-erp and tms',
      60_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; central-erp got ${orderIds('central-erp').join(',')}, tms got ${orderIds('tms').join(',')}; hub log tail:\n${hub.log().slice(-3000)}`,
      );
    });
    await eventually(
      () => observed.filter((o) => o.topic.endsWith('.sink.analytics')).length >= 4,
      'the analytics sink topic',
      60_000,
    );
    await eventually(
      () => observed.some((o) => o.topic.endsWith('.dlq.router')),
      'the garbage on the router DLQ',
      60_000,
    );

    expect(orderIds('central-erp')).toEqual(['CHI-100234', 'DAL-9001', 'DAL-9002', 'inventory']);
    expect(orderIds('tms')).toEqual(['CHI-100234', 'DAL-9001', 'DAL-9002']);
    expect(receivers.finance!.got).toEqual([]);
    expect(receivers['customer-notifications']!.got).toEqual([]);

    // Each webhook carries its eventId as Idempotency-Key and CloudEvents headers, and central-erp's
    // are signed: verified here with the independent standardwebhooks implementation.
    const wh = new Webhook(webhookSecret);
    for (const r of receivers['central-erp']!.got) {
      const event = JSON.parse(r.body) as { metadata: { eventId: string; eventType: string } };
      expect(r.headers['idempotency-key']).toBe(event.metadata.eventId);
      expect(r.headers['ce-id']).toBe(event.metadata.eventId);
      expect(r.headers['ce-type']).toBe(
        `com.crossdock.${event.metadata.eventType.startsWith('Order') ? 'order' : 'inventory'}.${event.metadata.eventType}`,
      );
      expect(() => wh.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    }

    const analytics = observed.filter((o) => o.topic.endsWith('.sink.analytics'));
    expect(analytics).toHaveLength(4);
    expect(new Set(analytics.map((o) => o.message.headers?.ce_id?.toString())).size).toBe(4);

    const dead = observed.filter((o) => o.topic.endsWith('.dlq.router'));
    expect(dead).toHaveLength(1);
    expect(dead[0]!.message.value?.toString()).toBe('definitely not avro');
    expect(dead[0]!.message.headers?.['cd-error-code']?.toString()).toBe('CD_E_BAD_FRAMING');
    expect(dead[0]!.message.headers?.['cd-original-topic']?.toString()).toBe(`${prefix}.ingress.us-nwk`);

    const metrics = await (await fetch(`http://127.0.0.1:${hub.healthPort}/metrics`)).text();
    expect(metrics).toContain('crossdock_');

    expect(await hub.stop()).toBe(0);
  });
});
