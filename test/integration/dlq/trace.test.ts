import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import { sinkConnectorComponent } from '../../../connectors/sinks';
import type { HubComponent } from '../../../core/component';
import type { HubConfig } from '../../../core/config';
import { REPLAY_HEADERS } from '../../../core/dead-letters';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';
import { resolveRedisPrefix } from '../../../core/names/redis-keys';
import { topics } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import {
  createDlqServices,
  describeTrace,
  dlqIndexerComponent,
  type DlqServices,
  type EventTrace,
  type Tracer,
} from '../../../dlq';
import { loadConfigText } from '../../../hub';
import { ensureTopics } from '../../../router';
import { startReceiver, type Receiver } from '../delivery/helpers';
import { TEST_SITES, startRouter, type RunningRouter } from '../router/harness';
import { wireEvent, type WireEvent } from '../router/events';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * `events trace` (issue #14, item 5) against the real router, three webhook connectors, the
 * dead-letter indexer, Kafka, the registry and Redis: one event is delivered to `ok`, in retry at
 * `busy` (503 with Retry-After: 1 h), dead-lettered at `strict` (400), then replayed there and
 * delivered; a second event of the same key is parked at `busy` behind the first; an event the
 * router rejects shows as rejected; an eventId nobody sent shows nothing.
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
  let router: RunningRouter;
  let receivers: Record<'ok' | 'busy' | 'strict', Receiver>;
  let strictFixed = false;
  const components: HubComponent[] = [];
  let dlq: DlqServices;
  let tracer: Tracer;

  beforeAll(async () => {
    receivers = {
      ok: await startReceiver(() => ({ status: 200 })),
      busy: await startReceiver(() => ({ status: 503, headers: { 'retry-after': '3600' } })),
      strict: await startReceiver(() =>
        strictFixed ? { status: 204 } : { status: 400, body: 'holdReason is not accepted here' },
      ),
    };
    const http = (r: Receiver) => ({ kind: 'http', url: r.url, timeoutMs: 2000 });
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
    router = await startRouter(config, { redisPrefix });
    for (const s of config.subscribers)
      components.push(sinkConnectorComponent(s, deps, { topicPrefix: prefix }));
    components.push(dlqIndexerComponent({ ...deps, config: () => config }));
    for (const c of components) await c.start();
    dlq = createDlqServices({ ...deps, config: () => config });
    tracer = dlq.tracer;
  });

  afterAll(async () => {
    for (const c of components.reverse()) await c.stop().catch(() => undefined);
    await router?.stop();
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

    // The operator replays A's dead letter to strict (the state as a replay job sets it), and the
    // receiver is fixed: replayed until the copy is delivered, then delivered with its history.
    const letter = strict.deadLetters![0]!.id;
    const now = Date.now();
    await dlq.store.applyState(letter, { state: 'replaying', by: 'trace-test', at: now });
    await dlq.store.applyState(letter, { state: 'replayed', replay: 'job-1', by: 'trace-test', at: now });
    t = await tracer.trace(A);
    expect(stateOf(t, 'strict')).toBe('replayed');
    expect(describeTrace(t)).toMatch(
      /strict\s+replayed: CD_E_DELIVERY_REJECTED .*replayed\); not delivered yet/,
    );
    strictFixed = true;
    const payload = (await dlq.store.payload(letter))!;
    await producer.send({
      topic: topics(config).deliver('strict'),
      acks: -1,
      messages: [
        {
          key: payload.key,
          value: payload.value,
          headers: {
            ...Object.fromEntries(Object.entries(payload.headers).filter(([k]) => !k.startsWith('cd-'))),
            [REPLAY_HEADERS.of]: letter,
            [REPLAY_HEADERS.count]: '1',
            [REPLAY_HEADERS.id]: 'job-1',
          },
        },
      ],
    });
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
