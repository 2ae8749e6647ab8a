import crypto from 'node:crypto';
import type { Cluster } from 'ioredis';
import { systemClock } from '../../../core/clock';
import { isCrossdockError } from '../../../core/errors';
import { deliveryKeys, routerKeys } from '../../../core/names/redis-keys';
import { isCluster, type RedisClient } from '../../../core/redis';
import { scanMatching } from '../../../core/redis-scan';
import { keySlot } from '../../../core/redis-slot';
import {
  checkRedisDurability,
  readRedisPersistence,
  durabilityProblems,
} from '../../../hub/redis-durability';
import { silentLogger } from '../../../core/logger';
import { createIngestState } from '../../../connectors/sources/http/state';
import { createDeadLetterStore } from '../../../dlq/store';
import { createFlowStore } from '../../../flows/engine/store';
import { createPartitionFence } from '../../../router/fence';
import { letter } from '../../unit/dlq/fakes';
import { inspectDeliveries } from '../../../retry/inspect';
import { scriptRunner } from '../../../retry/scripts';
import { createDeliveryState, type RetryEntry } from '../../../retry/state';
import { createDeduper, originOf } from '../../../router/dedupe';
import { upRedisCluster } from '../../../stack';
import { startTestCluster, type TestCluster } from '../../helpers/test-cluster';

/**
 * The delivery layer's Redis state on a real Redis Cluster: 3 primaries and 3 replicas with AOF,
 * started by this file through the stack's own code (`upRedisCluster`, what `crossdock stack up
 * --redis-cluster` runs) on a home and ports of its own (test/helpers/test-cluster.ts:
 * CROSSDOCK_TEST_CLUSTER_PORT, default 17301-17306), never the shared stack's. Needs redis-server
 * and redis-cli only (no Kafka), so it runs in the default `npm test`; `npm run test:scale` runs
 * it alone.
 */
const prefix = `scale-${crypto.randomBytes(3).toString('hex')}:`;

function entry(eventId: string): RetryEntry;
function entry(eventId: string, orderKey: string): RetryEntry & { orderKey: string };
function entry(eventId: string, orderKey?: string): RetryEntry {
  return {
    eventId,
    topic: 'cd.delivery.central-erp',
    partition: 0,
    offset: '1',
    key: Buffer.from(orderKey ?? 'k'),
    value: Buffer.from(`body of ${eventId}`),
    headers: { ce_id: Buffer.from(eventId) },
    attempts: 1,
    ...(orderKey !== undefined ? { orderKey } : {}),
  };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isCrossdockError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

describe('Redis Cluster: the delivery state on 3 primaries + 3 replicas (own cluster, AOF)', () => {
  let cluster: TestCluster | undefined;
  let redis: RedisClient;

  beforeAll(async () => {
    cluster = await startTestCluster({
      offset: 0,
      tmpPrefix: 'cd-scale-',
      name: 'crossdock-scale-test',
      failFast: true,
    });
    redis = cluster.redis;
    expect(cluster.endpoints.redisUrl).toBe(cluster.url);
    expect(cluster.endpoints.redis.cluster?.seeds).toHaveLength(6);
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('the client is a Cluster with three primaries, each node persisting with AOF and noeviction', async () => {
    expect(isCluster(redis)).toBe(true);
    expect((redis as Cluster).nodes('master')).toHaveLength(3);
    const facts = await readRedisPersistence(redis);
    expect(facts.readable).toBe(true);
    expect(facts.readable && durabilityProblems(facts)).toEqual([]);
  });

  it('the start-up durability check reads every node and lets the hub start', async () => {
    const endpoints = (await upRedisCluster({ env: cluster!.env })).endpoints;
    const verdict = await checkRedisDurability({
      redis: endpoints.redis,
      durability: 'required',
      logger: silentLogger(),
      timeoutMs: 20_000,
    });
    expect(verdict).toEqual({ action: 'start', basis: 'checked', problems: [] });
  });

  it('rate limit and the shared concurrency cap hold on the subscriber slot', async () => {
    const keys = deliveryKeys(prefix, 'customer-notifications');
    const s = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a', finishDelayMs: 0 });
    const rate = { ratePerSecond: 1, burst: 1, sharedConcurrency: 0 };
    expect(await s.admit('ev-rl-1', rate)).toEqual({ kind: 'admitted' });
    expect((await s.admit('ev-rl-2', rate)).kind).toBe('rate-limited');
    const cap = { ratePerSecond: 0, burst: 1, sharedConcurrency: 1 };
    const other = createDeliveryState({
      redis,
      keys: deliveryKeys(prefix, 'analytics'),
      clock: systemClock,
      owner: 'a',
    });
    expect(await other.admit('ev-c-1', cap)).toEqual({ kind: 'admitted' });
    expect(await other.admit('ev-c-2', cap)).toEqual({ kind: 'at-capacity' });
  });

  it('HTTP ingest state (replay marks, quota, Idempotency-Key) of a site', async () => {
    const ingest = createIngestState(redis, prefix);
    expect(await ingest.markSignature('us-chi', 'sig-1', 60_000)).toBe(true);
    expect(await ingest.markSignature('us-chi', 'sig-1', 60_000)).toBe(false);
    expect((await ingest.takeQuota('us-chi', 5, 6, 60_000)).ok).toBe(true);
    expect((await ingest.takeQuota('us-chi', 5, 6, 60_000)).ok).toBe(false);
    expect(await ingest.beginIdempotent('us-chi', 'idem-1', 'h', 60_000)).toEqual({ claimed: true });
    expect((await ingest.beginIdempotent('us-chi', 'idem-1', 'h', 60_000)).claimed).toBe(false);
  });

  it('dead-letter index: index, read back, group, and clear (SCAN of its tag per primary)', async () => {
    const store = createDeadLetterStore({ redis, redisPrefix: prefix });
    const id = 'x.dlq.deliver.erp:0:7';
    expect(
      await store.index(letter(id), { key: Buffer.from('k'), value: Buffer.from('v'), headers: {} }),
    ).toBe(true);
    expect((await store.get(id))?.code).toBe('CD_E_DELIVERY_REJECTED');
    expect((await store.groups()).length).toBe(1);
    expect(await store.size()).toBe(1);
    await store.clear();
    expect(await store.size()).toBe(0);
  });

  it('idempotency: a key claimed by one instance is leased to a second, done after finish', async () => {
    const keys = deliveryKeys(prefix, 'central-erp');
    const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };
    const a = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a', finishDelayMs: 0 });
    const b = createDeliveryState({ redis, keys, clock: systemClock, owner: 'b', finishDelayMs: 0 });
    expect(await a.admit('ev-1', limits)).toEqual({ kind: 'admitted' });
    expect((await b.admit('ev-1', limits)).kind).toBe('leased');
    await a.finish('ev-1', 'done');
    expect(await b.admit('ev-1', limits)).toEqual({ kind: 'already-done' });
    expect(await a.admitMany(['ev-2', 'ev-3', 'ev-1'], limits)).toEqual([
      { kind: 'admitted' },
      { kind: 'admitted' },
      { kind: 'already-done' },
    ]);
  });

  it('retry: an entry scheduled in the past is read back due, and leaves on complete', async () => {
    const keys = deliveryKeys(prefix, 'finance');
    const s = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a' });
    expect(await s.schedule(entry('ev-r1'), Date.now() - 1)).toBe('due');
    expect(await s.schedule(entry('ev-r2'), Date.now() + 60_000)).toBe('due');
    expect(await s.counts()).toEqual({ scheduled: 2, held: 2 });
    const claimed = await s.claimDue(10, 5_000);
    expect(claimed.map((e) => e.eventId)).toEqual(['ev-r1']);
    expect(claimed[0]!.value.toString()).toBe('body of ev-r1');
    expect(await s.complete(claimed[0]!, 'delivered')).toBeNull();
    expect(await s.counts()).toEqual({ scheduled: 1, held: 1 });
  });

  it('ordering: an event parked behind its key is made due when the head is delivered', async () => {
    const keys = deliveryKeys(prefix, 'tms');
    const s = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a' });
    const head = entry('ev-h', 'order-42');
    expect(await s.schedule(head, Date.now() - 1)).toBe('due');
    expect(await s.park(entry('ev-p', 'order-42'))).toBe('parked');
    expect(await s.park(entry('ev-free', 'order-43'))).toBe('free');
    const [claimed] = await s.claimDue(10, 5_000);
    expect(claimed?.eventId).toBe('ev-h');
    expect(await s.complete(claimed!, 'delivered')).toBe('ev-p');
    expect((await s.claimDue(10, 5_000)).map((e) => e.eventId)).toEqual(['ev-p']);
  });

  it('inspection across subscribers (one pipeline per slot) and the router dedupe across 16 buckets', async () => {
    const subs = ['central-erp', 'finance', 'tms'].map((s) => deliveryKeys(prefix, s));
    expect(new Set(subs.map((k) => keySlot(k.due))).size).toBe(3);
    const seen = await inspectDeliveries(redis, subs, 'ev-1');
    expect(seen.map((s) => s.idempotency)).toEqual(['done', 'none', 'none']);
    const dedupe = createDeduper(redis, routerKeys(prefix), 3600);
    const route = { subscribers: ['tms'], routeOf: { tms: 'r' } };
    const items = Array.from({ length: 32 }, () => ({
      eventId: crypto.randomUUID(),
      hash: 'h',
      origin: originOf('cd.ingress.us-chi', 0, '1'),
      route,
    }));
    expect(new Set(items.map((i) => keySlot(routerKeys(prefix).seen(i.eventId)))).size).toBeGreaterThan(1);
    expect(new Set(await dedupe.check(items))).toEqual(new Set(['new']));
    const again = await dedupe.check(
      items.map((i) => ({ ...i, origin: originOf('cd.ingress.us-chi', 0, '2') })),
    );
    expect(new Set(again)).toEqual(new Set(['duplicate']));
  });

  it('SCAN of a prefix finds the keys on every primary', async () => {
    const found: string[] = [];
    const nodes = new Set<number | undefined>();
    await scanMatching(redis, `${prefix}*`, async (keys, node) => {
      found.push(...keys);
      nodes.add(node.options.port);
    });
    expect(found.length).toBeGreaterThan(10);
    expect(new Set(found).size).toBe(found.length);
    // Three subscribers and up to 16 router buckets: every primary holds some.
    expect(nodes.size).toBe(3);
  });

  it('the parts that know their keys up front start on the cluster (one slot each)', () => {
    expect(() => createFlowStore({ redis, redisPrefix: prefix })).not.toThrow();
    expect(() =>
      createPartitionFence({
        redis,
        redisPrefix: prefix,
        groupId: 'router',
        runId: 'r',
        ownTransactionalIds: new Set(),
        markTtlMs: 1000,
        fenceAfterMs: 1000,
        fenceProducer: () => Promise.resolve(),
        busy: () => false,
      }),
    ).not.toThrow();
  });

  it('a script call with keys in two slots is refused before it is sent (CD_E_REDIS_CROSS_SLOT)', async () => {
    const a = deliveryKeys(prefix, 'central-erp');
    const b = deliveryKeys(prefix, 'finance');
    const r = await refusal(
      Promise.resolve().then(() =>
        scriptRunner(redis).run('releaseHeld', [a.held, b.keyQueue('k'), a.due], ['k', Date.now()]),
      ),
    );
    expect(r.code).toBe('CD_E_REDIS_CROSS_SLOT');
    expect(r.message).toContain('release-held.lua');
    expect(r.message).toContain(a.held);
    expect(r.message).toContain(b.keyQueue('k'));
    // Nothing reached Redis: the queue key was never written.
    expect(await redis.exists(b.keyQueue('k'))).toBe(0);
  });
});
