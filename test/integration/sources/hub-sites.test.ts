import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import YAML from 'yaml';
import { loadConfigText } from '../../../hub';
import { silentLogger } from '../../../core/logger';
import { encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { createRedis } from '../../../core/redis';
import { signedHeaders } from '../../../connectors/sources/http/auth';
import { createSourceComponents } from '../../../connectors/sources/from-config';
import { grantSiteAcls, revokeSiteAcls } from '../../../connectors/sources/onboarding';
import { dropCsvSample, inventoryAdjustedBody, publishAsDemoSite } from '../../helpers/sites';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * "Done when": with examples/hub.yaml, each of the three kinds of site publishes through its
 * connector — us-chi over HTTP (signed), us-dal through its CSV drop folder, us-atl with the SDK
 * and its SCRAM user — into its own ingress topic. Only the topic prefix and one HTTP key differ
 * from the shipped file.
 */
describe('examples/hub.yaml: one site of each kind publishes (real Kafka, registry, Redis)', () => {
  const endpoints = testEndpoints();
  const prefix = randomName('cde');
  const example = path.resolve(__dirname, '../../../examples/hub.yaml');
  // The shipped file, changed only where a test must: its own topic prefix and one HTTP key.
  const doc = YAML.parse(fs.readFileSync(example, 'utf8')) as {
    hub: { topicPrefix: string };
    sites: Array<{ id: string; connector: Record<string, unknown> }>;
  };
  doc.hub.topicPrefix = prefix;
  doc.sites.find((s) => s.id === 'us-chi')!.connector.keys = [{ id: 'chi-e2e-1', secretEnv: 'E2E_CHI_KEY' }];
  const text = YAML.stringify(doc);
  const config = loadConfigText(text, example);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-home-'));
  const env = {
    E2E_CHI_KEY: 'e2e-secret',
    CROSSDOCK_KEY_US_NWK: 'nwk-secret',
    CROSSDOCK_KEY_MX_MTY: 'mty-secret',
    CROSSDOCK_INGEST_PORT: '0',
    CROSSDOCK_HOME: home,
  };
  const redisPrefix = `${randomName('t')}:`;
  const components = createSourceComponents({
    config,
    endpoints,
    logger: silentLogger(),
    env,
    redisPrefix,
  });
  const kafka = testKafka();
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: randomName('g') });
  const got: Array<{ topic: string; message: KafkaMessage }> = [];
  const topics = config.sites.map((s) => `${prefix}.ingress.${s.id}`);

  beforeAll(async () => {
    expect(config.hub.topicPrefix).toBe(prefix);
    // The integration team's `crossdock schemas push` (the SDK only looks schema ids up).
    await encodeEvent(
      endpoints.registryUrl,
      loadCatalog().byEventType('InventoryAdjusted')!,
      undefined,
      exampleEvent('InventoryAdjusted'),
    );
    await admin.connect();
    await createTopics(admin, topics);
    await grantSiteAcls(admin, prefix, 'us-atl');
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic, message }) => void got.push({ topic, message }) });
    await eventually(() => joined, 'the consumer to join');
    for (const c of components) await c.start();
  });

  afterAll(async () => {
    for (const c of [...components].reverse()) await c.stop();
    await consumer.disconnect();
    await revokeSiteAcls(admin, prefix, 'us-atl').catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(home, { recursive: true, force: true });
    const redis = createRedis({ url: endpoints.redisUrl });
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('HTTP (us-chi), CSV (us-dal) and SDK (us-atl) each land in their own ingress topic', async () => {
    const http = components.find((c) => c.name === 'http-ingest')!;
    await eventually(async () => {
      const body = fs.readFileSync(
        path.resolve(__dirname, '../../../sites/us-chi/samples/order-released.input.json'),
      );
      const res = await fetch(`http://127.0.0.1:${http.port}/v1/sites/us-chi/events`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...signedHeaders({ id: 'chi-e2e-1', secret: 'e2e-secret' }, body),
        },
      });
      return res.status === 202;
    }, 'HTTP ingest to accept (once its producer is connected)');

    const drop = dropCsvSample(home, 'us-dal', 'orders.input.csv');

    await publishAsDemoSite('us-atl', prefix, 'InventoryAdjusted', inventoryAdjustedBody());

    const keysIn = (site: string) =>
      got.filter((g) => g.topic === `${prefix}.ingress.${site}`).map((g) => g.message.key?.toString());
    await eventually(
      () => keysIn('us-chi').length === 1 && keysIn('us-dal').length === 2 && keysIn('us-atl').length === 1,
      'one HTTP, two CSV and one SDK event',
      30_000,
    );
    expect(keysIn('us-chi')).toEqual(['CHI-100234']);
    expect(keysIn('us-dal')).toEqual(['DAL-9001', 'DAL-9002']);
    expect(got.filter((g) => !/\.(us-chi|us-dal|us-atl)$/.test(g.topic))).toEqual([]);
    expect(fs.readdirSync(path.join(drop, 'processed')).some((f) => f.endsWith('_orders.csv'))).toBe(true);
  });
});
