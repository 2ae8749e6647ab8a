import type { RedisClient as Redis } from '../../../core/redis';
import { manualClock } from '../../../core/clock';
import { deliveryKeys } from '../../../retry/keys';
import { scriptRunner } from '../../../retry/scripts';
import { createDeliveryState, type RetryEntry } from '../../../retry/state';
import { randomName } from '../../helpers/stack';
import { testRedis } from './helpers';

/** Subscriber ids are random; one prefix keeps this file's keys together. */
const TEST_PREFIX = `${randomName('scripts')}:`;

/** The Lua scripts against the real Redis, called with explicit (cluster-safe) key lists. */
describe('delivery state scripts (real Redis)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => redis.disconnect());

  const entry = (id: string, orderKey?: string): RetryEntry => ({
    eventId: id,
    topic: 't',
    partition: 0,
    offset: '1',
    key: orderKey ? Buffer.from(orderKey) : null,
    value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
    headers: { ce_id: Buffer.from(id) },
    attempts: 0,
    ...(orderKey ? { orderKey } : {}),
  });

  it('admit-many/finish-many: one lease per event, done is remembered, a released event can be taken again', async () => {
    const sub = randomName('s');
    const keys = deliveryKeys(TEST_PREFIX, sub);
    const run = scriptRunner(redis);
    const admit = (owner: string, ids: string[]) =>
      run.run(
        'admitMany',
        [keys.bucket, keys.slots, ...ids.map((id) => keys.idempotency(id))],
        [owner, 5000, 1000, 0, 1, 0, 5000, ...ids.map((id) => `${owner}:${id}`)],
      );
    const finish = (owner: string, items: Array<[string, 'done' | 'release']>) =>
      run.run(
        'finishMany',
        [keys.slots, ...items.map(([id]) => keys.idempotency(id))],
        [owner, 60000, items.map(([, o]) => (o === 'done' ? 'd' : 'r')).join('')],
      );
    expect(await admit('a', ['e1', 'e2'])).toEqual([0, 0, 0, 0]);
    const leased = (await admit('b', ['e1', 'e3'])) as number[];
    expect(leased[0]).toBe(2);
    expect(leased[1]).toBeGreaterThan(0);
    expect(leased.slice(2)).toEqual([0, 0]);
    expect(
      await finish('a', [
        ['e1', 'release'],
        ['e2', 'done'],
      ]),
    ).toBe(1);
    expect(await admit('b', ['e1', 'e2'])).toEqual([0, 0, 1, 0]);
    // A release by an owner that does not hold the lease leaves it where it is.
    expect(await finish('a', [['e1', 'release']])).toBe(0);
    expect(await redis.get(keys.idempotency('e1'))).toBe('b');
    expect(await finish('b', [['e1', 'done']])).toBe(0);
    expect(await admit('c', ['e1'])).toEqual([1, 0]);
    expect(await redis.pttl(keys.idempotency('e1'))).toBeGreaterThan(50000);
  });

  it('admit: the token bucket and the shared concurrency cap hold across owners', async () => {
    const keys = deliveryKeys(TEST_PREFIX, randomName('s'));
    const clock = manualClock(1_000_000);
    const a = createDeliveryState({ redis, keys, clock, owner: 'a' });
    const b = createDeliveryState({ redis, keys, clock, owner: 'b' });
    const rate = { ratePerSecond: 10, burst: 2, sharedConcurrency: 0 };
    expect((await a.admit('e1', rate)).kind).toBe('admitted');
    expect((await b.admit('e2', rate)).kind).toBe('admitted');
    expect(await a.admit('e3', rate)).toEqual({ kind: 'rate-limited', retryInMs: 100 });
    clock.advance(100);
    expect((await b.admit('e3', rate)).kind).toBe('admitted');
    // Admissions of one tick share one script call and still respect the limit one by one.
    const burst = await Promise.all(['b1', 'b2', 'b3'].map((id) => a.admit(id, { ...rate, burst: 2 })));
    expect(burst.map((r) => r.kind)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
    clock.advance(200);
    const two = await Promise.all(['b1', 'b2', 'b3'].map((id) => a.admit(id, rate)));
    expect(two.map((r) => r.kind)).toEqual(['admitted', 'admitted', 'rate-limited']);
    const cap = { ratePerSecond: 0, burst: 1, sharedConcurrency: 2 };
    expect((await a.admit('c1', cap)).kind).toBe('admitted');
    expect((await b.admit('c2', cap)).kind).toBe('admitted');
    expect((await a.admit('c3', cap)).kind).toBe('at-capacity');
    expect(await redis.get(keys.idempotency('c3'))).toBeNull(); // nothing taken when refused
    await b.finish('c2', 'done');
    expect((await a.admit('c3', cap)).kind).toBe('admitted');
  });

  it('schedule/claim/complete: due entries are claimed once, with a lease that returns them if the claimer dies', async () => {
    const keys = deliveryKeys(TEST_PREFIX, randomName('s'));
    const clock = manualClock(1_000_000);
    const s = createDeliveryState({ redis, keys, clock, owner: 'a' });
    expect(
      await s.schedule(
        {
          ...entry('r1'),
          attempts: 1,
          firstFailedAt: 999_000,
          lastCode: 'CD_E_DELIVERY_SERVER_ERROR',
          lastStatus: 503,
        },
        1_000_500,
      ),
    ).toBe('due');
    expect(await s.claimDue(10, 10_000)).toEqual([]);
    clock.advance(500);
    const [claimed] = await s.claimDue(10, 10_000);
    expect(claimed).toMatchObject({
      eventId: 'r1',
      attempts: 1,
      firstFailedAt: 999_000,
      lastStatus: 503,
      value: entry('r1').value,
      headers: { ce_id: Buffer.from('r1') },
    });
    expect(await s.claimDue(10, 10_000)).toEqual([]); // leased
    clock.advance(10_000);
    expect((await s.claimDue(10, 10_000)).map((e) => e.eventId)).toEqual(['r1']); // lease ran out
    await s.complete(claimed!, 'delivered');
    expect(await s.counts()).toEqual({ scheduled: 0, held: 0 });
    expect(await redis.exists(keys.entry('r1'))).toBe(0);
  });

  it('per-key queue: later events park behind the head; continue moves on, hold waits for release', async () => {
    const keys = deliveryKeys(TEST_PREFIX, randomName('s'));
    const clock = manualClock(1_000_000);
    const s = createDeliveryState({ redis, keys, clock, owner: 'a' });
    expect(await s.park({ ...entry('k1', 'K'), orderKey: 'K' })).toBe('free'); // K free
    expect(await s.schedule({ ...entry('k1', 'K'), attempts: 1 }, 1_000_100)).toBe('due');
    expect(await s.park({ ...entry('k2', 'K'), orderKey: 'K' })).toBe('parked');
    expect(await s.park({ ...entry('k3', 'K'), orderKey: 'K' })).toBe('parked');
    expect(await s.park({ ...entry('x1', 'X'), orderKey: 'X' })).toBe('free'); // other keys flow
    expect(await redis.lrange(keys.keyQueue('K'), 0, -1)).toEqual(['k1', 'k2', 'k3']);
    clock.advance(100);
    const [head] = await s.claimDue(10, 5000);
    expect(head!.eventId).toBe('k1'); // only the head is ever due
    expect(await s.complete(head!, 'continue')).toBe('k2');
    const [k2] = await s.claimDue(10, 5000);
    expect(k2!.eventId).toBe('k2');
    expect(await s.complete(k2!, 'hold')).toBeNull();
    expect(await redis.sismember(keys.held, 'K')).toBe(1);
    expect(await s.park({ ...entry('k4', 'K'), orderKey: 'K' })).toBe('parked');
    expect(await s.claimDue(10, 5000)).toEqual([]);
    expect(await s.releaseHeld('K')).toBe(2);
    expect((await s.claimDue(10, 5000)).map((e) => e.eventId)).toEqual(['k3']);
  });

  it('an event read again while held is never queued twice, keeps its attempts, and is skipped once done', async () => {
    // Found by the fault soak (docs/reliability.md): a seek back or a restart read parked events and
    // a head in retry again; each was pushed a second time with attempts 0, and when the first
    // copy completed, the second became a head without an entry: the key stopped for good.
    const keys = deliveryKeys(TEST_PREFIX, randomName('s'));
    const clock = manualClock(1_000_000);
    const s = createDeliveryState({ redis, keys, clock, owner: 'a' });
    expect(await s.schedule({ ...entry('k1', 'K'), attempts: 2 }, 1_000_100)).toBe('due');
    expect(await s.park({ ...entry('k2', 'K'), orderKey: 'K' })).toBe('parked');
    // Read again from Kafka: the head in retry, then the parked one.
    expect(await s.park({ ...entry('k1', 'K'), orderKey: 'K' })).toBe('parked');
    expect(await s.park({ ...entry('k2', 'K'), orderKey: 'K' })).toBe('parked');
    expect(await redis.lrange(keys.keyQueue('K'), 0, -1)).toEqual(['k1', 'k2']);
    expect(await redis.hget(keys.entry('k1'), 'attempts')).toBe('2');
    expect(await s.counts()).toEqual({ scheduled: 1, held: 2 });

    clock.advance(100);
    const [head] = await s.claimDue(10, 5000);
    expect(head!.eventId).toBe('k1');
    await s.finish('k1', 'done');
    // A queue written before this fix may hold an id twice: completing it removes every copy.
    await redis.rpush(keys.keyQueue('K'), 'k1');
    expect(await s.complete(head!, 'delivered')).toBe('k2');
    expect(await redis.lrange(keys.keyQueue('K'), 0, -1)).toEqual(['k2']);
    // k1 read again after its effect happened: not parked behind k2.
    expect(await s.park({ ...entry('k1', 'K'), orderKey: 'K' })).toBe('done');
    const [next] = await s.claimDue(10, 5000);
    expect(next!.eventId).toBe('k2');
    expect(await s.complete(next!, 'delivered')).toBeNull();
    expect(await s.counts()).toEqual({ scheduled: 0, held: 0 });
  });

  it('capacity: a new entry past maxHeldEvents or maxParkedPerKey is refused with nothing written; existing entries move on', async () => {
    const keys = deliveryKeys(TEST_PREFIX, randomName('s'));
    const clock = manualClock(1_000_000);
    const refused: string[] = [];
    const s = createDeliveryState({
      redis,
      keys,
      clock,
      owner: 'a',
      capacity: { maxHeldEvents: 3, maxParkedPerKey: 2 },
      onFull: (bound) => refused.push(bound),
    });
    expect(await s.schedule({ ...entry('k1', 'K'), attempts: 1 }, 1_000_100)).toBe('due');
    expect(await s.park({ ...entry('k2', 'K'), orderKey: 'K' })).toBe('parked');
    // K's queue holds 2 (head + one parked): the next K event is refused, other keys are not.
    await expect(s.park({ ...entry('k3', 'K'), orderKey: 'K' })).rejects.toMatchObject({
      code: 'CD_E_DELIVERY_STATE_FULL',
      retriable: true,
      details: { bound: 'maxParkedPerKey', eventId: 'k3' },
    });
    expect(await redis.exists(keys.entry('k3'))).toBe(0);
    expect(await s.schedule({ ...entry('u1'), attempts: 1 }, 1_000_100)).toBe('due');
    expect(await s.counts()).toEqual({ scheduled: 2, held: 3 });
    // 3 held: a new first failure is refused; the next attempt of an entry already held is not.
    await expect(s.schedule({ ...entry('u2'), attempts: 1 }, 1_000_100)).rejects.toMatchObject({
      code: 'CD_E_DELIVERY_STATE_FULL',
      details: { bound: 'maxHeldEvents' },
    });
    expect(await redis.exists(keys.entry('u2'))).toBe(0);
    expect(await s.schedule({ ...entry('u1'), attempts: 2 }, 1_000_200)).toBe('due');
    // An entry completed at once (a dead-lettered head held) passes the bound.
    expect(await s.schedule({ ...entry('h1', 'H'), attempts: 1 }, Number.MAX_SAFE_INTEGER, false)).toBe(
      'due',
    );
    expect(refused).toEqual(['maxParkedPerKey', 'maxHeldEvents']);
    clock.advance(200);
    const claimed = await s.claimDue(10, 5000);
    for (const e of claimed) await s.complete(e, 'delivered');
    expect(claimed.map((e) => e.eventId).sort()).toEqual(['k1', 'u1']);
    // Room again: k2 became due as K's head; u2 is taken now.
    expect(await s.counts()).toEqual({ scheduled: 2, held: 2 });
    expect(await s.schedule({ ...entry('u2'), attempts: 1 }, 1_000_300)).toBe('due');
    expect((await s.counts()).held).toBe(3);
  });
});
