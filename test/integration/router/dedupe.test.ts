import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { Producer } from 'kafkajs';
import { unframe } from '../../../core/avro';
import { createRedis, type Redis } from '../../../core/redis';
import { createDeduper, originOf, parseSeenMark, payloadHash } from '../../../router/dedupe';
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
        route: { subscribers: ['all'], routeOf: { all: 'everything' } },
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

  // The mark of the first sighting: where, when and to whom (the conflict and the duplicates left it as it was).
  const mark = parseSeenMark((await redis.get(routerKeys(redisPrefix).seen(id(first))))!);
  expect(mark).toMatchObject({
    hash: payloadHash(unframe(first.value)!.payload),
    origin: { topic: t.ingress('us-chi'), partition: 0 },
    routed: [{ subscriber: 'all', route: 'everything' }],
  });
  expect(mark!.firstSeenAt).toBeGreaterThan(Date.now() - 120_000);
  expect(mark!.firstSeenAt).toBeLessThanOrEqual(Date.now());
});

it('reads marks of the first layout ("<hash> <origin>"), and writes the time and routes only on a first sighting', async () => {
  const keys = routerKeys(redisPrefix);
  const clock = { now: () => 1_700_000_000_000 };
  const deduper = createDeduper(redis, keys, 3600, clock);
  const route = { subscribers: ['a', 'b'], routeOf: { a: 'r1', b: 'r2' } };
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const origin = originOf(t.ingress('us-dal'), 2, '41');
  for (const eventId of ids) await redis.set(keys.seen(eventId), `h0 ${origin}`, 'EX', 600);
  expect(
    await deduper.check([
      { eventId: ids[0]!, hash: 'other', origin, route }, // same origin: whatever the hash
      { eventId: ids[1]!, hash: 'h0', origin: originOf(t.ingress('us-dal'), 2, '42'), route },
      { eventId: ids[2]!, hash: 'h1', origin: originOf(t.ingress('us-dal'), 2, '43'), route },
    ]),
  ).toEqual(['same-attempt', 'duplicate', 'conflict']);
  for (const eventId of ids) expect(await redis.get(keys.seen(eventId))).toBe(`h0 ${origin}`);

  // A new mark, then the three answers against it.
  const fresh = crypto.randomUUID();
  expect(await deduper.check([{ eventId: fresh, hash: 'h2', origin, route }])).toEqual(['new']);
  expect(await redis.get(keys.seen(fresh))).toBe(`h2 ${origin} 1700000000000 a=r1,b=r2`);
  expect(await redis.ttl(keys.seen(fresh))).toBeGreaterThan(3500);
  expect(
    await deduper.check([
      { eventId: fresh, hash: 'h9', origin, route: { subscribers: [], routeOf: {} } },
      { eventId: fresh, hash: 'h2', origin: originOf(t.ingress('us-dal'), 2, '44'), route },
      { eventId: fresh, hash: 'h3', origin: originOf(t.ingress('us-dal'), 2, '45'), route },
    ]),
  ).toEqual(['same-attempt', 'duplicate', 'conflict']);
  expect(await redis.get(keys.seen(fresh))).toBe(`h2 ${origin} 1700000000000 a=r1,b=r2`);

  // Routed to nobody: no last field.
  const unrouted = crypto.randomUUID();
  await deduper.check([{ eventId: unrouted, hash: 'h4', origin, route: { subscribers: [], routeOf: {} } }]);
  expect(await redis.get(keys.seen(unrouted))).toBe(`h4 ${origin} 1700000000000`);
  expect(
    await deduper.check([
      { eventId: unrouted, hash: 'h4', origin: originOf(t.ingress('us-dal'), 2, '46'), route },
    ]),
  ).toEqual(['duplicate']);
});
