import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { assertKeysShareSlot, loadLuaScript, luaRunner } from '../../../core/lua';
import { isCrossdockError } from '../../../core/errors';
import type { RedisClient } from '../../../core/redis';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-lua-slots-'));
const file = path.join(dir, 'two-keys.lua');
fs.writeFileSync(
  file,
  '--[[ KEYS[1], KEYS[2]: two strings. ARGV[1]: a value. Returns OK. ]]\nredis.call("SET", KEYS[1], ARGV[1])\nreturn redis.call("SET", KEYS[2], ARGV[1])\n',
);
const script = loadLuaScript(file, 2);

/** A client that records what would be sent. */
function fakeClient(): { client: RedisClient; sent: unknown[][] } {
  const sent: unknown[][] = [];
  const client = {
    defineCommand(name: string) {
      (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        sent.push(args);
        return Promise.resolve('OK');
      };
    },
  };
  return { client: client as unknown as RedisClient, sent };
}

function refusal(fn: () => unknown): { code: string; message: string; details: unknown } {
  try {
    fn();
  } catch (err) {
    if (isCrossdockError(err)) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('did not throw');
}

describe('Lua scripts keep their keys in one Redis Cluster slot', () => {
  it('a call whose keys span two slots is refused before anything is sent, naming the script and the keys', async () => {
    const { client, sent } = fakeClient();
    const runner = luaRunner(client, [script], { checkSlots: true });
    await runner.run(script, ['cd:{cd:a}:x', 'cd:{cd:a}:y'], ['v']);
    expect(sent).toHaveLength(1);
    const r = refusal(() => runner.run(script, ['cd:{cd:a}:x', 'cd:{cd:b}:y'], ['v']));
    expect(r.code).toBe('CD_E_REDIS_CROSS_SLOT');
    expect(r.message).toContain('two-keys.lua');
    expect(r.message).toContain('"cd:{cd:a}:x"');
    expect(r.message).toContain('"cd:{cd:b}:y"');
    expect(sent).toHaveLength(1);
  });

  it('one server is not checked (behaviour as before clusters); a Cluster client always is', () => {
    const { client, sent } = fakeClient();
    void luaRunner(client, [script]).run(script, ['a', 'b'], ['v']);
    expect(sent).toHaveLength(1);
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    try {
      const r = refusal(() => luaRunner(cluster, [script]).run(script, ['a', 'b'], ['v']));
      expect(r.code).toBe('CD_E_REDIS_CROSS_SLOT');
    } finally {
      cluster.disconnect();
    }
  });

  it('the start-time check refuses a key set across slots', () => {
    expect(() => assertKeysShareSlot('x', ['p:{s}:due', 'p:{s}:held'])).not.toThrow();
    const r = refusal(() => assertKeysShareSlot('the delivery state of s', ['p:{s}:due', 'p:{t}:held']));
    expect(r.code).toBe('CD_E_REDIS_CROSS_SLOT');
    expect(r.message).toMatch(
      /the delivery state of s has keys in two Redis Cluster slots.*refuses to start/,
    );
  });
});
