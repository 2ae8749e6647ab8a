import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import type { HubConfig } from '../../../core/config';
import { topics } from '../../../core/names/topics';
import { loadConfigText } from '../../../hub';
import { createHealthServer, type HealthServer } from '../../../core/health';
import { createLogger, silentLogger } from '../../../core/logger';
import { createRouter, ensureTopics, type RouterComponent, type RouterOptions } from '../../../router';
import { eventually, randomName, testEndpoints } from '../../helpers/stack';
import type { WireEvent } from './events';

/** Shared set-up of the router integration tests: a config with random names, a router, readers. */

export const TEST_SITES = [
  { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } },
  { id: 'us-dal', name: 'Dallas', country: 'US', groups: ['south'], connector: { kind: 'sdk' } },
  { id: 'ca-tor', name: 'Toronto', country: 'CA', groups: ['north'], connector: { kind: 'sdk' } },
];

export interface TestConfigOptions {
  subscribers: string[];
  routes: unknown[];
  rules?: Record<string, unknown>;
  router?: Record<string, unknown>;
  partitions?: number;
}

/** A hub configuration with a random topic prefix and group id, through the real loader. */
export function testConfig(o: TestConfigOptions): HubConfig {
  const doc = {
    hub: {
      topicPrefix: randomName('t').replace(/-/g, ''),
      topics: { partitions: o.partitions ?? 2, replicationFactor: 1 },
      router: {
        groupId: randomName('router'),
        duplicateWindowSeconds: 3600,
        maxWaitTimeInMs: 50,
        retry: { initialMs: 100, maxMs: 1000 },
        ...o.router,
      },
    },
    sites: TEST_SITES,
    subscribers: o.subscribers.map((id) => ({ id, sink: { kind: 'kafka' } })),
    routes: o.routes,
    rules: o.rules ?? {},
  };
  return loadConfigText(stringify(doc));
}

export function configYaml(config: HubConfig): string {
  const { hub, sites, subscribers, routes, rules } = config;
  return stringify({ hub, sites, subscribers, routes, rules });
}

export interface RunningRouter {
  router: RouterComponent;
  health: HealthServer;
  stop(): Promise<void>;
}

export async function startRouter(
  config: HubConfig,
  extra: Partial<RouterOptions> = {},
): Promise<RunningRouter> {
  const health = createHealthServer(undefined, { defaultMetrics: false });
  const router = createRouter({
    config,
    endpoints: testEndpoints(),
    // Each instance's lines name it (a test may run several routers in one process).
    logger: process.env.ROUTER_TEST_LOG
      ? createLogger({ level: process.env.ROUTER_TEST_LOG, bindings: { router: randomName('r') } })
      : silentLogger(),
    health,
    redisPrefix: randomName('rt') + ':',
    sessionTimeoutMs: 6000,
    ...extra,
  });
  await router.start();
  return { router, health, stop: () => router.stop() };
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

function headerStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

/** A read_committed reader of some topics, from the beginning, collecting everything. */
export class Collector {
  readonly byTopic = new Map<string, Received[]>();
  /** Reader crashes (a failing test shows them). */
  readonly crashes: string[] = [];
  private consumer: Consumer;
  constructor(
    kafka: Kafka,
    private readonly topicList: string[],
    readUncommitted = false,
  ) {
    this.consumer = kafka.consumer({ groupId: randomName('reader'), readUncommitted, maxWaitTimeInMs: 100 });
    for (const t of topicList) this.byTopic.set(t, []);
  }
  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.crashes.push(String(e.payload.error));
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topicList, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({
        topic,
        partition,
        message,
      }: {
        topic: string;
        partition: number;
        message: KafkaMessage;
      }) => {
        this.byTopic.get(topic)!.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: headerStrings(message.headers),
        });
      },
    });
  }
  get(topic: string): Received[] {
    return this.byTopic.get(topic) ?? [];
  }
  count(): number {
    let n = 0;
    for (const l of this.byTopic.values()) n += l.length;
    return n;
  }
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Waits a little after the expected records arrived, so an extra copy would show up too. */
export function settle(ms = 2500): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function produce(
  producer: Producer,
  topic: string,
  messages: Array<{ key: string | Buffer | null; value: Buffer | null; headers?: IHeaders }>,
): Promise<void> {
  await producer.send({ topic, messages, acks: -1 });
}

export function allTopics(config: HubConfig): {
  dlq: string;
  unrouted: string;
  deliver: (s: string) => string;
  ingress: (s: string) => string;
} {
  const t = topics(config);
  return { dlq: t.dlqRouter, unrouted: t.unrouted, deliver: t.deliver, ingress: t.ingress };
}

/** The eventId of a delivered copy (from its ce_id header, which the tests always set). */
export function idsOf(list: Received[]): string[] {
  return list.map((r) => r.headers.ce_id ?? '?').sort();
}

/** Summary of one topic against the eventIds it must hold exactly once. */
export function exactlyOnce(
  list: Received[],
  want: readonly string[],
): {
  topic: string;
  expected: number;
  received: number;
  missing: number;
  duplicated: number;
  unexpected: number;
} {
  const counts = new Map<string, number>();
  for (const r of list) counts.set(r.headers.ce_id ?? '?', (counts.get(r.headers.ce_id ?? '?') ?? 0) + 1);
  const wantSet = new Set(want);
  return {
    topic: list[0]?.topic ?? '(empty)',
    expected: want.length,
    received: list.length,
    missing: want.filter((id) => !counts.has(id)).length,
    duplicated: [...counts.values()].filter((n) => n > 1).length,
    unexpected: [...counts.keys()].filter((id) => !wantSet.has(id)).length,
  };
}

/** Creates the configuration's topics (what `crossdock start` does) before readers subscribe. */
export async function createConfigTopics(kafka: Kafka, config: HubConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
}

/**
 * What an outage of a dependency (registry, Redis) must leave behind once it is over: every event
 * sent before and during it on the deliver topic exactly once, nothing dead-lettered, and the router
 * ready again.
 */
export async function expectRecoveredWithoutDeadLetters(
  running: RunningRouter,
  collector: Collector,
  topic: { deliver: string; dlq: string },
  sent: WireEvent[],
  what: string,
): Promise<void> {
  await eventually(() => collector.get(topic.deliver).length >= sent.length, what, 60000);
  await settle();
  expect(idsOf(collector.get(topic.deliver))).toEqual(
    sent.map((w) => w.event.metadata.eventId as string).sort(),
  );
  expect(collector.get(topic.dlq)).toEqual([]);
  expect(running.router.ready()).toBe(true);
}
