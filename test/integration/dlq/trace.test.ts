import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import type { HubComponent } from '../../../core/component';
import type { HubConfig } from '../../../core/config';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';
import { resolveRedisPrefix } from '../../../core/names/redis-keys';
import { topics } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import { createSchemaResolver } from '../../../core/registry';
import {
  createDlqServices,
  createReplayService,
  describeTrace,
  type DlqServices,
  type EventTrace,
  type ReplayService,
  type Tracer,
} from '../../../dlq';
import { hubComponents, loadConfigText } from '../../../hub';
import { ensureTopics } from '../../../router';
import { loadCatalog } from '../../../schemas';
import { startReceiver, type Receiver, type Reply } from '../delivery/helpers';
import { TEST_SITES } from '../router/harness';
import { wireEvent, type WireEvent } from '../router/events';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * `events trace` (issue #14, item 5) against the hub as `crossdock start` composes it
 * (hub/components.ts: router, three webhook connectors, the dead-letter indexer, the replay
 * runner) on the real Kafka, registry and Redis: one event is delivered to `ok`, in retry at
 * `busy` (503 with Retry-After: 1 h), dead-lettered at `strict` (400), then replayed there by a
 * real replay job and delivered; a second event of the same key is parked at `busy` behind the
 * first; an event the router rejects shows as rejected; an eventId nobody sent shows nothing.
 */
describe('events trace', () => {
  const prefix = randomName('trace').replace(/-/g, '');
  const redisPrefix = resolveRedisPrefix({ topicPrefix: prefix });
  const registryUrl = testEndpoints().registryUrl;
  let config: HubConfig;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let receivers: Record<'ok' | 'busy' | 'strict', Receiver>;
  // strict refuses (400) until it is fixed; then it holds each request until `release` is called.
  let strictFixed = false;
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const components: HubComponent[] = [];
  let dlq: DlqServices;
  let tracer: Tracer;
  let replay: ReplayService;

  beforeAll(async () => {
    receivers = {
      ok: await startReceiver(() => ({ status: 200 })),
      busy: await startReceiver(() => ({ status: 503, headers: { 'retry-after': '3600' } })),
      strict: await startReceiver(async (): Promise<Reply> =>
        strictFixed
          ? released.then(() => ({ status: 204 }))
          : { status: 400, body: 'holdReason is not accepted here' },
      ),
    };
    const http = (r: Receiver) => ({ kind: 'http', url: r.url, timeoutMs: 60_000 });
    config = loadConfigText(
      stringify({
        hub: {
          topicPrefix: prefix,
          topics: { partitions: 1, replicationFactor: 1 },
          router: { groupId: `${prefix}-router`, maxWaitTimeInMs: 50 },
        },
        sites: TEST_SITES,
        subscribers: [
          { id: 'ok', sink: http(receivers.ok) },
          {
            id: 'busy',
            sink: http(receivers.busy),
            delivery: {
              ordering: { mode: 'key' },
              retry: { maxAttempts: 50 },
              breaker: { failureThreshold: 1000 },
            },
          },
          { id: 'strict', sink: http(receivers.strict) },
        ],
        routes: [
          { name: 'holds', match: { eventTypes: ['OrderHoldPlaced'] }, to: ['ok', 'busy'] },
          { name: 'everything', match: {}, to: ['ok', 'strict'] },
        ],
      }),
    );
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    redis = createRedis({ url: testEndpoints().redisUrl, name: 'trace-test' });

    const deps = {
      endpoints: testEndpoints(),
      logger: silentLogger(),
      health: createHealthServer(undefined, { defaultMetrics: false }),
    };
    for (const c of hubComponents({ ...deps, config })) {
      await c.start();
      components.push(c);
    }
    // What the admin API works with: the store, the tracer, the replay service.
    dlq = createDlqServices({ ...deps, config: () => config });
    tracer = dlq.tracer;
    replay = createReplayService({
      redis,
      redisPrefix,
      store: dlq.store,
      config: () => config,
      resolver: createSchemaResolver(registryUrl),
      catalog: () => loadCatalog().entries,
    });
  });

  afterAll(async () => {
    release();
    for (const c of components.reverse()) await c.stop().catch(() => undefined);
    await dlq?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    for (const r of Object.values(receivers ?? {})) await r.close();
    // The retry entry waits an hour: leave nothing of this test in the shared Redis.
    if (redis) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
  });

  const hold = (o: { siteId?: string; orderId?: string } = {}): Promise<WireEvent> =>
    wireEvent(registryUrl, {
      eventType: 'OrderHoldPlaced',
      siteId: o.siteId ?? 'us-chi',
      ...(o.orderId ? { patch: (e) => (e.orderId = o.orderId) } : {}),
    });
  const idOf = (w: WireEvent) => w.event.metadata.eventId as string;
  const stateOf = (t: EventTrace, sub: string) => t.subscribers.find((s) => s.subscriber === sub)?.state;

  it('follows one event through delivery, retry, dead letter and replay; its next event of the key is parked', async () => {
    const a = await hold();
    const sentAt = Date.now();
    await producer.send({ topic: topics(config).ingress('us-chi'), acks: -1, messages: [a] });
    const A = idOf(a);

    // Delivered to ok, in retry at busy (its first attempt failed with 503 and Retry-After: 1 h),
    // dead-lettered at strict (400) once the indexer has read the dead letter.
    let t!: EventTrace;
    await eventually(
      async () => {
        t = await tracer.trace(A);
        return (
          stateOf(t, 'ok') === 'delivered' &&
          stateOf(t, 'busy') === 'in-retry' &&
          stateOf(t, 'strict') === 'dead-lettered'
        );
      },
      'A delivered, in retry and dead-lettered',
      60_000,
    );
    expect(t.accepted).toMatchObject({
      site: 'us-chi',
      topic: topics(config).ingress('us-chi'),
      partition: 0,
    });
    expect(t.accepted!.at).toBeGreaterThanOrEqual(sentAt - 1000);
    expect(t.accepted!.at).toBeLessThanOrEqual(Date.now());
    expect(t.routed).toEqual([
      { subscriber: 'ok', route: 'holds' },
      { subscriber: 'busy', route: 'holds' },
      { subscriber: 'strict', route: 'everything' },
    ]);
    expect(t.rejected).toBeUndefined();
    const busy = t.subscribers.find((s) => s.subscriber === 'busy')!;
    expect(busy).toMatchObject({ attempts: 1, lastCode: 'CD_E_DELIVERY_SERVER_ERROR' });
    const failedAt = receivers.busy.requests.find((r) => r.key === A)!.at;
    expect(busy.nextAttemptAt).toBeGreaterThanOrEqual(failedAt + 3_590_000);
    expect(busy.nextAttemptAt).toBeLessThanOrEqual(failedAt + 3_610_000);
    const strict = t.subscribers.find((s) => s.subscriber === 'strict')!;
    expect(strict.deadLetters).toEqual([
      {
        id: `${topics(config).dlqDeliver('strict')}:0:0`,
        code: 'CD_E_DELIVERY_REJECTED',
        at: expect.any(Number),
        state: 'new',
      },
    ]);
    expect(t.subscribers).toHaveLength(3);
    const text = describeTrace(t);
    expect(text).toContain(`routed    to ok (route holds), busy (route holds), strict (route everything)`);
    expect(text).toMatch(
      /busy\s+in retry: 1 attempt, next attempt \S+ \(in 60 min\), last CD_E_DELIVERY_SERVER_ERROR/,
    );
    expect(text).toMatch(/strict\s+dead-lettered: CD_E_DELIVERY_REJECTED/);

    // A second event of the same key waits behind A at busy (per-key ordering).
    const b = await hold({ orderId: a.event.orderId as string });
    expect(b.key).toBe(a.key);
    await producer.send({ topic: topics(config).ingress('us-chi'), acks: -1, messages: [b] });
    await eventually(
      async () => stateOf(await tracer.trace(idOf(b)), 'busy') === 'parked',
      'B parked at busy',
      60_000,
    );
    expect((await tracer.trace(idOf(b))).subscribers.find((s) => s.subscriber === 'busy')).toEqual({
      subscriber: 'busy',
      state: 'parked',
      attempts: 0,
      orderKey: a.key,
      waitingBehind: A,
    });
    expect(receivers.busy.requests.filter((r) => r.key === idOf(b))).toHaveLength(0);

    // The receiver is fixed and the operator replays A's dead letter (a real replay job): while
    // the copy is on its way (strict holds the request) A is replayed there; then delivered, with
    // the dead letter as its history.
    const letter = strict.deadLetters![0]!.id;
    expect(await replay.dryRun({ ids: [letter] })).toEqual([
      expect.objectContaining({ id: letter, eventId: A, outcome: 'deliver', subscribers: ['strict'] }),
    ]);
    strictFixed = true;
    const job = await replay.start({ ids: [letter] }, { by: 'trace-test' });
    await eventually(
      async () => stateOf((t = await tracer.trace(A)), 'strict') === 'replayed',
      'A replayed to strict, its copy held by the receiver',
      60_000,
    );
    expect(t.subscribers.find((s) => s.subscriber === 'strict')!.deadLetters).toEqual([
      { id: letter, code: 'CD_E_DELIVERY_REJECTED', at: expect.any(Number), state: 'replayed' },
    ]);
    expect(describeTrace(t)).toMatch(
      /strict\s+replayed: CD_E_DELIVERY_REJECTED .*replayed\); not delivered yet/,
    );
    release();
    await eventually(
      async () => stateOf(await tracer.trace(A), 'strict') === 'delivered',
      'A delivered to strict after the replay',
      60_000,
    );
    t = await tracer.trace(A);
    expect(t.subscribers.find((s) => s.subscriber === 'strict')).toEqual({
      subscriber: 'strict',
      state: 'delivered',
      deadLetters: [
        { id: letter, code: 'CD_E_DELIVERY_REJECTED', at: expect.any(Number), state: 'replayed' },
      ],
    });
    expect(stateOf(t, 'ok')).toBe('delivered');
    expect(stateOf(t, 'busy')).toBe('in-retry');
    expect(receivers.ok.requests.filter((r) => r.key === A)).toHaveLength(1);
    expect(receivers.strict.requests.filter((r) => r.key === A)).toHaveLength(2);
    await eventually(async () => (await replay.get(job.id))?.state === 'done', 'the replay job done', 30_000);
    expect(await replay.get(job.id)).toMatchObject({ total: 1, sent: 1 });
  });

  it('shows an event the router rejected, and nothing for an eventId nobody sent', async () => {
    // Published on us-dal's topic but saying it comes from us-chi: CD_E_SITE_MISMATCH.
    const c = await hold({ siteId: 'us-chi' });
    await producer.send({ topic: topics(config).ingress('us-dal'), acks: -1, messages: [c] });
    let t!: EventTrace;
    await eventually(
      async () => ((t = await tracer.trace(idOf(c))).rejected?.length ?? 0) > 0,
      'C rejected and indexed',
      60_000,
    );
    expect(t).toEqual({
      eventId: idOf(c),
      rejected: [
        {
          id: expect.stringMatching(new RegExp(`^${topics(config).dlqRouter.replace(/\./g, '\\.')}:0:\\d+$`)),
          code: 'CD_E_SITE_MISMATCH',
          at: expect.any(Number),
          state: 'new',
        },
      ],
      subscribers: [],
    });
    expect(describeTrace(t)).toMatch(/rejected {2}CD_E_SITE_MISMATCH at .* \(dead letter .*, new\)/);

    const nobody = crypto.randomUUID();
    expect(await tracer.trace(nobody)).toEqual({ eventId: nobody, subscribers: [] });
    await expect(tracer.trace('not an id')).rejects.toMatchObject({ code: 'CD_E_EVENT_ID_INVALID' });
  });
});
