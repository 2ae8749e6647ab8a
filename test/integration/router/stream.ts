import type { Kafka, Producer } from 'kafkajs';
import type { HubConfig } from '../../../core/config';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type WireEvent } from './events';
import {
  Collector,
  allTopics,
  createConfigTopics,
  exactlyOnce,
  settle,
  testConfig,
  type RunningRouter,
} from './harness';

/**
 * The stream the crash and rebalance tests push through the router: OrderReleased and
 * InventoryAdjusted from three sites; `orders` fans OrderReleased out to a and b, `all` sends
 * everything to c.
 */
export function streamConfig(partitions = 6): HubConfig {
  return testConfig({
    subscribers: ['a', 'b', 'c'],
    routes: [
      { name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['a', 'b'] },
      { name: 'all', match: {}, to: ['c'] },
    ],
    partitions,
    router: { duplicateWindowSeconds: 900 },
  });
}

const SITES = ['us-chi', 'us-dal', 'ca-tor'];

export async function makeStream(n: number): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await wireEvent(testEndpoints().registryUrl, {
        eventType: i % 2 ? 'InventoryAdjusted' : 'OrderReleased',
        siteId: SITES[i % SITES.length]!,
        seed: i,
      }),
    );
  }
  return out;
}

/** Produces in chunks, calling between() after each (to kill or start routers mid-stream). */
export async function produceStream(
  producer: Producer,
  config: HubConfig,
  events: WireEvent[],
  chunk: number,
  between: (sent: number) => Promise<void>,
): Promise<void> {
  const t = allTopics(config);
  for (let i = 0; i < events.length; i += chunk) {
    const part = events.slice(i, i + chunk);
    const bySite = new Map<string, WireEvent[]>();
    for (const e of part) {
      const s = e.event.metadata.siteId as string;
      bySite.set(s, [...(bySite.get(s) ?? []), e]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...bySite].map(([site, list]) => ({
        topic: t.ingress(site),
        messages: list.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
      })),
    });
    await between(i + part.length);
  }
}

export function expectedIds(events: WireEvent[]): { a: string[]; b: string[]; c: string[] } {
  const orders = events
    .filter((e) => e.event.metadata.eventType === 'OrderReleased')
    .map((e) => e.event.metadata.eventId as string);
  return { a: orders, b: orders, c: events.map((e) => e.event.metadata.eventId as string) };
}

/** What the stream tests share: the config, its topics, a producer, a reader, the routers started. */
export interface StreamFixture {
  config: HubConfig;
  t: ReturnType<typeof allTopics>;
  kafka: Kafka;
  producer: Producer;
  collector: Collector;
  /** Routers the test started in-process: stopped after the tests. */
  routers: RunningRouter[];
}

/**
 * Registers the shared set-up of a stream test (call at the top level of its file): a 6-partition
 * stream config with its topics, a producer, and a read_committed reader of a, b, c and the DLQ;
 * afterwards the routers in `routers` are stopped and the clients closed.
 */
export function useStreamFixture(): StreamFixture {
  const config = streamConfig(6);
  const fx = {
    config,
    t: allTopics(config),
    kafka: testKafka(),
    routers: [] as RunningRouter[],
  } as StreamFixture;
  beforeAll(async () => {
    fx.producer = fx.kafka.producer();
    await fx.producer.connect();
    await createConfigTopics(fx.kafka, config);
    fx.collector = new Collector(fx.kafka, ['a', 'b', 'c'].map(fx.t.deliver).concat(fx.t.dlq));
    await fx.collector.start();
  });
  afterAll(async () => {
    for (const r of fx.routers) await r.stop();
    await fx.collector?.stop();
    await fx.producer?.disconnect();
  });
  return fx;
}

/**
 * Waits until every event reached c, lets late copies arrive, then checks that each subscribed
 * topic holds each of its events exactly once and that nothing was dead-lettered.
 */
export async function expectStreamExactlyOnce(
  fx: StreamFixture,
  events: WireEvent[],
  timeoutMs = 90000,
): Promise<void> {
  const want = expectedIds(events);
  await eventually(
    () => fx.collector.get(fx.t.deliver('c')).length >= events.length,
    `${events.length} events on c`,
    timeoutMs,
  );
  await settle(3000);
  for (const s of ['a', 'b', 'c'] as const) {
    const r = exactlyOnce(fx.collector.get(fx.t.deliver(s)), want[s]);
    expect(r).toEqual({ ...r, received: want[s].length, missing: 0, duplicated: 0, unexpected: 0 });
  }
  expect(fx.collector.get(fx.t.dlq)).toEqual([]);
}

/** Sum of a prom-client counter's values, or of those with `label` among their label values. */
export async function metricSum(
  counter: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
  label?: string,
): Promise<number> {
  return (await counter.get()).values
    .filter((v) => label === undefined || Object.values(v.labels).includes(label))
    .reduce((n, v) => n + v.value, 0);
}
