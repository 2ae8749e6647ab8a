import Ajv from 'ajv';
import { DELIVERY_CONFIG_SCHEMA } from '../../../retry/config-schema';
import { compileDeliverySettings, DEFAULT_DELIVERY } from '../../../retry/settings';
import { deliveryKeys } from '../../../retry/keys';
import { SCRIPTS, scriptSource } from '../../../retry/scripts';

describe('delivery settings', () => {
  it('the schema defaults and the compiled defaults agree', () => {
    const ajv = new Ajv({ useDefaults: true, strict: false });
    const doc: Record<string, unknown> = {};
    expect(ajv.validate(DELIVERY_CONFIG_SCHEMA, doc)).toBe(true);
    const fromSchema = compileDeliverySettings(doc);
    expect(fromSchema).toEqual({ ...DEFAULT_DELIVERY, rateLimit: { perSecond: 0, burst: 1 } });
    expect(compileDeliverySettings(undefined)).toEqual(fromSchema);
  });

  it('every field has a description; unknown fields are refused', () => {
    const walk = (s: Record<string, unknown>, path: string) => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        expect(`${path}.${k}: ${typeof v.description}`).toBe(`${path}.${k}: string`);
        walk(v, `${path}.${k}`);
      }
    };
    walk(DELIVERY_CONFIG_SCHEMA as unknown as Record<string, unknown>, 'delivery');
    const ajv = new Ajv({ useDefaults: true, strict: false });
    expect(ajv.validate(DELIVERY_CONFIG_SCHEMA, { retry: { maxAttempt: 3 } })).toBe(false);
  });

  it('overrides keep the other defaults; burst defaults to the rate', () => {
    const s = compileDeliverySettings({
      retry: { maxAttempts: 3 },
      rateLimit: { perSecond: 50 },
      ordering: { mode: 'key', onDeadLetter: 'hold' },
    });
    expect(s.retry).toEqual({ ...DEFAULT_DELIVERY.retry, maxAttempts: 3 });
    expect(s.rateLimit).toEqual({ perSecond: 50, burst: 50 });
    expect(s.ordering).toEqual({ mode: 'key', onDeadLetter: 'hold' });
  });
});

describe('redis keys and scripts', () => {
  it('every key of a subscriber shares the hash tag {cd:<id>}', () => {
    const k = deliveryKeys('finance', 'ns:');
    const all = [k.due, k.held, k.bucket, k.slots, k.entry('e1'), k.keyQueue('ORD-1'), k.idempotency('e1')];
    for (const key of all) expect(key.match(/\{([^}]*)\}/)?.[1]).toBe('cd:finance');
    expect(new Set(all).size).toBe(all.length);
  });

  it('every script has a contract header naming its KEYS, ARGV and returns, and uses only KEYS it declares', () => {
    for (const [name, spec] of Object.entries(SCRIPTS)) {
      const src = scriptSource(name as keyof typeof SCRIPTS);
      expect(src).toMatch(/KEYS\[1\]/);
      expect(src).toMatch(/ARGV\[1\]/);
      expect(src).toMatch(/Returns/);
      const used = new Set([...src.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      if (spec.keys !== null) expect(Math.max(...used)).toBe(spec.keys);
      else expect(src).toMatch(/KEYS\[\d\.\.\]/); // a variable key list is declared as such
      // No key names built inside a script (cluster safety): no string concatenation into redis.call keys.
      expect(src).not.toMatch(/redis\.call\('[A-Z]+',\s*[^K][^,)]*\.\./);
    }
  });
});
