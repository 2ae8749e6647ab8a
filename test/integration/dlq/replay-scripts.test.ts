import type { RedisClient as Redis } from '../../../core/redis';
import { manualClock } from '../../../core/clock';
import { createJobStore } from '../../../dlq/replay/jobs';
import { deliveryKeys, replayHeldHead, createDeliveryState, type RetryEntry } from '../../../retry';
import { randomName } from '../../helpers/stack';
import { testRedis } from '../delivery/helpers';
import type { ReplayJob } from '../../../dlq';

/** The replay scripts against the real Redis: the job lease and cursor, and the held key's head. */
describe('replay scripts (real Redis)', () => {
  let redis: Redis;
  const prefix = `${randomName('rscripts')}:`;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => redis.disconnect());

  const job = (id: string, total: number): ReplayJob => ({
    id,
    state: 'running',
    selector: { ids: ['a:0:1'] },
    ratePerSecond: 5,
    total,
    done: 0,
    sent: 0,
    skipped: 0,
    refused: 0,
    createdAt: 1000,
    createdBy: 'ana',
    updatedAt: 1000,
  });

  it('a job: one lease holder at a time, an expired lease is taken over, the cursor moves once per item', async () => {
    const jobs = createJobStore(redis, prefix);
    await jobs.create(job('r-00000001', 3), ['a:0:1', 'a:0:2', 'a:0:3']);
    expect(await jobs.items('r-00000001', 1, 5)).toEqual(['a:0:2', 'a:0:3']);
    expect(await jobs.items('r-00000001', 3, 5)).toEqual([]);
    expect((await jobs.lease('r-00000001', 'p1', 1000, 5000)).granted).toBe(true);
    expect((await jobs.lease('r-00000001', 'p2', 2000, 5000)).granted).toBe(false);
    // p1 marks items 0-1 in flight, "crashes"; after its lease p2 takes over and sees the mark.
    // A mark from another cursor than the job's is not taken.
    expect(
      (await jobs.lease('r-00000001', 'p1', 2000, 5000, { from: 1, count: 2 })).inflight,
    ).toBeUndefined();
    expect((await jobs.lease('r-00000001', 'p1', 2000, 5000, { from: 0, count: 2 })).inflight).toEqual({
      from: 0,
      count: 2,
    });
    const taken = await jobs.lease('r-00000001', 'p2', 7001, 5000);
    expect(taken).toEqual({
      granted: true,
      state: 'running',
      done: 0,
      total: 3,
      inflight: { from: 0, count: 2 },
    });
    // The old holder can no longer move the cursor; a stale cursor is refused too.
    const one = (k: 'sent' | 'skipped' | 'refused') => ({ sent: 0, skipped: 0, refused: 0, [k]: 1 });
    expect(await jobs.advance('r-00000001', 'p1', 0, one('sent'), 7002)).toBe(-1);
    expect(await jobs.advance('r-00000001', 'p2', 0, one('sent'), 7002)).toBe(1);
    expect(await jobs.advance('r-00000001', 'p2', 0, one('sent'), 7002)).toBe(-2);
    expect((await jobs.lease('r-00000001', 'p2', 7003, 5000)).inflight).toBeUndefined();
    expect(await jobs.advance('r-00000001', 'p2', 1, { sent: 0, skipped: 1, refused: 1 }, 7004)).toBe(3);
    expect(await jobs.get('r-00000001')).toMatchObject({
      state: 'done',
      done: 3,
      sent: 1,
      skipped: 1,
      refused: 1,
      updatedAt: 7004,
    });
    expect(await jobs.leaseOf('r-00000001')).toEqual({ leaseUntil: 0 });
  });

  it('transitions: only from the states that allow them; a paused job gives no lease', async () => {
    const jobs = createJobStore(redis, prefix);
    await jobs.create(job('r-00000002', 2), ['a:0:1', 'a:0:2']);
    expect((await jobs.lease('r-00000002', 'p1', 1000, 5000)).granted).toBe(true);
    const paused = await jobs.transition('r-00000002', 'paused', ['running'], 1100, 'ana');
    expect(paused).toMatchObject({ moved: true, previous: 'running', owner: 'p1' });
    expect(await jobs.lease('r-00000002', 'p1', 1200, 5000)).toMatchObject({
      granted: false,
      state: 'paused',
    });
    expect(await jobs.leaseOf('r-00000002')).toEqual({ leaseUntil: 0 });
    expect((await jobs.transition('r-00000002', 'paused', ['running'], 1300, 'ana')).moved).toBe(false);
    expect((await jobs.transition('r-00000002', 'running', ['paused'], 1400, 'ana')).moved).toBe(true);
    expect(await jobs.running(10)).toContain('r-00000002');
    await expect(jobs.transition('r-0000dead', 'paused', ['running'], 1, 'ana')).rejects.toThrow(
      expect.objectContaining({ code: 'CD_E_DLQ_JOB_NOT_FOUND' }),
    );
    expect((await jobs.list(10)).map((j) => j.id)).toEqual(
      expect.arrayContaining(['r-00000001', 'r-00000002']),
    );
  });

  describe('replay-head: the dead letter a held key waits behind goes first', () => {
    const entry = (id: string, key: string): RetryEntry & { orderKey: string } => ({
      eventId: id,
      topic: 't',
      partition: 0,
      offset: '1',
      key: Buffer.from(key),
      value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
      headers: { ce_id: Buffer.from(id), 'cd-replay-count': Buffer.from('1') },
      attempts: 0,
      orderKey: key,
    });

    it('queues it as the head, due now, and lifts the hold; the key then runs in order', async () => {
      const keys = deliveryKeys(prefix, randomName('s'));
      const clock = manualClock(5000);
      const state = createDeliveryState({ redis, keys, clock, owner: 'c' });
      // E1 dead-lettered as K's head with hold; E2 and E3 parked behind it.
      await state.schedule({ ...entry('e1', 'K'), attempts: 3 }, Number.MAX_SAFE_INTEGER, false);
      await state.complete(entry('e1', 'K'), 'hold');
      expect(await state.park(entry('e2', 'K'))).toBe('parked');
      expect(await state.park(entry('e3', 'K'))).toBe('parked');
      expect(await state.claimDue(10, 1000)).toEqual([]);

      expect(await replayHeldHead(redis, keys, entry('e1', 'K'), clock.now())).toBe('queued');
      expect(await redis.lrange(keys.keyQueue('K'), 0, -1)).toEqual(['e1', 'e2', 'e3']);
      expect(await redis.sismember(keys.held, 'K')).toBe(0);
      const due = await state.claimDue(10, 1000);
      expect(due.map((e) => e.eventId)).toEqual(['e1']);
      expect(due[0]!.headers['cd-replay-count']!.toString()).toBe('1');
      expect(due[0]!.attempts).toBe(0);
      expect(due[0]!.orderKey).toBe('K');
      // Delivered: K's next event is due, in order.
      expect(await state.complete(due[0]!, 'delivered')).toBe('e2');
      expect((await state.counts()).held).toBe(2);
    });

    it('a key that is not held: nothing written (the replay goes through the deliver topic)', async () => {
      const keys = deliveryKeys(prefix, randomName('s'));
      expect(await replayHeldHead(redis, keys, entry('e1', 'K'), 1)).toBe('not-held');
      expect(await redis.exists(keys.entry('e1'), keys.keyQueue('K'), keys.due, keys.entries)).toBe(0);
    });

    it('an event already delivered: nothing queued, the key is released as release-held does', async () => {
      const keys = deliveryKeys(prefix, randomName('s'));
      const clock = manualClock(5000);
      const state = createDeliveryState({ redis, keys, clock, owner: 'c' });
      await state.schedule({ ...entry('e1', 'K'), attempts: 3 }, Number.MAX_SAFE_INTEGER, false);
      await state.complete(entry('e1', 'K'), 'hold');
      expect(await state.park(entry('e2', 'K'))).toBe('parked');
      await redis.set(keys.idempotency('e1'), 'done');
      expect(await replayHeldHead(redis, keys, entry('e1', 'K'), clock.now())).toBe('done');
      expect(await redis.exists(keys.entry('e1'))).toBe(0);
      expect(await redis.sismember(keys.held, 'K')).toBe(0);
      expect((await state.claimDue(10, 1000)).map((e) => e.eventId)).toEqual(['e2']);
    });
  });
});
