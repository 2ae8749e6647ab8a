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
 * Partitions that move while the old owner's commits are in flight. Each transaction of the first
 * instance pauses 4 s between passing the partition fence and its EndTxn, so when the second
 * instance joins, and again when the first leaves, commits are under way: the new owner must wait
 * for them before it reads the committed offsets. The first leaves while one of its transactions
 * has passed the fence; the second takes every partition, reads that one from the last commit
 * before it and so must wait (the rebalance takes less than the pause). kafkajs alone (no KIP-447, and eachBatch
 * returning before its commit) routes those batches twice: with the fence disabled this test saw
 * 26 to 33 duplicates per run.
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

const total = async (
  c: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
  label: string,
) =>
  (await c.get()).values
    .filter((v) => Object.values(v.labels).includes(label))
    .reduce((n, v) => n + v.value, 0);

it('keeps exactly-once when partitions move while commits are in flight', async () => {
  const events = await makeStream(2000);
  const want = expectedIds(events);
  const keyPrefix = `inflight-${Date.now()}:`;
  let inCommit = 0;
  const slowCommit = async () => {
    inCommit++;
    await new Promise<void>((r) => setTimeout(r, 4000));
    inCommit--;
  };
  routers.push(await startRouter(config, { keyPrefix, beforeCommit: slowCommit }));
  let second = false;
  let firstStopped = false;
  await produceStream(producer, config, events, 200, async (sent) => {
    if (sent >= 600 && !second) {
      second = true;
      routers.push(await startRouter(config, { keyPrefix, fenceAfterMs: 30_000 })); // B joins while A commits
    }
    if (sent >= 1400 && !firstStopped) {
      firstStopped = true;
      // A leaves while a transaction of its own has passed the fence and not committed yet.
      await eventually(() => inCommit > 0, 'a commit of the first instance under way', 30000);
      await routers[0]!.stop();
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
  // The fence acted: a new owner waited for a commit in flight, or a late commit was refused.
  let acted = 0;
  for (const r of routers) {
    acted += await total(r.router.metrics.claims, 'holder');
    acted += await total(r.router.metrics.transactions, 'fenced');
  }
  expect(acted).toBeGreaterThan(0);
});
