import avsc from 'avsc';
import { AVRO_OPTIONS, avroType, frame, toJsonSafe, unframe } from '../../../core/avro';

const schema = {
  type: 'record',
  name: 'Sample',
  namespace: 'com.crossdock.test',
  fields: [
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    {
      name: 'fixedAmount',
      type: { type: 'fixed', name: 'Amount8', size: 8, logicalType: 'decimal', precision: 18, scale: 4 },
    },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'count', type: 'long' },
    {
      name: 'maybe',
      type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 }],
      default: null,
    },
  ],
};
const good = {
  amount: '-1234.5',
  fixedAmount: '0.0001',
  at: new Date('2026-03-04T05:06:07.089Z'),
  day: '2024-02-29',
  id: '6f1c3f0e-2b7a-4c1e-9a57-3d2f5e8b9c10',
  count: Number.MAX_SAFE_INTEGER,
  maybe: '12.345',
};

describe('core/avro logical types', () => {
  const type = avroType(schema);

  it('round-trips decimals as exact strings with the schema scale, dates, timestamps, uuids', () => {
    const back = type.fromBuffer(type.toBuffer(good)) as Record<string, unknown>;
    expect(back.amount).toBe('-1234.50');
    expect(back.fixedAmount).toBe('0.0001');
    expect(back.at).toEqual(good.at);
    expect(back.day).toBe('2024-02-29');
    expect(back.id).toBe(good.id);
    expect(back.count).toBe(Number.MAX_SAFE_INTEGER);
    expect(back.maybe).toBe('12.345');
  });

  it("writes decimals as two's-complement big-endian unscaled integers (the Avro spec)", () => {
    const plain = avsc.Type.forSchema(schema as avsc.Schema);
    const raw = plain.fromBuffer(type.toBuffer({ ...good, count: 42 })) as { amount: Buffer };
    // -123450 = 0xFE1DC6 in 3 bytes two's complement
    expect(raw.amount.toString('hex')).toBe('fe1dc6');
  });

  it("writes the same two's-complement bytes on both sides of the 15-digit fast path, at every byte boundary", () => {
    // Reference: the fewest big-endian two's-complement bytes of the unscaled value, in BigInt.
    const reference = (unscaled: bigint, size?: number): string => {
      let len = 1;
      while (unscaled < -(1n << BigInt(len * 8 - 1)) || unscaled >= 1n << BigInt(len * 8 - 1)) len++;
      len = size ?? len;
      const v = unscaled < 0n ? (1n << BigInt(len * 8)) + unscaled : unscaled;
      return v.toString(16).padStart(len * 2, '0');
    };
    const bytesType = avsc.Type.forSchema({ type: 'bytes' });
    const wide = avroType({ type: 'bytes', logicalType: 'decimal', precision: 30, scale: 2 });
    const fixed = avroType({
      type: 'fixed',
      name: 'F16',
      size: 16,
      logicalType: 'decimal',
      precision: 30,
      scale: 2,
    });
    const fixedBytes = avsc.Type.forSchema({ type: 'fixed', name: 'F16', size: 16 });
    const cases: bigint[] = [0n, 1n, -1n, 99n, -100n, 999_999_999_999_999n, -999_999_999_999_999n];
    for (let bits = 7; bits <= 70; bits++)
      for (const d of [-1n, 0n, 1n]) cases.push((1n << BigInt(bits)) + d, -(1n << BigInt(bits)) + d);
    for (const unscaled of cases) {
      const abs = unscaled < 0n ? -unscaled : unscaled;
      const text = `${unscaled < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
      const got = (bytesType.fromBuffer(wide.toBuffer(text)) as Buffer).toString('hex');
      expect(`${text} ${got}`).toBe(`${text} ${reference(unscaled)}`);
      expect(wide.fromBuffer(wide.toBuffer(text))).toBe(text);
      const gotFixed = (fixedBytes.fromBuffer(fixed.toBuffer(text)) as Buffer).toString('hex');
      expect(`${text} ${gotFixed}`).toBe(`${text} ${reference(unscaled, 16)}`);
    }
    expect(wide.toBuffer('-0.00').equals(wide.toBuffer('0.00'))).toBe(true);
    const narrow = avroType({
      type: 'fixed',
      name: 'F2',
      size: 2,
      logicalType: 'decimal',
      precision: 9,
      scale: 2,
    });
    expect(() => narrow.toBuffer('327.67')).not.toThrow();
    expect(() => narrow.toBuffer('327.68')).toThrow(/does not fit in fixed\(2\)/);
    expect(() => narrow.toBuffer('-327.69')).toThrow(/does not fit in fixed\(2\)/);
  });

  it('refuses floats and extra fraction digits for decimals instead of rounding', () => {
    expect(() => type.toBuffer({ ...good, amount: 12.5 })).toThrow(/exact decimal string/);
    expect(() => type.toBuffer({ ...good, amount: '1.005' })).toThrow(/scale is 2; crossdock never rounds/);
    expect(() => type.toBuffer({ ...good, amount: '12345678901.00' })).toThrow(
      /more than 12 significant digits/,
    );
    expect(type.isValid({ ...good, amount: '1.50' })).toBe(true);
  });

  it('refuses longs beyond 2^53 on encode and on decode', () => {
    expect(type.isValid({ ...good, count: 2 ** 60 })).toBe(false);
    const unsafe = avsc.Type.forSchema('long', { registry: {} }).toBuffer(9007199254740990); // largest value avsc writes
    expect(avroType('"long"').fromBuffer(unsafe)).toBe(9007199254740990);
    // zigzag varint of 2^62: written by hand, as a Java producer would
    const big = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => avroType('"long"').fromBuffer(big)).toThrow(
      /beyond ±\(2\^53−1\).*refused instead of rounded/,
    );
  });

  it('accepts ISO 8601 strings with a zone for timestamps, refuses zone-less ones and bad days', () => {
    expect(type.isValid({ ...good, at: '2026-03-04T05:06:07Z' })).toBe(true);
    expect(type.isValid({ ...good, at: '2026-03-04T05:06:07' })).toBe(false);
    expect(type.isValid({ ...good, day: '2025-02-29' })).toBe(false);
    expect(type.isValid({ ...good, id: 'not-a-uuid' })).toBe(false);
  });

  it('toJsonSafe output encodes back to the same bytes (lossless JSON round trip)', () => {
    const decoded = type.fromBuffer(type.toBuffer(good));
    const json = JSON.parse(JSON.stringify(toJsonSafe(decoded))) as Record<string, unknown>;
    expect(json.at).toBe('2026-03-04T05:06:07.089Z');
    expect(json.amount).toBe('-1234.50');
    expect(type.toBuffer(json).equals(type.toBuffer(good))).toBe(true);
  });

  it('resolves logical types between two versions of a schema (reader ≠ writer) without decoding twice', () => {
    const evolved = {
      ...schema,
      fields: [...schema.fields, { name: 'note', type: ['null', 'string'], default: null }],
    };
    const reader = avroType(evolved);
    const back = reader.fromBuffer(type.toBuffer(good), reader.createResolver(type)) as Record<
      string,
      unknown
    >;
    expect(back).toMatchObject({
      amount: '-1234.50',
      fixedAmount: '0.0001',
      at: good.at,
      day: '2024-02-29',
      id: good.id,
      maybe: '12.345',
      note: null,
    });
  });

  it('reads plain long/int/string data into timestamp-millis/date/uuid readers', () => {
    const plain = avsc.Type.forSchema({
      type: 'record',
      name: 'P',
      fields: [
        { name: 'at', type: 'long' },
        { name: 'day', type: 'int' },
        { name: 'id', type: 'string' },
      ],
    } as avsc.Schema);
    const logical = avroType({
      type: 'record',
      name: 'P',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
      ],
    });
    const bytes = plain.toBuffer({ at: 86_400_000, day: 1, id: good.id });
    expect(logical.fromBuffer(bytes, logical.createResolver(plain))).toMatchObject({
      at: new Date(86_400_000),
      day: '1970-01-02',
      id: good.id,
    });
  });

  it('refuses to resolve decimals whose scale differs', () => {
    const other = avroType({
      ...schema,
      fields: schema.fields.map((f) =>
        f.name === 'amount'
          ? { ...f, type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 3 } }
          : f,
      ),
    });
    expect(() => other.createResolver(type)).toThrow();
  });

  it('AVRO_OPTIONS does not collect named types between uses', () => {
    avroType(schema);
    avroType(schema);
    expect((AVRO_OPTIONS as { registry?: unknown }).registry).toBeUndefined();
  });
});

describe('Confluent framing', () => {
  it('frames with magic byte 0 and a big-endian id, and unframes back', () => {
    const f = frame(0x01020304, Buffer.from([9, 8]));
    expect([...f]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    expect(unframe(f)).toEqual({ schemaId: 0x01020304, payload: Buffer.from([9, 8]) });
  });

  it('returns undefined for a wrong magic byte or short input', () => {
    expect(unframe(Buffer.from([1, 0, 0, 0, 1, 5]))).toBeUndefined();
    expect(unframe(Buffer.from([0, 0, 0]))).toBeUndefined();
  });
});
