import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Producer } from 'kafkajs';
import { freePort } from '../../../stack/proc';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent } from './events';
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
 * Redis (duplicate detection) stops during a run — a redis-server of this test's own: the router
 * pauses, dead-letters nothing, reports not-ready, and delivers everything once Redis is back.
 */
const config = testConfig({
  subscribers: ['all'],
  routes: [{ name: 'everything', match: {}, to: ['all'] }],
  partitions: 1,
  router: { retry: { initialMs: 100, maxMs: 1000 } },
});
const t = allTopics(config);
const kafka = testKafka();
let port: number;
let redisServer: ChildProcess | undefined;
let producer: Producer;
let collector: Collector;
let running: RunningRouter;

async function startRedisServer(): Promise<void> {
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
        s.on('error', () => resolve(false));
      }),
    'the test redis-server to listen',
  );
}

beforeAll(async () => {
  port = await freePort();
  await startRedisServer();
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  collector = new Collector(kafka, [t.deliver('all'), t.dlq]);
  await collector.start();
  running = await startRouter(config, {
    endpoints: {
      ...testEndpoints(),
      redisUrl: `redis://127.0.0.1:${port}`,
      redis: { url: `redis://127.0.0.1:${port}` },
    },
  });
});

afterAll(async () => {
  await running?.stop();
  await collector?.stop();
  await producer?.disconnect();
  redisServer?.kill('SIGKILL');
});

it('pauses while Redis is down, dead-letters nothing, and delivers everything after it returns', async () => {
  const make = (n: number) =>
    Promise.all(
      Array.from({ length: n }, () =>
        wireEvent(testEndpoints().registryUrl, { eventType: 'OrderHoldPlaced', siteId: 'us-chi' }),
      ),
    );
  const before = await make(5);
  const during = await make(10);
  await produce(producer, t.ingress('us-chi'), before);
  await eventually(() => collector.get(t.deliver('all')).length >= 5, 'the first five routed');

  redisServer!.kill('SIGKILL');
  await new Promise((r) => redisServer!.once('exit', r));
  await produce(producer, t.ingress('us-chi'), during);
  await eventually(() => !running.router.ready(), 'the router to report not ready');
  await settle(2000);
  expect(collector.get(t.dlq)).toEqual([]);
  expect(collector.get(t.deliver('all'))).toHaveLength(5);
  expect(
    await running.health.metrics.getSingleMetricAsString('crossdock_router_transient_retries_total'),
  ).toMatch(/dependency="redis"\} [1-9]/);

  await startRedisServer();
  await expectRecoveredWithoutDeadLetters(
    running,
    collector,
    { deliver: t.deliver('all'), dlq: t.dlq },
    [...before, ...during],
    'everything routed after Redis returned',
  );
});
