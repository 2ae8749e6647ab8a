import '../../helpers/integration-timeout';
import type { Producer } from 'kafkajs';
import { unframe } from '../../../core/avro';
import { createRedis, type Redis } from '../../../core/redis';
import { createDeduper, originOf, payloadHash } from '../../../router/dedupe';
import { routerKeys } from '../../../router/keys';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent } from './events';
import {
  Collector,
  allTopics,
  idsOf,
  produce,
  settle,
  startRouter,
  testConfig,
  type RunningRouter,
} from './harness';

/**
 * Duplicates (same eventId, same payload: dropped and counted), conflicts (same eventId, other
 * payload: DLQ), and the crash window: a "seen" mark left by an attempt whose transaction never
 * committed must not turn the re-read of the same offset into a duplicate.
 */
const config = testConfig({
  subscribers: ['all'],
  routes: [{ name: 'everything', match: {}, to: ['all'] }],
  partitions: 1,
});
const t = allTopics(config);
const kafka = testKafka();
const redisPrefix = `${randomName('dedupe')}:`;
const registryUrl = testEndpoints().registryUrl;
let producer: Producer;
let running: RunningRouter;
let collector: Collector;
let redis: Redis;

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  redis = createRedis({ url: testEndpoints().redisUrl });
  running = await startRouter(config, { redisPrefix });
  collector = new Collector(kafka, [t.deliver('all'), t.dlq]);
  await collector.start();
});

afterAll(async () => {
  await collector?.stop();
  await running?.stop();
  await producer?.disconnect();
  redis?.disconnect();
});

it('drops a re-published duplicate, dead-letters a conflicting payload, and treats a re-read of the same offset as the same attempt', async () => {
  // The crash window: an attempt at offset 0 of us-dal marked the event, then died before its
  // transaction committed. The re-read of that offset must be routed, not dropped.
  const crashed = await wireEvent(registryUrl, { eventType: 'OrderHoldPlaced', siteId: 'us-dal' });
  const deduper = createDeduper(redis, routerKeys(redisPrefix), 3600);
  expect(
    await deduper.check([
      {
        eventId: crashed.event.metadata.eventId,
        hash: payloadHash(unframe(crashed.value)!.payload),
        origin: originOf(t.ingress('us-dal'), 0, '0'),
      },
    ]),
  ).toEqual(['new']);
  await produce(producer, t.ingress('us-dal'), [crashed]);

  const dup = await wireEvent(registryUrl, { eventType: 'OrderHoldPlaced', siteId: 'us-chi' });
  const first = await wireEvent(registryUrl, { eventType: 'OrderHoldPlaced', siteId: 'us-chi' });
  const conflicting = await wireEvent(registryUrl, {
    eventType: 'OrderHoldPlaced',
    siteId: 'us-chi',
    eventId: first.event.metadata.eventId,
    patch: (e) => (e.orderId = first.event.orderId),
  });
  expect(conflicting.value.equals(first.value)).toBe(false);
  await produce(producer, t.ingress('us-chi'), [dup]);
  await produce(producer, t.ingress('us-chi'), [dup, first]); // the same bytes again, in a later batch and in the same one
  await produce(producer, t.ingress('us-chi'), [conflicting, dup]);
  await produce(producer, t.ingress('us-dal'), [crashed]); // now a true duplicate: another offset

  const id = (w: { event: Record<string, any> }) => w.event.metadata.eventId as string; // eslint-disable-line @typescript-eslint/no-explicit-any
  await eventually(
    () => collector.get(t.deliver('all')).length >= 3 && collector.get(t.dlq).length >= 1,
    'three routed, one conflict',
  );
  await settle();
  expect(idsOf(collector.get(t.deliver('all')))).toEqual([id(crashed), id(dup), id(first)].sort());
  const dlq = collector.get(t.dlq);
  expect(dlq).toHaveLength(1);
  expect(dlq[0]!.headers).toMatchObject({
    'cd-error-code': 'CD_E_DUPLICATE_CONFLICT',
    'cd-error-stage': 'router.dedupe',
    ce_id: id(first),
  });
  expect(dlq[0]!.value!.equals(conflicting.value)).toBe(true);
  const dups = await running.health.metrics.getSingleMetricAsString('crossdock_router_duplicates_total');
  expect(dups).toMatch(/site="us-chi",type="OrderHoldPlaced"\} 2/);
  expect(dups).toMatch(/site="us-dal",type="OrderHoldPlaced"\} 1/);
});
