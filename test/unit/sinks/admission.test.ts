import { AdmissionWindow } from '../../../connectors/sinks/admission';
import type { AdmitResult } from '../../../retry/state';

function recorder(answer: (id: string) => AdmitResult = () => ({ kind: 'admitted' })) {
  const calls: string[][] = [];
  const request = (ids: string[]) => {
    calls.push(ids);
    return Promise.resolve(ids.map(answer));
  };
  return { calls, request };
}

describe('AdmissionWindow', () => {
  it('admits a window at a time, in fetch order, and keeps the next window in flight', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    const { calls, request } = recorder();
    const w = new AdmissionWindow(ids, 4, request, () => 1000);
    expect(calls).toEqual([]); // nothing is admitted before the first attempt asks
    const a0 = await w.take(0)!;
    expect(a0).toEqual({ result: { kind: 'admitted' }, at: 1000 });
    expect(calls).toEqual([['e0', 'e1', 'e2', 'e3']]);
    await w.take(1);
    expect(calls).toHaveLength(1);
    await w.take(2); // 1 left ahead < 4 / 2: the next window goes out
    expect(calls).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e4', 'e5', 'e6', 'e7'],
    ]);
    for (let i = 3; i < 10; i++) expect((await w.take(i)!).result.kind).toBe('admitted');
    expect(calls.flat().sort()).toEqual([...ids].sort()); // each event admitted exactly once
    expect(w.take(3)).toBeUndefined(); // an admission is handed out once
  });

  it('an event asked for out of order is admitted with the window that follows it', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { calls, request } = recorder();
    const w = new AdmissionWindow(ids, 3, request, () => 0);
    await w.take(4);
    expect(calls[0]).toEqual(['e', 'a', 'b']);
    await w.take(0);
    expect(calls.flat().filter((id) => id === 'e')).toHaveLength(1);
  });

  it('skips events that are not pre-admitted (ordered) and passes other answers through', async () => {
    const { calls, request } = recorder((id) =>
      id === 'b' ? { kind: 'already-done' } : { kind: 'leased', retryInMs: 50 },
    );
    const w = new AdmissionWindow(['a', undefined, 'b'], 8, request, () => 0);
    expect(w.take(1)).toBeUndefined();
    expect((await w.take(0)!).result).toEqual({ kind: 'leased', retryInMs: 50 });
    expect((await w.take(2)!).result).toEqual({ kind: 'already-done' });
    expect(calls).toEqual([['a', 'b']]);
  });

  it('gives back the leases of events the batch never reached, and only those it took', async () => {
    const { request } = recorder((id) => (id === 'c' ? { kind: 'already-done' } : { kind: 'admitted' }));
    const w = new AdmissionWindow(['a', 'b', 'c', 'd', 'e'], 4, request, () => 0);
    await w.take(0);
    const released: string[] = [];
    await w.releaseUnused(async (id) => void released.push(id));
    expect(released.sort()).toEqual(['b', 'd']); // 'c' was already done, 'e' never requested
  });

  it('a failed admit call reaches the attempt that takes it, and nothing else', async () => {
    const w = new AdmissionWindow(
      ['a', 'b'],
      2,
      () => Promise.reject(new Error('redis down')),
      () => 0,
    );
    await expect(w.take(0)!).rejects.toThrow('redis down');
    const released: string[] = [];
    await w.releaseUnused(async (id) => void released.push(id));
    expect(released).toEqual([]);
  });
});
