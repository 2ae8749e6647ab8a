import '../../helpers/integration-timeout';
import type { Producer } from 'kafkajs';
import { eventually, testKafka } from '../../helpers/stack';
import {
  Collector,
  allTopics,
  createConfigTopics,
  exactlyOnce,
  settle,
  startRouter,
  type RunningRouter,
} from './harness';
import { expectedIds, makeStream, produceStream, streamConfig } from './stream';

/**
 * Two router instances in one group, with a rebalance when the second joins and another when the
 * first leaves, during a stream: each event is in each subscribed topic exactly once.
 */
const config = streamConfig(6);
const t = allTopics(config);
const kafka = testKafka();
let producer: Producer;
let collector: Collector;
const routers: RunningRouter[] = [];

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  collector = new Collector(kafka, ['a', 'b', 'c'].map(t.deliver).concat(t.dlq));
  await collector.start();
});

afterAll(async () => {
  for (const r of routers) await r.stop();
  await collector?.stop();
  await producer?.disconnect();
});

it('keeps exactly-once fan-out through two rebalances', async () => {
  const events = await makeStream(3000);
  const want = expectedIds(events);
  const keyPrefix = `rebalance-${Date.now()}:`;
  routers.push(await startRouter(config, { keyPrefix }));
  let second = false;
  let firstStopped = false;
  await produceStream(producer, config, events, 250, async (sent) => {
    if (sent >= 750 && !second) {
      second = true;
      routers.push(await startRouter(config, { keyPrefix })); // rebalance 1: B joins
    }
    if (sent >= 2000 && !firstStopped) {
      firstStopped = true;
      await routers[0]!.stop(); // rebalance 2: A leaves mid-stream
    }
  });
  await eventually(
    () => collector.get(t.deliver('c')).length >= events.length,
    `${events.length} events on c`,
    90000,
  );
  await settle(3000);
  for (const s of ['a', 'b', 'c'] as const) {
    const r = exactlyOnce(collector.get(t.deliver(s)), want[s]);
    expect(r).toEqual({ ...r, received: want[s].length, missing: 0, duplicated: 0, unexpected: 0 });
  }
  expect(collector.get(t.dlq)).toEqual([]);
  // Both instances did part of the work.
  const routed = async (r: RunningRouter) =>
    (await r.router.metrics.routed.get()).values.reduce((n, v) => n + v.value, 0);
  expect(await routed(routers[0]!)).toBeGreaterThan(0);
  expect(await routed(routers[1]!)).toBeGreaterThan(0);
});
