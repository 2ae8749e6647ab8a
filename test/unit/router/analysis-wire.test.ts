import { packBatch, unpackBatch } from '../../../router/analysis-wire';
import { VALIDATED_HEADERS } from '../../../router/validate';
import type { IngressRecord } from '../../../router/validate';

/**
 * The bytes a batch carries to an analysis worker: what goes in comes out, apart from the
 * documented changes (string header values become Buffers; without allHeaders only the headers
 * the validator reads travel).
 */
const records: IngressRecord[] = [
  {
    topic: 'cd.ingress.us-chi',
    partition: 4,
    offset: '17',
    key: Buffer.from('ORD-1'),
    value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
    headers: {
      ce_id: Buffer.from('e1'),
      ce_type: 'OrderReleased',
      traceparent: Buffer.from('00-abc-def-01'),
      'x-repeated': [Buffer.from('one'), 'two'],
      ce_time: [Buffer.from('2026-11-01T00:00:00.000Z'), Buffer.from('later')],
    },
  },
  { topic: 'cd.ingress.us-chi', partition: 4, offset: '18', key: null, value: null },
  {
    topic: 'cd.ingress.us-chi',
    partition: 4,
    offset: '20',
    key: Buffer.alloc(0),
    value: Buffer.from('déjà vu'),
    headers: { 'content-type': 'application/avro; charset=x', ce_specversion: undefined },
  },
];

/** Headers as comparable strings (arrays kept as arrays). */
function shown(r: IngressRecord) {
  const h: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (v === undefined) continue;
    h[k] = Array.isArray(v) ? v.map((x) => x.toString()) : v.toString();
  }
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key === null ? null : r.key.toString('hex'),
    value: r.value === null ? null : r.value.toString('hex'),
    headers: h,
  };
}

/** What a worker receives: the tables after a structured clone with the buffers transferred. */
function overTheWire(allHeaders: boolean) {
  const packed = packBatch(records, allHeaders, VALIDATED_HEADERS);
  const copy = structuredClone(packed, {
    transfer: [
      packed.data.buffer as ArrayBuffer,
      packed.records.buffer as ArrayBuffer,
      packed.headers.buffer as ArrayBuffer,
    ],
  });
  expect(packed.data.byteLength).toBe(0); // transferred, not copied
  return unpackBatch(copy);
}

describe('analysis wire format (router/analysis-wire.ts)', () => {
  it('with allHeaders, every record comes back byte for byte, repeated headers as arrays', () => {
    const back = overTheWire(true);
    expect(back.map(shown)).toEqual(records.map(shown));
    expect(Buffer.isBuffer(back[0]!.value)).toBe(true);
    expect(back[1]!.key).toBeNull();
    expect(back[1]!.value).toBeNull();
    expect(back[2]!.key).toEqual(Buffer.alloc(0));
  });

  it('without allHeaders, only the headers the validator reads travel', () => {
    const back = overTheWire(false);
    expect(back[0]!.headers).toEqual({
      ce_id: Buffer.from('e1'),
      ce_type: Buffer.from('OrderReleased'),
      ce_time: [Buffer.from('2026-11-01T00:00:00.000Z'), Buffer.from('later')],
    });
    expect(back[1]!.headers).toBeUndefined();
    expect(Object.keys(back[2]!.headers!)).toEqual(['content-type']);
  });

  it('an empty batch packs to empty tables', () => {
    const packed = packBatch([], false, VALIDATED_HEADERS);
    expect(packed.records.length).toBe(0);
    expect(unpackBatch(packed)).toEqual([]);
  });
});
