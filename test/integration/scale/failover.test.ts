import crypto from 'node:crypto';
import { systemClock } from '../../../core/clock';
import { deliveryKeys } from '../../../core/names/redis-keys';
import type { RedisClient } from '../../../core/redis';
import { createDeliveryState } from '../../../retry/state';
import { waitUntil } from '../../../stack/proc';
import { startTestCluster, type TestCluster } from '../../helpers/test-cluster';

/**
 * A primary of the cluster killed -9 while a subscriber's state lives on it: its replica takes
 * over (cluster-node-timeout 5 s), the client follows the new slot map, and the idempotency record
 * written before the kill is still there. Own cluster on CROSSDOCK_TEST_CLUSTER_PORT + 10
 * (default 17311-17316) and its own home; about 10 s.
 */
const prefix = `failover-${crypto.randomBytes(3).toString('hex')}:`;
const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };

describe('Redis Cluster: a primary killed -9 fails over to its replica; the delivery state survives', () => {
  let cluster: TestCluster | undefined;
  let redis: RedisClient;

  beforeAll(async () => {
    cluster = await startTestCluster({
      offset: 10,
      tmpPrefix: 'cd-failover-',
      name: 'crossdock-failover-test',
    });
    redis = cluster.redis;
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('an idempotency record written before the kill answers already-done after the failover', async () => {
    const c = cluster!;
    const keys = deliveryKeys(prefix, 'central-erp');
    const state = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a', finishDelayMs: 0 });
    expect(await state.admit('ev-1', limits)).toEqual({ kind: 'admitted' });
    await state.finish('ev-1', 'done');
    // The write is on the replica before the primary dies (replication is asynchronous).
    const owner = c.ownerNode(keys.due);
    expect(owner).toBeDefined();
    const replicaOnline = async () => /slave0:.*state=online/.test(await owner!.info('replication'));
    expect(await waitUntil(replicaOnline, 20_000, 200)).toBe(true);
    expect(await owner!.call('WAIT', '1', '2000')).toBe(1);
    const victim = owner!.options.port!;
    await c.kill(victim);
    expect(await waitUntil(() => c.healthy([victim]), 30_000, 200)).toBe(true);
    let answer: unknown;
    expect(
      await waitUntil(
        async () => {
          answer = await state.admit('ev-1', limits);
          return true;
        },
        20_000,
        200,
      ),
    ).toBe(true);
    expect(answer).toEqual({ kind: 'already-done' });
    expect(await state.admit('ev-2', limits)).toEqual({ kind: 'admitted' });
  }, 60_000);
});
