import { chunkByBytes } from '../../../router/chunk';

describe('produce chunks', () => {
  it('cut the planned copies into sends under the byte limit, keeping each topic in order', () => {
    const msg = (i: number) => ({ key: `k${i}`, value: Buffer.alloc(1000), headers: { ce_id: `id-${i}` } });
    const out = new Map([
      ['a', Array.from({ length: 25 }, (_v, i) => msg(i))],
      ['b', Array.from({ length: 5 }, (_v, i) => msg(100 + i))],
    ]);
    const chunks = chunkByBytes(out, 10_000);
    expect(chunks.length).toBeGreaterThan(2);
    // The bound is per topic in each send (a partition's record batch is at most that).
    for (const c of chunks)
      for (const t of c) expect(t.messages.length * 1090).toBeLessThanOrEqual(10_000 + 1200);
    // Topics share sends: 'b' rides in the first send with 'a's first share.
    expect(chunks[0]!.map((t) => t.topic)).toEqual(['a', 'b']);
    const flat = (topic: string) =>
      chunks.flatMap((c) => c.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)));
    expect(flat('a')).toEqual(out.get('a')!.map((m) => m.key));
    expect(flat('b')).toEqual(out.get('b')!.map((m) => m.key));
  });

  it('sends one oversized message alone rather than never', () => {
    const chunks = chunkByBytes(
      new Map([
        [
          'a',
          [
            { key: 'big', value: Buffer.alloc(50_000) },
            { key: 'small', value: Buffer.alloc(10) },
          ],
        ],
      ]),
      10_000,
    );
    expect(chunks.map((c) => c.map((t) => t.messages.map((m) => m.key)))).toEqual([[['big']], [['small']]]);
  });
});
