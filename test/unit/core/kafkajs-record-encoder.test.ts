import {
  fastRecordEncoder,
  kafkajsRecordParts,
  type RecordInput,
} from '../../../core/kafkajs-record-encoder';

// kafkajs's own encoder, by its module path (the jest mapping only catches its produce request's require).
const { original, encoderProto } = kafkajsRecordParts();
const fast = fastRecordEncoder(original, encoderProto);
const bytes = (e: { buf: Buffer; offset: number }) => e.buf.subarray(0, e.offset).toString('hex');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

describe('core/kafkajs-record-encoder', () => {
  const r = rng(19);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const text = () =>
    pick(['', 'a', 'order-42', 'ünïcødé ✓', '\ud800 lone', 'x'.repeat(200), 'y'.repeat(20_000)]);
  const bytesOf = (): Buffer | string | null | undefined =>
    pick([null, undefined, Buffer.alloc(0), Buffer.from(text()), text(), Buffer.alloc(70_000, 7)]);

  it('writes the same bytes as kafkajs for the records the hub sends and many others', () => {
    let n = 0;
    for (let i = 0; i < 3000; i++) {
      const headers: Record<string, Buffer | string | Array<Buffer | string>> = {};
      for (let h = Math.floor(r() * 12); h > 0; h--)
        headers[pick(['ce_id', 'ce_type', 'traceparent', 'ü', `h${h}`, ''])] =
          r() < 0.2 ? [Buffer.from(text()), text()] : r() < 0.5 ? Buffer.from(text()) : text();
      const record: RecordInput = {
        key: bytesOf(),
        value: bytesOf(),
        ...(r() < 0.9 ? { headers } : {}),
        ...(r() < 0.9 ? { offsetDelta: pick([0, 1, 63, 64, 127, 128, 8191, 8192, 2 ** 31 - 1, -1]) } : {}),
        ...(r() < 0.9
          ? { timestampDelta: pick([0, 1, 63, 64, 1000, 2 ** 31, 2 ** 35 + 3, -5, -(2 ** 40), 2 ** 50 - 1]) }
          : {}),
      };
      const ours = fast(record);
      expect(`${i} ${bytes(ours)}`).toBe(`${i} ${bytes(original(record))}`);
      // What kafkajs's callers use: an Encoder, `.buffer` and `.size()`.
      expect(ours).toBeInstanceOf((encoderProto as { constructor: new () => unknown }).constructor);
      n++;
    }
    expect(n).toBe(3000);
  });

  it('leaves every other shape to kafkajs: the same bytes, or the same refusal', () => {
    const cases: RecordInput[] = [
      { key: 42, value: Buffer.from('v') },
      { key: 'k', value: new Uint8Array([1, 2, 3]) },
      { key: 'k', value: 'v', headers: { a: null } },
      { key: 'k', value: 'v', headers: { a: [Buffer.from('x'), null] } },
      { key: 'k', value: 'v', headers: null },
      { key: 'k', value: 'v', timestampDelta: 2 ** 60 },
      { key: 'k', value: 'v', timestampDelta: 1.5 },
      { key: 'k', value: 'v', offsetDelta: 2 ** 31 },
    ];
    for (const record of cases) {
      let expected: string;
      try {
        expected = bytes(original(record));
      } catch (err) {
        expected = `throws ${(err as Error).message}`;
      }
      let got: string;
      try {
        got = bytes(fast(record));
      } catch (err) {
        got = `throws ${(err as Error).message}`;
      }
      expect(got).toBe(expected);
    }
  });

  it('is installed once: wrapping it again gives it back', () => {
    expect(fastRecordEncoder(fast, encoderProto)).toBe(fast);
  });
});
