import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from '../core/redis';

/**
 * The Lua scripts of retry/lua, each with its fixed number of KEYS (see the contract header at the
 * top of each file). Registered on a client with defineCommand, so ioredis sends EVALSHA and
 * falls back to EVAL after a SCRIPT FLUSH or a failover.
 */
export const SCRIPTS = {
  // keys: null = a variable number of keys (the caller's list decides; numkeys is sent first).
  admitMany: { file: 'admit-many.lua', keys: null },
  finishMany: { file: 'finish-many.lua', keys: null },
  park: { file: 'park.lua', keys: 3 },
  schedule: { file: 'schedule.lua', keys: 4 },
  claim: { file: 'claim.lua', keys: 1 },
  complete: { file: 'complete.lua', keys: 4 },
  releaseHeld: { file: 'release-held.lua', keys: 3 },
} as const satisfies Record<string, { file: string; keys: number | null }>;

export type ScriptName = keyof typeof SCRIPTS;

const cache = new Map<string, string>();

/** The source of one script (read once). */
export function scriptSource(name: ScriptName): string {
  const file = SCRIPTS[name].file;
  let src = cache.get(file);
  if (src === undefined) {
    src = fs.readFileSync(path.join(__dirname, 'lua', file), 'utf8');
    cache.set(file, src);
  }
  return src;
}

type ScriptArg = string | number | Buffer;

/** Calls scripts on one client; KEYS and ARGV are always passed in full by the caller. */
export interface ScriptRunner {
  run(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown>;
}

const registered = new WeakSet<Redis>();

export function scriptRunner(redis: Redis): ScriptRunner {
  if (!registered.has(redis)) {
    for (const [name, spec] of Object.entries(SCRIPTS)) {
      redis.defineCommand(`cd_${name}`, {
        ...(spec.keys === null ? {} : { numberOfKeys: spec.keys }),
        lua: scriptSource(name as ScriptName),
      });
    }
    registered.add(redis);
  }
  return {
    run(name, keys, args) {
      const want: number | null = SCRIPTS[name].keys;
      if (want !== null && keys.length !== want)
        throw new Error(`script ${name} takes ${want} keys, got ${keys.length}`);
      const fn = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[`cd_${name}`];
      if (!fn) throw new Error(`script ${name} is not registered`);
      return want === null ? fn.call(redis, keys.length, ...keys, ...args) : fn.call(redis, ...keys, ...args);
    },
  };
}
