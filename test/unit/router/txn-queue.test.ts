import {
  createTxnQueue,
  RewindFrom,
  type QueuedBatch,
  type TransactionScope,
} from '../../../router/txn-queue';

/**
 * The commit queue's rules (router/txn-queue.ts), driven by a fake transaction that the test
 * finishes by hand: group commit, per-partition order, rewinds after a failure, drops after a
 * rebalance.
 */
interface Txn {
  producer: string;
  scope: TransactionScope<string>;
  finish(committed?: boolean): void;
  fail(err: Error): void;
}

function setup(producers = ['p1', 'p2']) {
  const txns: Txn[] = [];
  const failures: Array<{ err: unknown; rewind: unknown }> = [];
  const q = createTxnQueue<string, string>({
    producers,
    failureBackoffMs: 0,
    transact: (producer, scope) =>
      new Promise<boolean>((resolve, reject) => {
        txns.push({
          producer,
          scope,
          finish: (committed = true) => resolve(committed && scope.stillValid()),
          fail: reject,
        });
      }),
    onFailed: (err, rewind) => failures.push({ err, rewind }),
  });
  let n = 0;
  const batch = (topic: string, partition: number): QueuedBatch<string> => {
    const first = String(n * 10);
    n++;
    return { key: `${topic}/${partition}`, topic, partition, first, next: String(n * 10), payload: `b${n}` };
  };
  const submit = (b: QueuedBatch<string>) => q.submit(b, q.epoch(b.key), q.generation());
  const tick = () => new Promise((r) => setImmediate(r));
  return { q, txns, failures, batch, submit, tick };
}

describe('commit queue (router/txn-queue.ts)', () => {
  it('an idle producer takes a batch at once; batches queued meanwhile share the next transaction', async () => {
    const { txns, batch, submit, tick } = setup(['p1']);
    const a = submit(batch('in', 0));
    const b = submit(batch('in', 1));
    const c = submit(batch('other', 0));
    await tick();
    expect(txns).toHaveLength(1);
    expect(txns[0]!.scope.batches.map((x) => x.payload)).toEqual(['b1']);
    txns[0]!.finish();
    await tick();
    expect(txns).toHaveLength(2);
    expect(txns[1]!.scope.batches.map((x) => x.payload)).toEqual(['b2', 'b3']);
    expect([...txns[1]!.scope.offsets]).toEqual([
      ['in', [{ partition: 1, offset: '20' }]],
      ['other', [{ partition: 0, offset: '30' }]],
    ]);
    txns[1]!.finish();
    await expect(Promise.all([a, b, c])).resolves.toEqual([true, true, true]);
  });

  it("a partition's batches commit in order: the next waits for the one in flight, then they share one", async () => {
    const { txns, batch, submit, tick } = setup(['p1', 'p2']);
    const first = submit(batch('in', 0));
    await tick();
    const second = submit(batch('in', 0));
    const third = submit(batch('in', 0));
    await tick();
    // p2 is idle, but both wait for the transaction holding partition 0.
    expect(txns).toHaveLength(1);
    txns[0]!.finish();
    await tick();
    expect(txns).toHaveLength(2);
    expect(txns[1]!.scope.batches.map((x) => x.payload)).toEqual(['b2', 'b3']);
    // One offset per partition: the last batch's.
    expect(txns[1]!.scope.offsets.get('in')).toEqual([{ partition: 0, offset: '30' }]);
    txns[1]!.finish();
    await expect(Promise.all([first, second, third])).resolves.toEqual([true, true, true]);
  });

  it('a failed transaction rewinds its partitions to their first batch and drops what queued behind', async () => {
    const { q, txns, failures, batch, submit, tick } = setup(['p1', 'p2']);
    const a = submit(batch('in', 0));
    const b = submit(batch('in', 1));
    await tick();
    const behind = submit(batch('in', 0));
    // Planned before the failure, submitted after it: stale too.
    const plannedEarly = { b: batch('in', 0), epoch: q.epoch('in/0'), generation: q.generation() };
    await tick();
    expect(txns.map((t) => t.scope.batches.map((x) => x.payload))).toEqual([['b1'], ['b2']]);
    const boom = new Error('produce failed');
    txns[0]!.fail(boom);
    await expect(a).rejects.toBe(boom);
    await expect(behind).resolves.toBe(false);
    expect(failures).toEqual([{ err: boom, rewind: [{ topic: 'in', partition: 0, offset: '0' }] }]);
    // Partition 1 was not in the failed transaction: its batch commits.
    txns[1]!.finish();
    await expect(b).resolves.toBe(true);
    await expect(q.submit(plannedEarly.b, plannedEarly.epoch, plannedEarly.generation)).resolves.toBe(false);
    await tick();
    expect(txns).toHaveLength(2);
    // After the rewind, a batch planned with the new epoch goes through.
    const again = submit(batch('in', 0));
    await tick();
    expect(txns).toHaveLength(3);
    txns[2]!.finish();
    await expect(again).resolves.toBe(true);
  });

  it('a transaction settled from Kafka afterwards (RewindFrom) rewinds each partition to what Kafka committed, else to its first batch', async () => {
    const { txns, failures, batch, submit, tick } = setup(['p1']);
    const a = submit(batch('in', 0)); // first 0, next 10
    await tick();
    // Queued while the one producer is busy: they share the next transaction.
    const b = submit(batch('in', 0)); // first 10, next 20
    const c = submit(batch('in', 1)); // first 20, next 30
    const d = submit(batch('in', 2)); // first 30, next 40
    txns[0]!.finish();
    await a;
    await tick();
    expect(txns[1]!.scope.batches.map((x) => x.payload)).toEqual(['b2', 'b3', 'b4']);
    // Its commit had gone through for in/0 (Kafka says 20: past the batch, nothing is read again),
    // Kafka has nothing for in/1 (-1) and no answer for in/2: those two from their first batch.
    const lost = new Error('EndTxn got no answer');
    const settled = new RewindFrom(
      lost,
      new Map([
        ['in/0', '20'],
        ['in/1', '-1'],
      ]),
    );
    txns[1]!.fail(settled);
    await expect(b).rejects.toBe(settled);
    await Promise.allSettled([c, d]);
    expect(failures).toEqual([
      {
        err: settled,
        rewind: [
          { topic: 'in', partition: 0, offset: '20' },
          { topic: 'in', partition: 1, offset: '20' },
          { topic: 'in', partition: 2, offset: '30' },
        ],
      },
    ]);
  });

  it('a rebalance aborts the open transaction and drops what is queued or was planned before it', async () => {
    const { q, txns, batch, submit, tick } = setup(['p1']);
    const open = submit(batch('in', 0));
    await tick();
    const queued = submit(batch('in', 1));
    const planned = { b: batch('in', 2), epoch: q.epoch('in/2'), generation: q.generation() };
    q.rebalanced();
    expect(txns[0]!.scope.stillValid()).toBe(false);
    txns[0]!.finish(); // the fake transaction asks stillValid() before committing, as the router's does
    await expect(open).resolves.toBe(false);
    await expect(queued).resolves.toBe(false);
    await expect(q.submit(planned.b, planned.epoch, planned.generation)).resolves.toBe(false);
    expect(txns).toHaveLength(1);
    await q.idle();
  });

  it('idle() waits for the transactions in flight', async () => {
    const { q, txns, batch, submit, tick } = setup(['p1']);
    void submit(batch('in', 0));
    await tick();
    let idle = false;
    void q.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    txns[0]!.finish();
    await tick();
    await tick();
    expect(idle).toBe(true);
  });
});
