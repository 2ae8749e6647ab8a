import '../../helpers/integration-timeout';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { down, status, up } from '../../../stack';
import { startRegistryProxy } from '../../helpers/registry-proxy';
import { eventually, ownStackEnv, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type WireEvent } from './events';
import {
  Collector,
  allTopics,
  createConfigTopics,
  expectRecoveredWithoutDeadLetters,
  produce,
  settle,
  startRouter,
  testConfig,
  type RunningRouter,
} from './harness';

/**
 * The registry stops during a run (a registry of this test's own, on its own small Kafka): the
 * router pauses, dead-letters nothing, reports not-ready, and delivers everything by itself once
 * the registry is back. And the registry answers that are not the event's fault (429, then 403,
 * from a proxy in front of it): the same pause, counted by status class, nothing dead-lettered.
 */
jest.setTimeout(240000);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-router-registry-'));
let env: NodeJS.ProcessEnv;
let registryUrl: string;
const config = testConfig({
  subscribers: ['all'],
  routes: [{ name: 'everything', match: {}, to: ['all'] }],
  partitions: 1,
  router: { retry: { initialMs: 100, maxMs: 1000 } },
});
const t = allTopics(config);
const kafka = testKafka();
let producer: Producer;
let collector: Collector;
let running: RunningRouter;

beforeAll(async () => {
  env = await ownStackEnv(home);
  registryUrl = (await up({ env })).endpoints.registryUrl;
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  collector = new Collector(kafka, [t.deliver('all'), t.dlq]);
  await collector.start();
  // The hub's Kafka and Redis are the shared ones; only the registry is this test's.
  running = await startRouter(config, {
    endpoints: { ...testEndpoints(), registryUrl, registry: { url: registryUrl } },
  });
});

afterAll(async () => {
  await running?.stop();
  await collector?.stop();
  await producer?.disconnect();
  await down({ env, purge: true }).catch(() => undefined);
  fs.rmSync(home, { recursive: true, force: true });
});

async function registryPid(): Promise<number> {
  const reg = (await status({ env })).find((p) => p.part === 'registry');
  if (!reg?.pid) throw new Error('the test registry has no pid');
  return reg.pid;
}

it('pauses while the registry is down, dead-letters nothing, and delivers everything after it returns', async () => {
  const make = (eventType: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => wireEvent(registryUrl, { eventType, siteId: 'us-chi' })));
  // Encoded now (schema ids registered), while the registry is up.
  const before = await make('OrderHoldPlaced', 5);
  const during: WireEvent[] = [
    ...(await make('InventoryAdjusted', 10)),
    ...(await make('OrderHoldPlaced', 5)),
  ];

  await produce(producer, t.ingress('us-chi'), before);
  await eventually(() => collector.get(t.deliver('all')).length >= 5, 'the first five routed');
  expect(running.router.ready()).toBe(true);

  const pid = await registryPid();
  process.kill(pid, 'SIGKILL');
  await eventually(
    async () => !(await status({ env })).find((p) => p.part === 'registry')?.up,
    'the test registry to be down',
  );

  // InventoryAdjusted's schema id is not cached yet: the router must wait for the registry.
  await produce(producer, t.ingress('us-chi'), during);
  await eventually(async () => !running.router.ready(), 'the router to report not ready');
  await settle(3000);
  expect(collector.get(t.dlq)).toEqual([]);
  expect(collector.get(t.deliver('all'))).toHaveLength(5);
  expect(
    await running.health.metrics.getSingleMetricAsString('crossdock_router_transient_retries_total'),
  ).toMatch(/dependency="registry"\} [1-9]/);

  await up({ env }); // the registry comes back (its state lives in its Kafka)
  await expectRecoveredWithoutDeadLetters(
    running,
    collector,
    { deliver: t.deliver('all'), dlq: t.dlq },
    [...before, ...during],
    'everything routed after the registry returned',
  );
});

it('holds events while the registry answers 429 and then 403, dead-letters nothing, routes all after', async () => {
  const proxy = await startRegistryProxy(registryUrl);
  const config2 = testConfig({
    subscribers: ['all'],
    routes: [{ name: 'everything', match: {}, to: ['all'] }],
    partitions: 1,
    router: { retry: { initialMs: 100, maxMs: 1000 } },
  });
  const t2 = allTopics(config2);
  await createConfigTopics(kafka, config2);
  const collector2 = new Collector(kafka, [t2.deliver('all'), t2.dlq]);
  await collector2.start();
  // A router of its own that reaches the registry only through the proxy, so no schema is cached.
  const refusing = await startRouter(config2, {
    endpoints: { ...testEndpoints(), registryUrl: proxy.url, registry: { url: proxy.url } },
  });
  try {
    const sent: WireEvent[] = [];
    for (const eventType of ['ShipmentConfirmed', 'InvoiceGenerated', 'OrderHoldReleased'])
      for (let i = 0; i < 4; i++) sent.push(await wireEvent(registryUrl, { eventType, siteId: 'us-dal' }));

    proxy.refuse(429, 1);
    await produce(producer, t2.ingress('us-dal'), sent);
    await eventually(() => (proxy.refused.get(429) ?? 0) >= 2, 'the router to meet the 429s');
    await eventually(async () => !refusing.router.ready(), 'the router to report not ready');
    proxy.refuse(403);
    await eventually(() => (proxy.refused.get(403) ?? 0) >= 2, 'the router to meet the 403s');
    await settle(1500);
    expect(collector2.get(t2.dlq)).toEqual([]);
    expect(collector2.get(t2.deliver('all'))).toEqual([]);
    const failures = await refusing.health.metrics.getSingleMetricAsString(
      'crossdock_router_registry_failures_total',
    );
    expect(failures).toMatch(/status="throttled"\} [1-9]/);
    expect(failures).toMatch(/status="auth"\} [1-9]/);

    proxy.refuse(undefined);
    await expectRecoveredWithoutDeadLetters(
      refusing,
      collector2,
      { deliver: t2.deliver('all'), dlq: t2.dlq },
      sent,
      'everything routed after the registry answered again',
    );
  } finally {
    await refusing.stop();
    await collector2.stop();
    await proxy.close();
  }
});
