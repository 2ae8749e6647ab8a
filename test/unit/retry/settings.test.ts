import Ajv from 'ajv';
import { DELIVERY_CONFIG_SCHEMA } from '../../../retry/config-schema';
import { compileDeliverySettings, DEFAULT_DELIVERY } from '../../../retry/settings';
import fs from 'node:fs';
import path from 'node:path';
import { luaContractProblems, luaHeader } from '../../../core/lua';
import { deliveryKeys, redisPrefixFor } from '../../../core/names/redis-keys';
import { SCRIPTS, scriptSource } from '../../../retry/scripts';

const ROOT = path.resolve(__dirname, '../../..');

/** Every .lua file of the repository (dependencies and VCS folders aside). */
function luaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...luaFiles(p));
    else if (e.name.endsWith('.lua')) out.push(p);
  }
  return out.sort();
}

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
    const k = deliveryKeys(redisPrefixFor('cd'), 'finance');
    const all = [k.due, k.held, k.bucket, k.slots, k.entry('e1'), k.keyQueue('ORD-1'), k.idempotency('e1')];
    for (const key of all) expect(key.match(/\{([^}]*)\}/)?.[1]).toBe('cd:finance');
    expect(new Set(all).size).toBe(all.length);
  });

  it('every .lua file in the repository has a contract header naming its KEYS, ARGV and Returns, uses only KEYS it declares, and builds no key', () => {
    const files = luaFiles(ROOT);
    // The parts that run Lua today: delivery, router fence and dedupe, HTTP ingest.
    expect(files.map((f) => path.relative(ROOT, f).split(path.sep)[0])).toEqual(
      expect.arrayContaining(['retry', 'router', 'connectors']),
    );
    for (const file of files) {
      const src = fs.readFileSync(file, 'utf8');
      const header = luaHeader(src);
      expect({ file, problems: luaContractProblems(src) }).toEqual({ file, problems: [] });
      expect(header).toMatch(/KEYS\[1(\.\.)?\]/);
      expect(header).toMatch(/ARGV\[1\]/);
      expect(header).toMatch(/Returns/);
      // No key names built inside a script (cluster safety): every redis call's key is KEYS[…].
      expect({ file, src }).not.toEqual({
        file,
        src: expect.stringMatching(/redis\.p?call\('[A-Z]+',\s*[^K\s]/),
      });
    }
  });

  it('the retry scripts declare exactly the KEYS their callers pass', () => {
    for (const [name, spec] of Object.entries(SCRIPTS)) {
      const src = scriptSource(name as keyof typeof SCRIPTS);
      const used = new Set([...src.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      if (spec.keys !== null) expect(Math.max(...used)).toBe(spec.keys);
      else expect(src).toMatch(/KEYS\[\d\.\.\]/); // a variable key list is declared as such
      expect(luaContractProblems(src, spec.keys)).toEqual([]);
    }
  });

  it('the loader refuses a script without a header, or one that builds a key', () => {
    expect(luaContractProblems("return redis.call('GET', KEYS[1])")).not.toEqual([]);
    const built =
      "--[[\n  KEYS[1] k\n  ARGV[1] suffix\n  Returns the value\n]]\nreturn redis.call('GET', KEYS[1] .. ARGV[1])";
    expect(luaContractProblems(built).join()).toMatch(/must name a key from KEYS/);
    const undeclared =
      "--[[\n  KEYS[1] k\n  ARGV[1] v\n  Returns 1\n]]\nredis.call('SET', KEYS[2], ARGV[1])\nreturn 1";
    expect(luaContractProblems(undeclared).join()).toMatch(/KEYS\[2\] is used but not declared/);
  });
});
