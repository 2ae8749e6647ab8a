import '../../helpers/integration-timeout';
import type { Consumer, Producer } from 'kafkajs';
import { createRedis, type Redis } from '../../../core/redis';
import {
  createPartitionFence,
  type Entered,
  type FenceOptions,
  type PartitionFence,
} from '../../../router/fence';
import {
  createRouterProducer,
  fenceTransactionalId,
  initProducer,
  isFencedError,
} from '../../../router/producers';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * The partition fence against a real Redis (claims, marks, waits and their three ways out), and
 * the Kafka fact it rests on, against a real broker: initialising a transactional id ends the open
 * transaction of whoever held it, and that holder can no longer commit.
 */
let redis: Redis;
const openRedis: Redis[] = [];

beforeAll(() => {
  redis = createRedis({ url: testEndpoints().redisUrl });
  openRedis.push(redis);
});

afterAll(async () => {
  for (const r of openRedis) await r.quit().catch(() => undefined);
});

interface Made {
  fence: PartitionFence;
  fenced: string[];
}

/** A fence of one "process" (run id) over a shared key prefix. */
function make(prefix: string, runId: string, overrides: Partial<FenceOptions> = {}): Made {
  const fenced: string[] = [];
  const r = createRedis({ url: testEndpoints().redisUrl });
  openRedis.push(r);
  const fence = createPartitionFence({
    redis: r,
    redisPrefix: prefix,
    groupId: 'g',
    runId,
    ownTransactionalIds: new Set([`${runId}-tx`]),
    markTtlMs: 30_000,
    fenceAfterMs: 60_000,
    fenceProducer: async (id) => {
      fenced.push(id);
    },
    busy: () => false,
    pollMs: 10,
    ...overrides,
  });
  return { fence, fenced };
}

const always = { keepWaiting: () => true };
const P = 'cd.ingress.x/0';

/** `m` claims P in `generation` and enters a commit of it as `transactionalId` (its mark is set). */
async function commitUnderWay(m: Made, transactionalId: string, generation = 1): Promise<Entered> {
  const token = m.fence.token(generation);
  await m.fence.claim(P, token, always);
  const res = await m.fence.enter([{ key: P, token }], transactionalId);
  expect(res.ok).toBe(true);
  if (!res.ok) throw new Error('enter refused');
  return res.entered;
}

describe('partition fence (real Redis)', () => {
  it('claims a free partition at once and refuses a commit planned under an older claim', async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const b = make(prefix, 'run-b');
    const ta = a.fence.token(1);
    expect(await a.fence.claim(P, ta, always)).toEqual({
      recorded: undefined,
      waited: 'none',
      waitedMs: expect.any(Number),
    });
    const entered = await a.fence.enter([{ key: P, token: ta }], 'run-a-tx');
    expect(entered.ok).toBe(true);
    if (entered.ok) await entered.entered.leave(new Map([[P, '42']]));
    // b takes over: it sees what a's commit recorded; a's next commit is refused.
    const claimB = await b.fence.claim(P, b.fence.token(7), always);
    expect(claimB).toMatchObject({ recorded: '42', waited: 'none' });
    expect(await a.fence.enter([{ key: P, token: ta }], 'run-a-tx')).toEqual({
      ok: false,
      key: P,
      reason: 'other',
    });
  });

  it('sets no mark unless every partition of the transaction is still owned (all or nothing)', async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const b = make(prefix, 'run-b');
    const ta = a.fence.token(1);
    await a.fence.claim('t/0', ta, always);
    await a.fence.claim('t/1', ta, always);
    await b.fence.claim('t/1', b.fence.token(2), always);
    const res = await a.fence.enter(
      [
        { key: 't/0', token: ta },
        { key: 't/1', token: ta },
      ],
      'run-a-tx',
    );
    expect(res).toEqual({ ok: false, key: 't/1', reason: 'other' });
    const marks = await redis.keys(`${prefix}*mark*`);
    expect(marks).toEqual([]);
  });

  it('says "missing" when Redis lost the owner record', async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const res = await a.fence.enter([{ key: P, token: a.fence.token(1) }], 'run-a-tx');
    expect(res).toEqual({ ok: false, key: P, reason: 'missing' });
  });

  it("waits for the previous owner's commit in flight, then reads the offset it recorded", async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const b = make(prefix, 'run-b');
    const entered = await commitUnderWay(a, 'run-a-tx');
    let claimed = false;
    const claim = b.fence.claim(P, b.fence.token(1), always).then((r) => {
      claimed = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(claimed).toBe(false); // still waiting for a's commit
    await entered.leave(new Map([[P, '100']]));
    expect(await claim).toMatchObject({ recorded: '100', waited: 'holder' });
    expect(b.fenced).toEqual([]);
  });

  it("lifts at once a mark of this process's predecessor (same transactional id, other run)", async () => {
    const prefix = `${randomName('fence')}:`;
    const old = make(prefix, 'run-1', { ownTransactionalIds: new Set(['router-x']) });
    const fresh = make(prefix, 'run-2', { ownTransactionalIds: new Set(['router-x']) });
    await commitUnderWay(old, 'router-x'); // then "killed"
    expect(await fresh.fence.claim(P, fresh.fence.token(1), always)).toMatchObject({ waited: 'predecessor' });
    expect(fresh.fenced).toEqual([]);
  });

  it("fences another process's transactional id when its mark outstays fenceAfterMs", async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const b = make(prefix, 'run-b', { fenceAfterMs: 300 });
    await commitUnderWay(a, 'run-a-tx'); // stuck
    const started = Date.now();
    expect(await b.fence.claim(P, b.fence.token(1), always)).toMatchObject({ waited: 'fenced' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(b.fenced).toEqual(['run-a-tx']);
  });

  it('waits for the mark to expire when the holder cannot be fenced', async () => {
    const prefix = `${randomName('fence')}:`;
    const failing = async () => {
      throw new Error('broker unreachable');
    };
    const a = make(prefix, 'run-a', { markTtlMs: 600 });
    const b = make(prefix, 'run-b', { markTtlMs: 600, fenceAfterMs: 50, fenceProducer: failing });
    const started = Date.now(); // before the mark is set: it cannot expire sooner than 600 ms on
    await commitUnderWay(a, 'run-a-tx');
    // b sees the mark some time after it was set (slow machines): the label must not depend on that.
    await new Promise((r) => setTimeout(r, 150));
    const res = await b.fence.claim(P, b.fence.token(1), always);
    expect(res?.waited).toBe('expired');
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
  });

  it('waits for its own older commit while it is in flight, lifts its own stale mark otherwise', async () => {
    const prefix = `${randomName('fence')}:`;
    let busy = true;
    const a = make(prefix, 'run-a', { busy: () => busy });
    await commitUnderWay(a, 'run-a-tx');
    const claim = a.fence.claim(P, a.fence.token(2), always);
    await new Promise((r) => setTimeout(r, 100));
    busy = false; // the transaction ended but its leave never reached Redis
    expect(await claim).toMatchObject({ waited: 'holder' });
    expect(await redis.keys(`${prefix}*mark*`)).toEqual([]);
  });

  it('gives up when the batch goes stale, and leave lifts only its own mark', async () => {
    const prefix = `${randomName('fence')}:`;
    const a = make(prefix, 'run-a');
    const b = make(prefix, 'run-b');
    const first = await commitUnderWay(a, 'run-a-tx');
    let keep = true;
    const claim = b.fence.claim(P, b.fence.token(1), { keepWaiting: () => keep });
    setTimeout(() => (keep = false), 100);
    expect(await claim).toBeUndefined();
    // a claims again and commits anew; the first transaction's late leave must not lift the new mark.
    const second = await commitUnderWay(a, 'run-a-tx', 2);
    await first.leave();
    expect(await redis.keys(`${prefix}*mark*`)).toHaveLength(1);
    await second.leave(new Map([[P, '7']]));
    expect(await redis.keys(`${prefix}*mark*`)).toEqual([]);
  });
});

describe('fencing a transactional id (real Kafka)', () => {
  const kafka = testKafka();
  let reader: Consumer | undefined;
  let holder: Producer | undefined;

  afterAll(async () => {
    await reader?.disconnect();
    await holder?.disconnect();
  });

  it("ends the holder's open transaction: its commit fails and nothing of it is read", async () => {
    const topic = randomName('fence-topic');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [topic]);
    await admin.disconnect();
    const id = randomName('fence-txn');
    holder = createRouterProducer(kafka, id);
    await initProducer(holder);
    const tx = await holder.transaction();
    await tx.send({ topic, messages: [{ key: 'k', value: 'from the zombie' }] });
    await fenceTransactionalId(kafka, id);
    const err = await tx.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(isFencedError(err)).toBe(true);
    // A committed marker after it shows the reader is past the aborted record.
    const other = kafka.producer({ idempotent: true });
    await other.connect();
    await other.send({ topic, messages: [{ key: 'k', value: 'after' }] });
    await other.disconnect();
    const seen: string[] = [];
    reader = kafka.consumer({ groupId: randomName('fence-reader'), readUncommitted: false });
    await reader.connect();
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(() => seen.includes('after'), 'the record after the fenced transaction');
    expect(seen).toEqual(['after']);
  });
});
