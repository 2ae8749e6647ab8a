import '../../helpers/integration-timeout';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { down, status, up } from '../../../stack';
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
 * the registry is back.
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
  running = await startRouter(config, { endpoints: { ...testEndpoints(), registryUrl } });
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
