import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import { systemClock } from '../../../core/clock';
import { deliveryKeys } from '../../../core/names/redis-keys';
import { createRedis, redisReady, type RedisClient } from '../../../core/redis';
import { keySlot } from '../../../core/redis-slot';
import { createDeliveryState } from '../../../retry/state';
import { down, stackPaths, upRedisCluster } from '../../../stack';
import { clusterOk, clusterPorts } from '../../../stack/redis-cluster';
import { waitUntil } from '../../../stack/proc';
import { readState } from '../../../stack/state';

/**
 * A primary of the cluster killed -9 while a subscriber's state lives on it: its replica takes
 * over (cluster-node-timeout 5 s), the client follows the new slot map, and the idempotency record
 * written before the kill is still there. Own cluster on CROSSDOCK_TEST_CLUSTER_PORT + 10
 * (default 17311-17316) and its own home; about 10 s.
 */
const base = Number(process.env.CROSSDOCK_TEST_CLUSTER_PORT ?? 17301) + 10;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-failover-'));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  CROSSDOCK_HOME: home,
  CROSSDOCK_REDIS_CLUSTER_PORT: String(base),
};
const prefix = `failover-${crypto.randomBytes(3).toString('hex')}:`;
const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };

describe('Redis Cluster: a primary killed -9 fails over to its replica; the delivery state survives', () => {
  let redis: RedisClient;

  beforeAll(async () => {
    const res = await upRedisCluster({ env, timeoutMs: 60_000 });
    redis = createRedis({ connection: res.endpoints.redis, name: 'crossdock-failover-test' });
    await redisReady(redis, res.url, 20_000);
  }, 90_000);

  afterAll(async () => {
    redis?.disconnect();
    await down({ env, purge: true });
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('an idempotency record written before the kill answers already-done after the failover', async () => {
    const keys = deliveryKeys(prefix, 'central-erp');
    const state = createDeliveryState({ redis, keys, clock: systemClock, owner: 'a', finishDelayMs: 0 });
    expect(await state.admit('ev-1', limits)).toEqual({ kind: 'admitted' });
    await state.finish('ev-1', 'done');
    // The write is on the replica before the primary dies (replication is asynchronous).
    const owner = (redis as Cluster)
      .nodes('master')
      .find((n) => n.options.port === ownerPort(redis as Cluster, keys.due));
    expect(owner).toBeDefined();
    const replicaOnline = async () => /slave0:.*state=online/.test(await owner!.info('replication'));
    expect(await waitUntil(replicaOnline, 20_000, 200)).toBe(true);
    expect(await owner!.call('WAIT', '1', '2000')).toBe(1);
    const victim = readState(stackPaths(env)).redisCluster!.nodes.find(
      (n) => n.port === owner!.options.port,
    )!;
    process.kill(victim.pid, 'SIGKILL');
    const others = clusterPorts({ redisCluster: base }).filter((p) => p !== victim.port);
    expect(await waitUntil(() => clusterOk(others), 30_000, 200)).toBe(true);
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

/** The port of the primary that serves `key`'s slot, from the client's slot map. */
function ownerPort(cluster: Cluster, key: string): number | undefined {
  const node = cluster.slots[keySlot(key)]?.[0];
  return node ? Number(node.split(':').pop()) : undefined;
}
