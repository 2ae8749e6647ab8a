import type Redis from 'ioredis';
import { manualClock } from '../../../core/clock';
import { deliveryKeys } from '../../../retry/keys';
import { scriptRunner } from '../../../retry/scripts';
import { createDeliveryState, type RetryEntry } from '../../../retry/state';
import { randomName } from '../../helpers/stack';
import { testRedis } from './helpers';

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

  it('admit/finish: one lease per event, done is remembered, a released event can be taken again', async () => {
    const sub = randomName('s');
    const keys = deliveryKeys(sub);
    const run = scriptRunner(redis);
    const args = (owner: string, now: number) => [owner, 5000, now, 0, 1, 0, `${owner}:e1`, 5000];
    const k = [keys.idempotency('e1'), keys.bucket, keys.slots];
    expect(await run.run('admit', k, args('a', 1000))).toEqual([0, 0]);
    const leased = (await run.run('admit', k, args('b', 1000))) as number[];
    expect(leased[0]).toBe(2);
    expect(leased[1]).toBeGreaterThan(0);
    expect(await run.run('finish', [keys.idempotency('e1'), keys.slots], ['a', 'release', 60000, 'a:e1'])).toBe(1);
    expect(await run.run('admit', k, args('b', 1000))).toEqual([0, 0]);
    expect(await run.run('finish', [keys.idempotency('e1'), keys.slots], ['b', 'done', 60000, 'b:e1'])).toBe(1);
    expect(await run.run('admit', k, args('c', 1000))).toEqual([1, 0]);
    expect(await redis.pttl(keys.idempotency('e1'))).toBeGreaterThan(50000);
  });

  it('admit: the token bucket and the shared concurrency cap hold across owners', async () => {
    const keys = deliveryKeys(randomName('s'));
    const clock = manualClock(1_000_000);
    const a = createDeliveryState({ redis, keys, clock, owner: 'a' });
    const b = createDeliveryState({ redis, keys, clock, owner: 'b' });
    const rate = { ratePerSecond: 10, burst: 2, sharedConcurrency: 0 };
    expect((await a.admit('e1', rate)).kind).toBe('admitted');
    expect((await b.admit('e2', rate)).kind).toBe('admitted');
    expect(await a.admit('e3', rate)).toEqual({ kind: 'rate-limited', retryInMs: 100 });
    clock.advance(100);
    expect((await b.admit('e3', rate)).kind).toBe('admitted');
    const cap = { ratePerSecond: 0, burst: 1, sharedConcurrency: 2 };
    expect((await a.admit('c1', cap)).kind).toBe('admitted');
    expect((await b.admit('c2', cap)).kind).toBe('admitted');
    expect((await a.admit('c3', cap)).kind).toBe('at-capacity');
    expect(await redis.get(keys.idempotency('c3'))).toBeNull(); // nothing taken when refused
    await b.finish('c2', 'done');
    expect((await a.admit('c3', cap)).kind).toBe('admitted');
  });

  it('schedule/claim/complete: due entries are claimed once, with a lease that returns them if the claimer dies', async () => {
    const keys = deliveryKeys(randomName('s'));
    const clock = manualClock(1_000_000);
    const s = createDeliveryState({ redis, keys, clock, owner: 'a' });
    expect(await s.schedule({ ...entry('r1'), attempts: 1, firstFailedAt: 999_000, lastCode: 'CD_E_DELIVERY_SERVER_ERROR', lastStatus: 503 }, 1_000_500)).toBe('due');
    expect(await s.claimDue(10, 10_000)).toEqual([]);
    clock.advance(500);
    const [claimed] = await s.claimDue(10, 10_000);
    expect(claimed).toMatchObject({ eventId: 'r1', attempts: 1, firstFailedAt: 999_000, lastStatus: 503, value: entry('r1').value, headers: { ce_id: Buffer.from('r1') } });
    expect(await s.claimDue(10, 10_000)).toEqual([]); // leased
    clock.advance(10_000);
    expect((await s.claimDue(10, 10_000)).map((e) => e.eventId)).toEqual(['r1']); // lease ran out
    await s.complete(claimed!, 'delivered');
    expect(await s.counts()).toEqual({ scheduled: 0 });
    expect(await redis.exists(keys.entry('r1'))).toBe(0);
  });

  it('per-key queue: later events park behind the head; continue moves on, hold waits for release', async () => {
    const keys = deliveryKeys(randomName('s'));
    const clock = manualClock(1_000_000);
    const s = createDeliveryState({ redis, keys, clock, owner: 'a' });
    expect(await s.park({ ...entry('k1', 'K'), orderKey: 'K' })).toBe(false); // K free
    expect(await s.schedule({ ...entry('k1', 'K'), attempts: 1 }, 1_000_100)).toBe('due');
    expect(await s.park({ ...entry('k2', 'K'), orderKey: 'K' })).toBe(true);
    expect(await s.park({ ...entry('k3', 'K'), orderKey: 'K' })).toBe(true);
    expect(await s.park({ ...entry('x1', 'X'), orderKey: 'X' })).toBe(false); // other keys flow
    expect(await redis.lrange(keys.keyQueue('K'), 0, -1)).toEqual(['k1', 'k2', 'k3']);
    clock.advance(100);
    const [head] = await s.claimDue(10, 5000);
    expect(head!.eventId).toBe('k1'); // only the head is ever due
    expect(await s.complete(head!, 'continue')).toBe('k2');
    const [k2] = await s.claimDue(10, 5000);
    expect(k2!.eventId).toBe('k2');
    expect(await s.complete(k2!, 'hold')).toBeNull();
    expect(await redis.sismember(keys.held, 'K')).toBe(1);
    expect(await s.park({ ...entry('k4', 'K'), orderKey: 'K' })).toBe(true);
    expect(await s.claimDue(10, 5000)).toEqual([]);
    expect(await s.releaseHeld('K')).toBe(2);
    expect((await s.claimDue(10, 5000)).map((e) => e.eventId)).toEqual(['k3']);
  });
});
