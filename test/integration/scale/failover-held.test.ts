import crypto from 'node:crypto';
import { systemClock } from '../../../core/clock';
import { isCrossdockError } from '../../../core/errors';
import { deliveryKeys } from '../../../core/names/redis-keys';
import { createRedis, redisReady, type RedisClient } from '../../../core/redis';
import { createDeliveryState, type DeliveryState, type RetryEntry } from '../../../retry/state';
import { waitUntil } from '../../../stack/proc';
import { startTestCluster, type TestCluster } from '../../helpers/test-cluster';

/**
 * Events held in Redis in place of Kafka (put into retry, parked behind their key) across a
 * failover of the primary that holds them (docs/scaling.md "What a failover can cost"). The
 * connector commits an event's offset once park() or schedule() resolve, so an entry the primary
 * acknowledged and lost with it would be an event lost. With redis.waitReplicas, park() and
 * schedule() WAIT for the replica and, when it does not answer, throw CD_E_REDIS_REPLICA_SHORT
 * (the connector then leaves the event unsettled and reads it again), so no entry they resolved
 * for is lost. Without it, entries written while the replica lagged are lost: that window is
 * shown here too. Own cluster on CROSSDOCK_TEST_CLUSTER_PORT + 30 (17331-17336); about 25 s.
 */
const prefix = `fheld-${crypto.randomBytes(3).toString('hex')}:`;

function entry(eventId: string, orderKey?: string): RetryEntry {
  return {
    eventId,
    topic: 'cd.deliver.test',
    partition: 0,
    offset: '0',
    key: null,
    value: Buffer.from(`value of ${eventId}`),
    headers: {},
    attempts: 1,
    firstFailedAt: Date.now(),
    lastFailedAt: Date.now(),
    lastCode: 'CD_E_DELIVERY_SERVER_ERROR',
    ...(orderKey !== undefined ? { orderKey } : {}),
  };
}

/** What a call answered: its value, or the code it threw. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    return `ok:${String(await p)}`;
  } catch (err) {
    return isCrossdockError(err) ? err.code : `error:${(err as Error).message}`;
  }
}

describe('Redis Cluster: retry and parked entries across a failover, with and without WAIT', () => {
  let cluster: TestCluster | undefined;
  let waitClient: RedisClient | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster({ offset: 30, tmpPrefix: 'cd-fheld-', name: 'crossdock-fheld-plain' });
    waitClient = createRedis({ connection: cluster.endpoints.redis, name: 'crossdock-fheld-wait' });
    await redisReady(waitClient, cluster.url, 20_000);
  }, 90_000);

  afterAll(async () => {
    waitClient?.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('with WAIT no entry schedule() or park() resolved for is lost; without it, entries of the window are', async () => {
    const c = cluster!;
    // Two subscribers whose slots are on one primary: one kill fails over both.
    const plainSub = 'plain';
    const victim = c.ownerPort(deliveryKeys(prefix, plainSub).due)!;
    let waitSub = '';
    for (let i = 0; !waitSub; i++)
      if (c.ownerPort(deliveryKeys(prefix, `acked-${i}`).due) === victim) waitSub = `acked-${i}`;

    const state = (redis: RedisClient, sub: string, wait: boolean): DeliveryState =>
      createDeliveryState({
        redis,
        keys: deliveryKeys(prefix, sub),
        clock: systemClock,
        owner: `worker-${sub}`,
        ...(wait ? { replicaAck: { replicas: 1, timeoutMs: 200 } } : {}),
      });
    // The replica in sync before anything is written.
    const owner = c.ownerNode(deliveryKeys(prefix, plainSub).due)!;
    const replicaOnline = async () => /slave0:.*state=online/.test(await owner.info('replication'));
    expect(await waitUntil(replicaOnline, 20_000, 200)).toBe(true);

    const plain = state(c.redis, plainSub, false);
    const acked = state(waitClient!, waitSub, true);
    const held = async (sub: string, id: string) =>
      (await c.redis.exists(deliveryKeys(prefix, sub).entry(id))) === 1;

    // In sync: entries into retry, and the head of key K in retry (so K's next events park).
    const before = Array.from({ length: 20 }, (_, i) => `before-${i}`);
    for (const id of before) {
      expect(await outcome(acked.schedule(entry(id), Date.now() + 600_000))).toBe('ok:due');
      expect(await outcome(plain.schedule(entry(id), Date.now() + 600_000))).toBe('ok:due');
    }
    expect(await outcome(acked.schedule(entry('head-K', 'K'), Date.now() + 600_000))).toBe('ok:due');
    expect(await outcome(plain.schedule(entry('head-K', 'K'), Date.now() + 600_000))).toBe('ok:due');

    // The replica stalls, with data piled up for it so that nothing written now can reach it.
    const stall = await c.stallReplica(deliveryKeys(prefix, plainSub).due, (i) =>
      deliveryKeys(prefix, plainSub).entry(`pad-${i}`),
    );
    expect(stall.primaryPort).toBe(victim);

    // In the window: without WAIT the primary acknowledges (a connector would commit the offsets);
    // with WAIT every call throws the coded shortfall (a connector would not).
    const during = Array.from({ length: 10 }, (_, i) => `during-${i}`);
    for (const id of during) {
      expect(await outcome(plain.schedule(entry(id), Date.now() + 600_000))).toBe('ok:due');
      expect(await outcome(acked.schedule(entry(id), Date.now() + 600_000))).toBe('CD_E_REDIS_REPLICA_SHORT');
    }
    expect(await outcome(plain.park(entry('parked-K', 'K') as RetryEntry & { orderKey: string }))).toBe(
      'ok:parked',
    );
    expect(await outcome(acked.park(entry('parked-K', 'K') as RetryEntry & { orderKey: string }))).toBe(
      'CD_E_REDIS_REPLICA_SHORT',
    );

    // kill -9 of the primary; the stalled replica resumes and takes over.
    await c.kill(victim);
    stall.resume();
    expect(await waitUntil(() => c.failedOver(victim), 30_000, 100)).toBe(true);
    await c.restartNode(victim);
    expect(await waitUntil(() => c.healthy(), 30_000, 200)).toBe(true);
    await stall.unpad();

    // Without WAIT: what the window held is gone with the primary (events a connector had
    // committed: lost). Entries from before the stall survive on both.
    const plainLost = [];
    for (const id of [...during, 'parked-K']) if (!(await held(plainSub, id))) plainLost.push(id);
    expect(plainLost.length).toBeGreaterThan(0);
    for (const id of [...before, 'head-K']) {
      expect(await held(plainSub, id)).toBe(true);
      expect(await held(waitSub, id)).toBe(true);
    }

    // With WAIT the events of the window were never settled: the connector reads them again and
    // holds them now, once the new primary has its replica (the restarted node) in sync.
    const newOwner = c.ownerNode(deliveryKeys(prefix, waitSub).due)!;
    expect(
      await waitUntil(
        async () => /slave0:.*state=online/.test(await newOwner.info('replication')),
        30_000,
        200,
      ),
    ).toBe(true);
    let again: string[] = [];
    const settled = await waitUntil(
      async () => {
        again = [];
        for (const id of during) again.push(await outcome(acked.schedule(entry(id), Date.now() + 600_000)));
        again.push(await outcome(acked.park(entry('parked-K', 'K') as RetryEntry & { orderKey: string })));
        return again.every((o) => o.startsWith('ok:'));
      },
      30_000,
      500,
    );
    expect({ settled, again }).toEqual({
      settled: true,
      again: [...during.map(() => 'ok:due'), 'ok:parked'],
    });
    for (const id of [...during, 'parked-K']) expect(await held(waitSub, id)).toBe(true);
    // Each is held once: the scripts never queue an event twice.
    expect(await c.redis.llen(deliveryKeys(prefix, waitSub).keyQueue('K'))).toBe(2);
    console.log(`failover of held entries: without WAIT ${plainLost.length} of ${during.length + 1} lost`);
  }, 120_000);
});
