import { avroType } from '../../../core/avro';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { FRAME_BYTES, onePassAgrees, writeFramed } from '../../../connectors/sources/one-pass';
import { currentVersion, exampleEvent, loadCatalog, typeOf } from '../../../schemas';

/**
 * The source connectors write Avro while checking (one pass) and explain only on failure
 * (connectors/sources/one-pass.ts). These tests pin the claim that makes it safe: for every
 * catalog schema, the writer accepts a value exactly when avsc's isValid does, so the connectors
 * refuse exactly what check + encode refused.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

/** Every [container, key] of a JSON-like value (objects and arrays, depth first). */
function slots(value: unknown, out: Array<[Record<string | number, unknown>, string | number]> = []) {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const k of Object.keys(value)) {
      const key = Array.isArray(value) ? Number(k) : k;
      out.push([value as Record<string | number, unknown>, key]);
      slots((value as Record<string, unknown>)[k], out);
    }
  }
  return out;
}

const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'undefined',
  'length',
  '12.345',
  '1e3',
  '99999999999999999999999.00',
  '2026-02-31',
  '2026-03-01T10:00:00Z',
  '6f1c3f0e-2b7a-4c1e-9a57-3d2f5e8b9c10',
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  Number.NaN,
  true,
  {},
  [],
  [{}],
  { a: 1 },
  new Date('2026-03-01T10:00:00Z'),
  Buffer.from([1, 2]),
];

const catalog = loadCatalog();
const active = catalog.entries.filter((e) => currentVersion(e));

describe('one Avro pass (connectors/sources/one-pass.ts)', () => {
  const codec = createCatalogCodec({ ids: () => 7, catalog });

  it.each(active.map((e) => [e.eventType]))('%s: the writer and isValid agree on its schema', (eventType) => {
    expect(onePassAgrees(typeOf(currentVersion(catalog.byEventType(eventType)!)!.schema))).toBe(true);
  });

  it.each(active.map((e) => [e.eventType]))(
    '%s: write() + frameWritten() give the bytes encode() gives',
    async (eventType) => {
      const event = exampleEvent(eventType, { catalog });
      const w = codec.write!(eventType, event);
      expect(w.problems).toEqual([]);
      expect(w.framed).toBeDefined();
      const framed = await codec.frameWritten!(eventType, event, w.framed!);
      expect(framed.equals(await codec.encode(eventType, event))).toBe(true);
    },
  );

  it.each(active.map((e) => [e.eventType]))(
    '%s: mutated events get the same verdict and problems from write() as from check()',
    (eventType) => {
      const r = rng(eventType.length * 7919);
      let refused = 0;
      for (let n = 0; n < 400; n++) {
        const event = exampleEvent(eventType, { catalog });
        const all = slots(event);
        for (let k = 1 + Math.floor(r() * 2); k > 0; k--) {
          const [container, key] = all[Math.floor(r() * all.length)]!;
          const v = REPLACEMENTS[Math.floor(r() * REPLACEMENTS.length)];
          if (v === undefined && !Array.isArray(container)) delete container[key];
          else container[key] = v;
        }
        const checked = codec.check(eventType, event);
        const written = codec.write!(eventType, event);
        expect(written.problems).toEqual(checked);
        expect(written.framed === undefined).toBe(checked.length > 0);
        if (checked.length) refused++;
      }
      expect(refused).toBeGreaterThan(100);
    },
  );

  it('falls back to check + encode for records a primitive could pass as', () => {
    const rec = (fields: unknown[]) => avroType({ type: 'record', name: 'R', fields });
    expect(onePassAgrees(rec([{ name: 'a', type: 'string' }]))).toBe(true);
    // Every field takes undefined (a default): "abc" would write as {} but isValid refuses it.
    expect(onePassAgrees(rec([{ name: 'a', type: 'string', default: 'x' }]))).toBe(false);
    // "abc".length is a number.
    expect(onePassAgrees(rec([{ name: 'length', type: 'int' }]))).toBe(false);
    const undefinedSymbol = { type: 'enum', name: 'E', symbols: ['undefined', 'other'] };
    expect(onePassAgrees(rec([{ name: 'e', type: undefinedSymbol }]))).toBe(false);
    expect(onePassAgrees(rec([]))).toBe(false);
    // The same, nested: the outer record inherits the verdict.
    const inner = { type: 'record', name: 'I', fields: [{ name: 'a', type: 'string', default: '' }] };
    expect(
      onePassAgrees(
        rec([
          { name: 'x', type: 'string' },
          { name: 'i', type: inner },
        ]),
      ),
    ).toBe(false);
    expect(onePassAgrees(rec([{ name: 'x', type: ['null', inner] }]))).toBe(false);
    // Types whose check and write were not compared stay on the safe path.
    expect(onePassAgrees(rec([{ name: 'm', type: { type: 'map', values: 'string' } }]))).toBe(false);
    expect(onePassAgrees(rec([{ name: 'd', type: 'double' }]))).toBe(false);
  });

  it('writeFramed leaves the frame header zeroed and grows for large events', () => {
    const t = avroType({ type: 'record', name: 'Big', fields: [{ name: 's', type: 'string' }] });
    for (const size of [10, 40_000, 200_000]) {
      const s = 'y'.repeat(size);
      const framed = writeFramed(t, { s });
      expect([...framed.subarray(0, FRAME_BYTES)]).toEqual([0, 0, 0, 0, 0]);
      expect(framed.subarray(FRAME_BYTES).equals(t.toBuffer({ s }))).toBe(true);
    }
    expect(() => writeFramed(t, { s: 5 })).toThrow();
  });
});
