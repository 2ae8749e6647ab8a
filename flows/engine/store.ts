import path from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { assertKeysShareSlot, loadLuaScript, luaRunner, type LuaArg, type LuaRunner } from '../../core/lua';
import { flowKeys, type FlowKeys } from '../../core/names/redis-keys';
import { isCluster, type Redis } from '../../core/redis';
import {
  hourStart,
  LATENCY_BUCKETS_MS,
  SCORE_FIELDS,
  SITE_HOUR_TTL_MS,
  stepWithinMs,
  type FlowAlert,
  type FlowDefinition,
  type StepOutcome,
} from '../contract';
import { flowAlertId } from './alert-id';

/**
 * The flow engine's Redis state, moved only by its two scripts (flows/engine/lua): steps.lua
 * records steps, claim.lua raises what a due deadline means. Keys from core/names/redis-keys.ts
 * flowKeys, all under one hash tag; the instance hash layout is in the scripts' headers.
 */

const STEPS = loadLuaScript(path.join(__dirname, 'lua', 'steps.lua'), null);
const CLAIM = loadLuaScript(path.join(__dirname, 'lua', 'claim.lua'), 7);

/** Steps per steps.lua call: Redis runs one call at a time, so a call stays short (a few ms). */
export const STEPS_PER_CALL = 200;

/** How long an instance is kept past its expiry by default: a tracker down this long loses nothing. */
export const DEFAULT_INSTANCE_MARGIN_MS = 7 * 86_400_000;

const BOUNDS = LATENCY_BUCKETS_MS.join(',');

/** The deadlines member of an instance: `<flow>\0<key>`. */
export function instanceMember(flow: string, key: string): string {
  return `${flow}\u0000${key}`;
}

export function parseMember(member: string): { flow: string; key: string } | undefined {
  const i = member.indexOf('\u0000');
  return i <= 0 ? undefined : { flow: member.slice(0, i), key: member.slice(i + 1) };
}

/** SCORE_FIELDS.stepLatency without its bucket number (the script appends the bucket). */
export function latencyFieldPrefix(flow: string, stepIndex: number): string {
  const field = SCORE_FIELDS.stepLatency(flow, stepIndex, 0);
  return field.slice(0, -1);
}

export interface StepInput {
  flow: FlowDefinition;
  stepIndex: number;
  key: string;
  /** The site the caller believes the instance has (the event's site for a new one). */
  siteId: string;
  /** That site's groups, in order (for the per-group deadlines). */
  siteGroups: readonly string[];
  eventId: string;
  occurredAt: number;
  receivedAt: number;
  /** The tracker's clock. */
  now: number;
}

export type StepResult =
  /** Not applied: the instance's stored site is another (run it again with that site). */
  | { kind: 'site'; site: string }
  /** Not applied: an earlier step of the same instance in the call was not (run it again after). */
  | { kind: 'blocked' }
  | { kind: 'replayed' }
  | { kind: 'duplicate'; site: string }
  | {
      kind: 'recorded';
      outcome: Exclude<StepOutcome, 'replayed' | 'duplicate'>;
      /** From the latest earlier step present; null when none is. */
      latencyMs: number | null;
      created: boolean;
      completed: boolean;
      completedOnTime: boolean;
      /** The STEP_LATE (arrived_late) alert this step raised, claimed in the pending alerts. */
      alert?: FlowAlert;
      site: string;
    };

export interface ClaimInput {
  flow: FlowDefinition;
  key: string;
  siteId: string;
  siteGroups: readonly string[];
  now: number;
}

export type ClaimResult =
  { kind: 'none' } | { kind: 'gone' } | { kind: 'site'; site: string } | { kind: 'alert'; alert: FlowAlert };

export interface FlowStore {
  readonly keys: FlowKeys;
  readonly redis: Redis;
  /**
   * Runs the steps, each instance's in their order, in steps.lua calls of about STEPS_PER_CALL
   * steps sent at once (every step of an instance in the same call: chunkByInstance). A step whose
   * instance has another stored site is not applied (`site`), nor is any later step of that
   * instance (`blocked`): the caller runs them again, in their order, with the stored site.
   */
  steps(inputs: readonly StepInput[]): Promise<StepResult[]>;
  /** Claims the due deadlines of these instances, in one round trip. */
  claims(inputs: readonly ClaimInput[]): Promise<ClaimResult[]>;
  /** The stored site of each instance ('' when it does not exist), in one round trip. */
  sitesOf(items: ReadonlyArray<{ flow: string; key: string }>): Promise<string[]>;
  /** The alerts claimed and not yet known to be published. */
  pendingAlerts(): Promise<FlowAlert[]>;
  /** Forgets pending alerts: they are on the topic. */
  clearPending(alertIds: readonly string[]): Promise<void>;
}

export interface FlowStoreOptions {
  redis: Redis;
  redisPrefix: string;
  /** How long an instance is kept past its expiry (ms). */
  instanceMarginMs?: number;
}

function parseAlert(json: string): FlowAlert {
  const a = JSON.parse(json) as FlowAlert & { stepEventIds: string[] | Record<string, never> };
  return { ...a, stepEventIds: Array.isArray(a.stepEventIds) ? a.stepEventIds : [] };
}

function withins(flow: FlowDefinition, groups: readonly string[]): string[] {
  return flow.steps.map((s) => String(stepWithinMs(s, groups)));
}

function check<T>(entry: [Error | null, unknown] | undefined): T {
  if (!entry) throw new Error('pipeline returned no reply');
  if (entry[0]) throw entry[0];
  return entry[1] as T;
}

/**
 * The indexes of `inputs` cut into chunks of about `size` steps, every step of one instance in one
 * chunk and in its order (an instance with more steps than `size` makes a chunk of its own size).
 */
export function chunkByInstance(inputs: readonly StepInput[], size: number): number[][] {
  const byInstance = new Map<string, number[]>();
  inputs.forEach((s, j) => {
    const m = instanceMember(s.flow.name, s.key);
    const list = byInstance.get(m);
    if (list) list.push(j);
    else byInstance.set(m, [j]);
  });
  const chunks: number[][] = [];
  let current: number[] = [];
  for (const list of byInstance.values()) {
    if (current.length > 0 && current.length + list.length > size) {
      chunks.push(current);
      current = [];
    }
    current.push(...list);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function createFlowStore(options: FlowStoreOptions): FlowStore {
  const { redis } = options;
  const keys = flowKeys(options.redisPrefix);
  // On a cluster the flow scripts run on one slot: refuse at start when its keys do not.
  if (isCluster(redis))
    assertKeysShareSlot('the flow tracker', [
      keys.instance('f', 'k'),
      keys.deadlines,
      keys.pendingAlerts,
      keys.applied,
      keys.siteHour('s', 0),
      keys.sites,
      keys.openCount('f'),
      keys.overdue,
      keys.overdueCount('f'),
    ]);
  const margin = options.instanceMarginMs ?? DEFAULT_INSTANCE_MARGIN_MS;
  const lua: LuaRunner = luaRunner(redis, [STEPS, CLAIM]);

  /**
   * One call of steps.lua for these inputs, in order: the keys and profiles they use, each once
   * (a profile is a flow with its deadlines for one list of site groups).
   */
  const runSteps = async (inputs: readonly StepInput[]): Promise<unknown[][]> => {
    const keyList: string[] = [];
    const keyIndex = new Map<string, number>();
    // The fixed keys are KEYS[1..4]; the list follows (Lua is 1-based).
    const k = (key: string): number => {
      let i = keyIndex.get(key);
      if (i === undefined) {
        keyList.push(key);
        i = keyList.length + 4;
        keyIndex.set(key, i);
      }
      return i;
    };
    const profileArgs: LuaArg[] = [];
    const profileIndex = new Map<FlowDefinition, Map<string, number>>();
    let profiles = 0;
    const profile = (flow: FlowDefinition, groups: readonly string[]): number => {
      let byGroups = profileIndex.get(flow);
      if (!byGroups) profileIndex.set(flow, (byGroups = new Map()));
      const id = groups.join('\u0000');
      let i = byGroups.get(id);
      if (i === undefined) {
        i = ++profiles;
        byGroups.set(id, i);
        const name = flow.name;
        profileArgs.push(
          name,
          flow.steps.length,
          flow.expireAfterMs,
          k(keys.openCount(name)),
          k(keys.overdueCount(name)),
          SCORE_FIELDS.flowStarted(name),
          SCORE_FIELDS.flowCompleted(name),
          SCORE_FIELDS.flowCompletedOnTime(name),
          SCORE_FIELDS.flowOutOfOrder(name),
          SCORE_FIELDS.flowDuplicates(name),
          SCORE_FIELDS.flowAlerts(name),
        );
        for (const step of flow.steps)
          profileArgs.push(
            step.eventType,
            stepWithinMs(step, groups),
            SCORE_FIELDS.stepArrived(name, step.index),
            SCORE_FIELDS.stepOnTime(name, step.index),
            latencyFieldPrefix(name, step.index),
          );
      }
      return i;
    };
    const stepArgs: LuaArg[] = [];
    for (const s of inputs) {
      const flow = s.flow.name;
      stepArgs.push(
        profile(s.flow, s.siteGroups),
        k(keys.instance(flow, s.key)),
        k(keys.siteHour(s.siteId, hourStart(s.receivedAt))),
        k(keys.siteHour(s.siteId, hourStart(s.now))),
        s.siteId,
        s.key,
        s.stepIndex,
        s.eventId,
        s.occurredAt,
        s.receivedAt,
        s.now,
        // Step 0 has no deadline: it never raises STEP_LATE.
        s.stepIndex > 0 ? flowAlertId('STEP_LATE', flow, s.key, s.stepIndex) : '',
      );
    }
    const reply = await lua.run(
      STEPS,
      [keys.deadlines, keys.overdue, keys.sites, keys.pendingAlerts, ...keyList],
      [margin, SITE_HOUR_TTL_MS, BOUNDS, profiles, inputs.length, ...profileArgs, ...stepArgs],
    );
    return reply as unknown[][];
  };

  const stepResult = (reply: unknown[]): StepResult => {
    const tag = String(reply[0]);
    if (tag === 'site') return { kind: 'site', site: String(reply[1]) };
    if (tag === 'blocked') return { kind: 'blocked' };
    if (tag === 'replayed') return { kind: 'replayed' };
    if (tag === 'duplicate') return { kind: 'duplicate', site: String(reply[1]) };
    const latency = Number(reply[2]);
    const alert = String(reply[6] ?? '');
    return {
      kind: 'recorded',
      outcome: String(reply[1]) as 'on_time' | 'late' | 'out_of_order',
      latencyMs: reply[2] === '' || reply[2] === null ? null : latency,
      created: Number(reply[3]) === 1,
      completed: Number(reply[4]) === 1,
      completedOnTime: Number(reply[5]) === 1,
      ...(alert ? { alert: parseAlert(alert) } : {}),
      site: String(reply[7]),
    };
  };

  const queueClaim = (p: ChainableCommander, c: ClaimInput) => {
    const flow = c.flow.name;
    const n = c.flow.steps.length;
    const idx = c.flow.steps.map((s) => s.index);
    lua.queue(
      p,
      CLAIM,
      [
        keys.instance(flow, c.key),
        keys.deadlines,
        keys.openCount(flow),
        keys.overdueCount(flow),
        keys.overdue,
        keys.siteHour(c.siteId, hourStart(c.now)),
        keys.pendingAlerts,
      ],
      [
        instanceMember(flow, c.key),
        c.siteId,
        flow,
        c.key,
        c.now,
        SITE_HOUR_TTL_MS,
        SCORE_FIELDS.flowAlerts(flow),
        SCORE_FIELDS.flowIncomplete(flow),
        n,
        ...withins(c.flow, c.siteGroups),
        ...c.flow.steps.map((s) => s.eventType),
        ...idx.map((i) => flowAlertId('STEP_LATE', flow, c.key, i)),
        ...idx.map((i) => flowAlertId('FLOW_INCOMPLETE', flow, c.key, i)),
      ],
    );
  };

  const claimResult = (reply: unknown[]): ClaimResult => {
    const tag = String(reply[0]);
    if (tag === 'site') return { kind: 'site', site: String(reply[1]) };
    if (tag === 'gone') return { kind: 'gone' };
    if (tag === 'alert') return { kind: 'alert', alert: parseAlert(String(reply[2])) };
    return { kind: 'none' };
  };

  return {
    keys,
    redis,
    async steps(inputs) {
      // Every step of one instance goes in the same call (steps.lua keeps their order and blocks
      // the later ones of an instance whose step was not applied), so the calls are independent
      // of one another and are sent at once: Redis still runs one at a time, but the batch waits
      // one round trip, not one per chunk.
      const chunks = chunkByInstance(inputs, STEPS_PER_CALL);
      const replies = await Promise.all(chunks.map((c) => runSteps(c.map((j) => inputs[j]!))));
      const out = new Array<StepResult>(inputs.length);
      chunks.forEach((c, x) => c.forEach((j, y) => (out[j] = stepResult(replies[x]![y]!))));
      return out;
    },
    async claims(inputs) {
      if (inputs.length === 0) return [];
      const p = redis.pipeline();
      for (const c of inputs) queueClaim(p, c);
      const replies = (await p.exec()) ?? [];
      return inputs.map((_c, i) => claimResult(check<unknown[]>(replies[i])));
    },
    async sitesOf(items) {
      if (items.length === 0) return [];
      const p = redis.pipeline();
      for (const it of items) p.hget(keys.instance(it.flow, it.key), 'site');
      const replies = (await p.exec()) ?? [];
      return items.map((_it, i) => check<string | null>(replies[i]) ?? '');
    },
    async pendingAlerts() {
      const all = await redis.hgetall(keys.pendingAlerts);
      return Object.values(all).map(parseAlert);
    },
    async clearPending(alertIds) {
      if (alertIds.length > 0) await redis.hdel(keys.pendingAlerts, ...alertIds);
    },
  };
}
