import crypto from 'node:crypto';
import { systemClock } from '../../../core/clock';
import { deliveryKeys } from '../../../core/names/redis-keys';
import { createRedis, redisReady, type RedisClient } from '../../../core/redis';
import { createDeliveryState, type DeliveryState } from '../../../retry/state';
import { waitUntil } from '../../../stack/proc';
import { startTestCluster, type TestCluster } from '../../helpers/test-cluster';

/**
 * The primary holding two subscribers' slots killed -9 while deliveries stream through their
 * delivery state (admit → the counting receiver → finish, several workers each, as the sink
 * connector's engine does), its replica promoted (cluster-node-timeout 5 s), the dead node started
 * again (it rejoins as the new primary's replica), then every event read again (what the
 * connector's seek back or a restart does: the idempotency records must answer already-done).
 * One subscriber finishes as the hub does by default (no WAIT), the other with
 * `replicaAck: { replicas: 1 }` (WAIT after each finish batch). Each has its own client (WAIT
 * blocks its connection). Asserted, from the receiver's counts:
 *
 * - nothing lost: every event delivered at least once;
 * - with WAIT: no event whose first finish was acknowledged with WAIT answering 1 is delivered
 *   twice (the record was on the replica that took over); repeats only of events whose finish
 *   threw (in flight at the kill) or whose WAIT answered 0;
 * - without WAIT: a repeat is of an event whose finish threw, or was acknowledged by the primary
 *   less than LAG_BOUND_MS before the kill (acknowledged, not yet replicated: what asynchronous
 *   replication allows);
 * - every repeat is at most one extra delivery.
 *
 * Like the connector, a Redis error (the dead primary, CLUSTERDOWN during the election) is
 * retried: the event is tried again after a pause (the connector re-reads its partition from the
 * first unsettled offset after 1 s), never dropped. Own cluster on CROSSDOCK_TEST_CLUSTER_PORT + 20
 * (default 17321-17326) and its own home; about 35 s. Figures: docs/scaling.md "What a failover
 * can cost".
 */
const prefix = `fload-${crypto.randomBytes(3).toString('hex')}:`;
const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };
const EVENTS = Number(process.env.CD_FAILOVER_EVENTS ?? 3000);
const WORKERS = 8;
/** Kill once each subscriber has this share of its events acknowledged. */
const KILL_AT = 0.3;
/** How long the replica stays stalled before the primary is killed. */
const STALL_MS = 500;
/** Replication in flight when the replica stalled (loopback; generous). */
const LAG_MARGIN_MS = 500;
const LEASE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type FirstFinish = 'acked' | 'short' | 'threw';

interface Arm {
  name: string;
  state: DeliveryState;
  /** The counting receiver: deliveries per eventId. */
  received: Map<string, number>;
  /** How the finish after an event's first delivery ended. */
  firstFinish: Map<string, FirstFinish>;
  /** When an event's first finish was acknowledged. */
  ackedAt: Map<string, number>;
  /** Events of finish batches whose WAIT answered fewer replicas than asked. */
  short: Set<string>;
  acked: number;
  errors: number;
}

function arm(name: string, redis: RedisClient, sub: string, wait: boolean): Arm {
  const a: Arm = {
    name,
    received: new Map(),
    firstFinish: new Map(),
    ackedAt: new Map(),
    short: new Set(),
    acked: 0,
    errors: 0,
    state: undefined as unknown as DeliveryState,
  };
  a.state = createDeliveryState({
    redis,
    keys: deliveryKeys(prefix, sub),
    clock: systemClock,
    owner: `worker-${name}`,
    leaseMs: LEASE_MS,
    finishDelayMs: 10,
    ...(wait
      ? {
          replicaAck: { replicas: 1, timeoutMs: 200 },
          onReplicaShortfall: (_acked: number, ids: readonly string[]) =>
            ids.forEach((id) => a.short.add(id)),
        }
      : {}),
  });
  return a;
}

/** One event through the delivery state, retried on a Redis error as the connector does. */
async function deliver(a: Arm, id: string): Promise<void> {
  for (;;) {
    let delivered = false;
    try {
      const admit = await a.state.admit(id, limits);
      if (admit.kind === 'already-done') return;
      if (admit.kind !== 'admitted') {
        await sleep(admit.kind === 'at-capacity' ? 5 : Math.min(admit.retryInMs, 250));
        continue;
      }
      const n = (a.received.get(id) ?? 0) + 1;
      a.received.set(id, n);
      delivered = true;
      await a.state.finish(id, 'done');
      if (!a.firstFinish.has(id)) {
        a.firstFinish.set(id, a.short.has(id) ? 'short' : 'acked');
        a.ackedAt.set(id, Date.now());
      }
      a.acked++;
      return;
    } catch {
      a.errors++;
      if (delivered && !a.firstFinish.has(id)) a.firstFinish.set(id, 'threw');
      await sleep(200);
    }
  }
}

async function stream(a: Arm, ids: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < ids.length) await deliver(a, ids[next++]!);
    }),
  );
}

function repeats(a: Arm): string[] {
  return [...a.received].filter(([, n]) => n > 1).map(([id]) => id);
}

describe('Redis Cluster: a primary killed -9 under load; deliveries carry on, repeats within the guarantee', () => {
  let cluster: TestCluster | undefined;
  let waitClient: RedisClient | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster({ offset: 20, tmpPrefix: 'cd-fload-', name: 'crossdock-fload-plain' });
    waitClient = createRedis({ connection: cluster.endpoints.redis, name: 'crossdock-fload-wait' });
    await redisReady(waitClient, cluster.url, 20_000);
  }, 90_000);

  afterAll(async () => {
    waitClient?.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('every event delivered, none lost; with WAIT no acknowledged event repeated', async () => {
    const c = cluster!;
    // Two subscribers whose slots are on the same primary: one kill fails over both.
    const plainSub = 'plain';
    const victim = c.ownerPort(deliveryKeys(prefix, plainSub).due)!;
    let waitSub = '';
    for (let i = 0; !waitSub; i++)
      if (c.ownerPort(deliveryKeys(prefix, `acked-${i}`).due) === victim) waitSub = `acked-${i}`;

    // The replica in sync before anything is written.
    const owner = c.ownerNode(deliveryKeys(prefix, plainSub).due)!;
    const replicaOnline = async () => /slave0:.*state=online/.test(await owner.info('replication'));
    expect(await waitUntil(replicaOnline, 20_000, 200)).toBe(true);

    const plain = arm('plain', c.redis, plainSub, false);
    const acked = arm('wait', waitClient!, waitSub, true);
    const ids = Array.from({ length: EVENTS }, (_, i) => `ev-${i}`);
    const started = Date.now();
    const running = [stream(plain, ids), stream(acked, ids)];

    // Mid-stream: the replica stalls (SIGSTOP) and the primary's writes pile up in its output
    // buffer for the replica (padding fills the socket first, so what follows cannot have reached
    // the replica); deliveries go on for STALL_MS; then kill -9 of the primary, the replica resumes
    // and takes over, and the dead node is started again (it rejoins as the new primary's replica).
    expect(
      await waitUntil(
        async () => plain.acked >= EVENTS * KILL_AT && acked.acked >= EVENTS * KILL_AT,
        30_000,
        5,
      ),
    ).toBe(true);
    let stalledAt = 0;
    let atStall = { plain: 0, wait: 0 };
    const stall = await c.stallReplica(
      deliveryKeys(prefix, plainSub).due,
      (i) => deliveryKeys(prefix, plainSub).entry(`pad-${i}`),
      () => {
        stalledAt = Date.now();
        atStall = { plain: plain.acked, wait: acked.acked };
      },
    );
    await sleep(STALL_MS);
    const killedAt = Date.now();
    const before = { plain: plain.acked, wait: acked.acked };
    await c.kill(victim);
    stall.resume();
    expect(await waitUntil(() => c.failedOver(victim), 30_000, 100)).toBe(true);
    const promotedMs = Date.now() - killedAt;
    await stall.unpad();
    await c.restartNode(victim);
    expect(await waitUntil(() => c.healthy(), 30_000, 200)).toBe(true);
    await Promise.all(running);
    const streamMs = Date.now() - started;

    // Everything read again (a seek back / restart): the records must say already-done.
    const afterStream = { plain: repeats(plain).length, wait: repeats(acked).length };
    await Promise.all([stream(plain, ids), stream(acked, ids)]);

    const report = (a: Arm) => {
      const dup = repeats(a);
      const kinds = { acked: 0, short: 0, threw: 0 };
      for (const id of dup) kinds[a.firstFinish.get(id)!]++;
      const lags = dup
        .filter((id) => a.firstFinish.get(id) === 'acked')
        .map((id) => killedAt - a.ackedAt.get(id)!);
      lags.sort((x, y) => x - y);
      return {
        repeats: dup.length,
        byFirstFinish: kinds,
        ackedMsBeforeKill: lags.length ? [lags[0], lags[lags.length - 1]] : [],
        errors: a.errors,
      };
    };
    const figures = {
      events: EVENTS,
      workers: WORKERS,
      ackedAtStall: atStall,
      ackedBeforeKill: before,
      stallMs: killedAt - stalledAt,
      promotedMs,
      streamMs,
      repeatsAfterStream: afterStream,
      plain: report(plain),
      wait: { ...report(acked), shortfallEvents: acked.short.size },
    };
    console.log(`failover under load: ${JSON.stringify(figures)}`);

    for (const a of [plain, acked]) {
      // Nothing lost: every event at the receiver, none more than twice.
      expect(ids.filter((id) => !a.received.has(id))).toEqual([]);
      expect([...a.received.values()].filter((n) => n > 2)).toEqual([]);
      // Every event finished in the end (its record says done).
      expect(ids.filter((id) => !a.firstFinish.has(id))).toEqual([]);
    }
    // With WAIT: an event whose first finish was acknowledged with WAIT answering 1 is never repeated.
    expect(repeats(acked).filter((id) => acked.firstFinish.get(id) === 'acked')).toEqual([]);
    // Without WAIT: a repeat's finish threw, or was acknowledged while the replica lagged (from
    // the stall, less a margin for the replication in flight then) and so was lost with the primary.
    expect(
      repeats(plain).filter(
        (id) => plain.firstFinish.get(id) === 'acked' && plain.ackedAt.get(id)! < stalledAt - LAG_MARGIN_MS,
      ),
    ).toEqual([]);
    // ...and there are such repeats: acknowledged by the primary, lost at the failover.
    expect(report(plain).byFirstFinish.acked).toBeGreaterThan(0);
    // Every repeat is of an event in flight at the kill or acknowledged during the stall.
    expect(repeats(plain).length).toBeLessThanOrEqual(before.plain - atStall.plain + 2 * WORKERS);
    expect(repeats(acked).length).toBeLessThanOrEqual(before.wait - atStall.wait + 2 * WORKERS);
    // The failover did happen under load: finishes failed while the primary was gone.
    expect(plain.errors + acked.errors).toBeGreaterThan(0);
  }, 90_000);
});
