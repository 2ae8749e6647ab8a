import { Semaphore } from '../../../connectors/sinks/semaphore';

describe('Semaphore', () => {
  it('lets `limit` holders in at once and hands each released slot to the oldest waiter', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    expect(s.inUse).toBe(2);
    expect(s.free).toBe(0);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => s.acquire().then(() => order.push(n)));
    expect(s.waiting).toBe(3);
    s.release();
    s.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    expect(s.inUse).toBe(2); // passed on, not freed
    s.release();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(s.waiting).toBe(0);
    s.release();
    s.release();
    expect(s.inUse).toBe(0);
    expect(s.free).toBe(2);
  });

  it('keeps FIFO order across the compaction of a long queue of waiters', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const n = 5000;
    const order: number[] = [];
    const waits = Array.from({ length: n }, (_, i) => s.acquire().then(() => order.push(i)));
    // Release in rounds, with new waiters arriving in between (the queue is compacted meanwhile).
    for (let i = 0; i < n / 2; i++) s.release();
    const late = s.acquire().then(() => order.push(n));
    for (let i = 0; i < n / 2 + 1; i++) s.release();
    await Promise.all([...waits, late]);
    expect(order).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    expect(s.waiting).toBe(0);
    expect(s.inUse).toBe(1);
  });
});
