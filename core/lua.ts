import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { CrossdockError } from './errors';
import { isCluster, type RedisClient } from './redis';
import { slotConflict } from './redis-slot';

/**
 * The one way crossdock runs Lua. Each script is a `.lua` file beside the part that uses it,
 * loaded once, checked, and run by SHA: {@link luaRunner} registers it on a client with ioredis
 * `defineCommand`, which sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover
 * (pipelines load missing scripts before they run).
 *
 * Contract header: a script starts with a comment (a `--[[ … ]]` block or leading `--` lines)
 * that names
 * - its keys: `KEYS[1]`, `KEYS[2]`, … for a fixed number, or `KEYS[n..]` for a list the caller
 *   sizes (numkeys is then sent first);
 * - its arguments: `ARGV[1]`, …;
 * - what it `Returns`.
 * The body uses no KEYS index its header does not declare, and every `redis.call` / `redis.pcall`
 * names a key from KEYS: no key is built inside a script, so each call stays on the one Redis
 * Cluster slot of the keys the caller passed.
 */

export type LuaArg = string | number | Buffer;

export interface LuaScript {
  /** The file it was read from (absolute). */
  readonly file: string;
  readonly source: string;
  /** Number of KEYS, or null when the caller passes a list of any length. */
  readonly keys: number | null;
  /** Name of the command it is registered as on a client (derived from its SHA-1). */
  readonly command: string;
}

/** The leading comment of a script, or '' when it has none. */
export function luaHeader(source: string): string {
  const text = source.replace(/^\uFEFF/, '');
  const block = /^\s*--\[(=*)\[([\s\S]*?)\]\1\]/.exec(text);
  if (block) return block[2]!;
  const lines = /^(?:[ \t]*\r?\n)*((?:[ \t]*--[^\n]*(?:\n|$))+)/.exec(text);
  return lines ? lines[1]! : '';
}

/** The script without its header and without comments (what Redis runs). */
function luaBody(source: string): string {
  return source.replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, '').replace(/--[^\n]*/g, '');
}

/** What a header declares about KEYS: the highest fixed index, and whether a list follows. */
export function declaredKeys(header: string): { fixed: number; list: boolean } {
  let fixed = 0;
  let list = false;
  for (const m of header.matchAll(/KEYS\[(\d+)(\.\.)?\]/g)) {
    if (m[2]) list = true;
    else fixed = Math.max(fixed, Number(m[1]));
  }
  return { fixed, list };
}

/**
 * Problems of a script against the contract above, empty when it keeps it. With `keys`, also
 * checks that the header declares exactly that many keys (null: a list of any length).
 */
export function luaContractProblems(source: string, keys?: number | null): string[] {
  const problems: string[] = [];
  const header = luaHeader(source);
  if (!header) return ['no contract header (a leading --[[ … ]] comment naming KEYS, ARGV and Returns)'];
  const declared = declaredKeys(header);
  if (declared.fixed === 0 && !declared.list) problems.push('the header declares no KEYS[1] or KEYS[n..]');
  if (!/ARGV\[\d+/.test(header)) problems.push('the header declares no ARGV');
  if (!/\bReturns\b/.test(header)) problems.push('the header does not say what the script Returns');
  const body = luaBody(source);
  for (const m of body.matchAll(/KEYS\[(\d+)\]/g)) {
    const i = Number(m[1]);
    if (i > declared.fixed && !declared.list)
      problems.push(`KEYS[${i}] is used but not declared in the header`);
  }
  for (const m of body.matchAll(/redis\.p?call\(\s*(['"][A-Za-z]+['"])\s*(?:,\s*([^,)]*))?/g)) {
    const first = (m[2] ?? '').trim();
    if (!/^KEYS\[[^\]]+\]$/.test(first))
      problems.push(`redis call ${m[1]} on ${first || 'no key'}: every call must name a key from KEYS`);
  }
  if (keys !== undefined) {
    if (keys === null && !declared.list)
      problems.push('the caller passes a key list, the header declares none (KEYS[n..])');
    if (keys !== null && (declared.list || declared.fixed !== keys))
      problems.push(
        `the caller passes ${keys} keys, the header declares ${declared.list ? 'a list' : declared.fixed}`,
      );
  }
  return problems;
}

const loaded = new Map<string, LuaScript>();

/**
 * Reads and checks one script file (once per process). Throws CD_E_LUA_SCRIPT_INVALID naming the
 * file when it breaks the contract.
 * @param file absolute path of the `.lua` file
 * @param keys its number of KEYS, or null for a list of any length
 */
export function loadLuaScript(file: string, keys: number | null): LuaScript {
  const cached = loaded.get(file);
  if (cached) {
    if (cached.keys !== keys)
      throw new Error(`${file} is loaded with ${String(cached.keys)} keys, not ${String(keys)}`);
    return cached;
  }
  const source = fs.readFileSync(file, 'utf8');
  const problems = luaContractProblems(source, keys);
  if (problems.length > 0)
    throw new CrossdockError('CD_E_LUA_SCRIPT_INVALID', `${file}: ${problems.join('; ')}`, {
      details: { file, problems },
    });
  const sha = crypto.createHash('sha1').update(source).digest('hex');
  const script: LuaScript = Object.freeze({ file, source, keys, command: `lua_${sha}` });
  loaded.set(file, script);
  return script;
}

type ScriptFn = (...args: LuaArg[]) => Promise<unknown>;

/** Runs scripts on one client; KEYS and ARGV are always passed in full by the caller. */
export interface LuaRunner {
  run(script: LuaScript, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown>;
  /**
   * Queues the script on a pipeline or MULTI made from this runner's client after the runner was
   * made (ioredis copies a client's scripts into a pipeline when it is created).
   */
  queue(
    pipeline: ChainableCommander,
    script: LuaScript,
    keys: readonly string[],
    args: readonly LuaArg[],
  ): void;
}

const registered = new WeakMap<RedisClient, Set<string>>();

/** Slots of the hash tags seen by the check below (a few per hub: one per subscriber, site, part). */
const tagSlots = new Map<string, number>();

/**
 * Throws CD_E_REDIS_CROSS_SLOT naming the script and two of `keys` that hash to different Redis
 * Cluster slots; returns when they share one. Keys of one hash tag need no hashing, and each
 * distinct tag is hashed once per process, so the check costs a string scan per key.
 */
export function assertOneSlot(script: Pick<LuaScript, 'file'>, keys: readonly string[]): void {
  const name = script.file.split(/[\\/]/).slice(-2).join('/');
  assertKeysShareSlot(`Lua script ${name}`, keys, 'it is not sent');
}

/**
 * The start-time form of the check, for a part that knows its keys up front (one hash tag per
 * part: core/names/redis-keys.ts): throws CD_E_REDIS_CROSS_SLOT naming `what` and two keys in
 * different slots, so the part refuses to start.
 */
export function assertKeysShareSlot(
  what: string,
  keys: readonly string[],
  consequence = 'it refuses to start',
): void {
  const conflict = slotConflict(keys, tagSlots);
  if (!conflict) return;
  throw new CrossdockError(
    'CD_E_REDIS_CROSS_SLOT',
    `${what} has keys in two Redis Cluster slots: ${JSON.stringify(conflict.first)} (slot ${conflict.slots[0]}) and ${JSON.stringify(conflict.other)} (slot ${conflict.slots[1]}); ${consequence}`,
    { details: { what, keys: [conflict.first, conflict.other], slots: conflict.slots } },
  );
}

/**
 * A runner for `scripts` on `redis`, registering each on that client once. On a Redis Cluster
 * client every call's keys are checked to share one slot before anything is sent
 * ({@link assertOneSlot}; `checkSlots` forces the check on one server too, for tests). On one
 * server nothing is checked: behaviour there is as before clusters.
 */
export function luaRunner(
  redis: RedisClient,
  scripts: readonly LuaScript[],
  options: { checkSlots?: boolean } = {},
): LuaRunner {
  const checkSlots = options.checkSlots ?? isCluster(redis);
  let done = registered.get(redis);
  if (!done) registered.set(redis, (done = new Set()));
  for (const s of scripts) {
    if (done.has(s.command)) continue;
    redis.defineCommand(s.command, { ...(s.keys === null ? {} : { numberOfKeys: s.keys }), lua: s.source });
    done.add(s.command);
  }
  const known = new Set(scripts.map((s) => s.command));
  const argsOf = (script: LuaScript, keys: readonly string[], args: readonly LuaArg[]): LuaArg[] => {
    if (!known.has(script.command)) throw new Error(`${script.file} was not given to this runner`);
    if (script.keys !== null && keys.length !== script.keys)
      throw new Error(`${script.file} takes ${script.keys} keys, got ${keys.length}`);
    if (checkSlots) assertOneSlot(script, keys);
    return script.keys === null ? [keys.length, ...keys, ...args] : [...keys, ...args];
  };
  const fnOf = (target: object, script: LuaScript): ScriptFn => {
    const fn = (target as Record<string, ScriptFn | undefined>)[script.command];
    if (!fn) throw new Error(`${script.file} is not registered on this client`);
    return fn;
  };
  return {
    run(script, keys, args) {
      const all = argsOf(script, keys, args);
      return fnOf(redis, script).apply(redis, all);
    },
    queue(pipeline, script, keys, args) {
      const all = argsOf(script, keys, args);
      void fnOf(pipeline, script).apply(pipeline, all);
    },
  };
}
