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
 * Commits that stay stuck after passing the partition fence while their partitions move (a second
 * instance joins, then the stuck one leaves): the new owner does not wait for the marks to expire
 * but fences the stuck instance's transactional ids (InitProducerId), which aborts those
 * transactions; their commits then fail. Every event still reaches each subscribed topic exactly
 * once.
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

const sum = async (
  c: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
  label: string,
) =>
  (await c.get()).values
    .filter((v) => Object.values(v.labels).includes(label))
    .reduce((n, v) => n + v.value, 0);

it('fences a stuck commit of another instance and keeps exactly-once', async () => {
  const events = await makeStream(1200);
  const want = expectedIds(events);
  const keyPrefix = `stuck-${Date.now()}:`;
  let stuck = false;
  let inCommit = 0;
  routers.push(
    await startRouter(config, {
      keyPrefix,
      beforeCommit: async () => {
        if (!stuck) return;
        inCommit++;
        await new Promise((r) => setTimeout(r, 12_000));
        inCommit--;
      },
    }),
  );
  // Everything but the last 200 events flows normally.
  await produceStream(producer, config, events.slice(0, 1000), 250, async () => undefined);
  await eventually(() => collector.get(t.deliver('c')).length >= 1000, '1000 events on c', 60000);
  // The last 200 arrive in one request (one batch per partition) and their commits get stuck.
  stuck = true;
  await produceStream(producer, config, events.slice(1000), 200, async () => undefined);
  await eventually(() => inCommit > 0, 'a stuck commit of the first instance', 30000);
  stuck = false; // only the commits under way stay stuck
  // The second instance joins (it may take a stuck partition already), then the first leaves:
  // the second takes every partition, so it meets the stuck commits' marks and fences them.
  routers.push(await startRouter(config, { keyPrefix, fenceAfterMs: 500 }));
  const leaving = routers[0]!.stop();
  await eventually(
    () => collector.get(t.deliver('c')).length >= events.length,
    `${events.length} events on c`,
    90000,
  );
  await leaving;
  await settle(3000);
  for (const s of ['a', 'b', 'c'] as const) {
    const r = exactlyOnce(collector.get(t.deliver(s)), want[s]);
    expect(r).toEqual({ ...r, received: want[s].length, missing: 0, duplicated: 0, unexpected: 0 });
  }
  expect(collector.get(t.dlq)).toEqual([]);
  expect(await sum(routers[1]!.router.metrics.claims, 'fenced')).toBeGreaterThan(0);
});
