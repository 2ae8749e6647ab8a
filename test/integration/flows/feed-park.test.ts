import '../../helpers/integration-timeout';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { HubConfig } from '../../../core/config';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';
import type { FactSink, IngressFact } from '../../../flows';
import { createFlowTracker, type FlowTrackerComponent } from '../../../flows/component';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent } from '../router/events';
import { allTopics, createConfigTopics, testConfig } from '../router/harness';

/**
 * The feed while one partition waits for the router and another does not (flows/feed/feed.ts,
 * park()): the waiting partition is paused and its batch ends, so the other partition's later
 * records are fetched and handed on meanwhile. kafkajs fetches again only once every batch of a
 * fetch has returned, so a batch that waited inside eachBatch held every partition behind it.
 *
 * The router's decisions are its consumer group's committed offsets on the ingress topic (what
 * the feed's RouterHorizon reads); the test commits them itself, partition by partition, on the
 * real broker, in place of a router that cannot be told to decide one partition and not another.
 */
jest.setTimeout(120_000);

const config: HubConfig = testConfig({
  subscribers: ['erp'],
  routes: [{ name: 'orders', match: { eventTypes: ['Order*'] }, to: ['erp'] }],
  partitions: 2,
});
const t = allTopics(config);
const ingress = t.ingress('us-chi');
const redisPrefix = `${randomName('fp')}:`;
const facts: IngressFact[] = [];
const sink: FactSink = { onFacts: async (f) => void facts.push(...f) };
const handed = (partition: number) =>
  facts.filter((f) => f.partition === partition).map((f) => Number(f.offset));

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let tracker: FlowTrackerComponent;

async function publish(partition: number, n: number): Promise<void> {
  const messages = [];
  for (let i = 0; i < n; i++) {
    const w = await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 2 });
    messages.push({ key: w.key, value: w.value, headers: w.headers, partition });
  }
  await producer.send({ topic: ingress, acks: -1, messages });
}

/** What the router would commit once it has decided these partitions up to these offsets. */
async function routerDecided(upTo: Record<number, number>): Promise<void> {
  await admin.setOffsets({
    groupId: config.hub.router.groupId,
    topic: ingress,
    partitions: Object.entries(upTo).map(([p, o]) => ({ partition: Number(p), offset: String(o) })),
  });
}

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  await publish(0, 3);
  await publish(1, 3);
  tracker = createFlowTracker({
    config,
    endpoints: testEndpoints(),
    logger: silentLogger(),
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix,
    sinks: [sink],
    sessionTimeoutMs: 6000,
  });
  await tracker.start();
});

afterAll(async () => {
  await tracker?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
});

it('hands on a decided partition while another waits, fetch after fetch, and the waiting one once decided', async () => {
  await routerDecided({ 0: 0, 1: 3 });
  await eventually(() => handed(1).length === 3, 'partition 1’s first three records handed on');
  expect(handed(0)).toEqual([]);

  // Partition 0 still waits; partition 1 gets three more, decided: they need a later fetch.
  await publish(1, 3);
  await routerDecided({ 1: 6 });
  await eventually(() => handed(1).length === 6, 'partition 1’s next three records handed on');
  expect(handed(1)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(handed(0)).toEqual([]);
  // Partition 0's three records wait. A parked partition is fetched again after 5 s whatever the
  // router says (flows/feed/feed.ts, PARKED_MAX_MS), and between that resume and the fetch that
  // parks it again they are not counted: on a slow machine this step can fall in that gap.
  await eventually(() => tracker.undecided() === 3, 'partition 0’s three records counted as waiting');

  // Once the router has decided partition 0, its records come, once each, in order.
  await routerDecided({ 0: 3 });
  await eventually(() => handed(0).length === 3, 'partition 0’s records handed on');
  expect(handed(0)).toEqual([0, 1, 2]);
  expect(handed(1)).toEqual([0, 1, 2, 3, 4, 5]);
  await eventually(() => tracker.undecided() === 0, 'nothing left waiting');
});
