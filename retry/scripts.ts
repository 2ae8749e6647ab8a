import path from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { loadLuaScript, luaRunner, type LuaArg, type LuaScript } from '../core/lua';
import type { Redis } from '../core/redis';

/**
 * The Lua scripts of retry/lua, each with its number of KEYS (the contract header at the top of
 * each file says which). Loaded and run through core/lua.ts (by SHA, EVAL fallback).
 */
export const SCRIPTS = {
  // keys: null = a variable number of keys (the caller's list decides; numkeys is sent first).
  admitMany: { file: 'admit-many.lua', keys: null },
  finishMany: { file: 'finish-many.lua', keys: null },
  park: { file: 'park.lua', keys: 5 },
  schedule: { file: 'schedule.lua', keys: 5 },
  claim: { file: 'claim.lua', keys: 1 },
  complete: { file: 'complete.lua', keys: 5 },
  releaseHeld: { file: 'release-held.lua', keys: 3 },
  replayHead: { file: 'replay-head.lua', keys: 6 },
} as const satisfies Record<string, { file: string; keys: number | null }>;

export type ScriptName = keyof typeof SCRIPTS;

/** One script, read and checked once. */
export function retryScript(name: ScriptName): LuaScript {
  const spec = SCRIPTS[name];
  return loadLuaScript(path.join(__dirname, 'lua', spec.file), spec.keys);
}

/** The source of one script. */
export function scriptSource(name: ScriptName): string {
  return retryScript(name).source;
}

/** Calls scripts on one client; KEYS and ARGV are always passed in full by the caller. */
export interface ScriptRunner {
  run(name: ScriptName, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown>;
  /** Queues the script on a pipeline made from the runner's client after the runner was made. */
  queue(
    pipeline: ChainableCommander,
    name: ScriptName,
    keys: readonly string[],
    args: readonly LuaArg[],
  ): void;
}

export function scriptRunner(redis: Redis): ScriptRunner {
  const names = Object.keys(SCRIPTS) as ScriptName[];
  const scripts = new Map(names.map((n) => [n, retryScript(n)]));
  const runner = luaRunner(redis, [...scripts.values()]);
  return {
    run: (name, keys, args) => runner.run(scripts.get(name)!, keys, args),
    queue: (pipeline, name, keys, args) => runner.queue(pipeline, scripts.get(name)!, keys, args),
  };
}
