import type avsc from 'avsc';
import type { ResolvedSchema } from '../../../core/registry';
import { keyReadsPlainValues, liteTypeOf } from '../../../router/decode';
import { businessKey, exampleEvent, loadCatalog, typeOf } from '../../../schemas';

/**
 * The router validates most events with a "lite" decode (router/decode.ts: no logical-type
 * conversion, unread strings and bytes skipped). It must accept and refuse exactly the bytes the
 * converting decode does, and give the same metadata and business key.
 */
type Outcome = 'ok' | 'undecodable' | 'trailing';

function outcome(type: avsc.Type, body: Buffer): Outcome {
  let r: { value: unknown; offset: number };
  try {
    r = type.decode(body, 0);
  } catch {
    return 'undecodable';
  }
  if (r.offset < 0) return 'undecodable';
  return r.offset < body.length ? 'trailing' : 'ok';
}

/** Deterministic pseudo-random numbers (a fixed seed: the same mutations every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const catalog = loadCatalog();
const cases = catalog.entries.map((entry) => {
  const version = entry.versions[entry.versions.length - 1]!;
  return [entry.eventType, entry, version.schema] as const;
});

describe('lite decode (router/decode.ts)', () => {
  it.each(cases)(
    '%s: same metadata and business key as the converting decode',
    (eventType, entry, schema) => {
      const full = typeOf(schema);
      const resolved: ResolvedSchema = { schema, type: full };
      const keep = ['metadata', ...entry.keyFields.map((f) => f.split('.')[0]!)];
      const body = full.toBuffer(full.fromBuffer(full.toBuffer(exampleEvent(eventType))));
      const want = full.decode(body, 0);
      for (const lite of [liteTypeOf(resolved), liteTypeOf(resolved, keep)]) {
        const got = lite.decode(body, 0);
        expect(got.offset).toBe(body.length);
        const wm = (want.value as { metadata: Record<string, unknown> }).metadata;
        const gm = (got.value as { metadata: Record<string, unknown> }).metadata;
        expect({ ...gm, occurredAt: new Date(gm.occurredAt as number) }).toEqual(wm);
        if (keyReadsPlainValues(resolved, entry.keyFields))
          expect(businessKey(entry, got.value as Record<string, unknown>)).toBe(
            businessKey(entry, want.value as Record<string, unknown>),
          );
      }
    },
  );

  it.each(cases)(
    '%s: refuses exactly what the converting decode refuses (mutated bodies)',
    (eventType, entry, schema) => {
      const full = typeOf(schema);
      const resolved: ResolvedSchema = { schema, type: full };
      const keep = ['metadata', ...entry.keyFields.map((f) => f.split('.')[0]!)];
      const lites = [liteTypeOf(resolved), liteTypeOf(resolved, keep)];
      const body = full.toBuffer(exampleEvent(eventType));
      const rnd = lcg(eventType.length * 7919);
      const seen = new Set<Outcome>();
      for (let i = 0; i < 400; i++) {
        const b = Buffer.from(body);
        const at = Math.floor(rnd() * b.length);
        let mutated: Buffer;
        switch (i % 4) {
          case 0:
            mutated = b.subarray(0, at); // truncated
            break;
          case 1:
            b[at] = Math.floor(rnd() * 256); // one byte changed
            mutated = b;
            break;
          case 2:
            mutated = Buffer.concat([
              b.subarray(0, at),
              Buffer.from([Math.floor(rnd() * 256)]),
              b.subarray(at),
            ]);
            break;
          default:
            mutated = Buffer.concat([b, Buffer.from([Math.floor(rnd() * 256)])]); // trailing byte
        }
        const want = outcome(full, mutated);
        seen.add(want);
        for (const lite of lites) expect(`${i}: ${outcome(lite, mutated)}`).toBe(`${i}: ${want}`);
      }
      expect(seen.has('undecodable')).toBe(true);
      expect(seen.has('trailing')).toBe(true);
    },
  );

  it('keeps the date check: a day count no Date can hold is undecodable in both', () => {
    const schema = {
      type: 'record',
      name: 'D',
      namespace: 'cd.test',
      fields: [{ name: 'day', type: { type: 'int', logicalType: 'date' } }],
    };
    const full = typeOf(schema);
    const body = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]); // zigzag int 2^31−1 days
    expect(outcome(full, body)).toBe('undecodable');
    expect(outcome(liteTypeOf({ schema, type: full }), body)).toBe('undecodable');
  });
});
