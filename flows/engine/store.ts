import path from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { loadLuaScript, luaRunner, type LuaRunner } from '../../core/lua';
import { flowKeys, type FlowKeys } from '../../core/names/redis-keys';
import type { Redis } from '../../core/redis';
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
 * The flow engine's Redis state, moved only by its two scripts (flows/engine/lua): step.lua
 * records a step, claim.lua raises what a due deadline means. Keys from core/names/redis-keys.ts
 * flowKeys, all under one hash tag; the instance hash layout is in the scripts' headers.
 */

const STEP = loadLuaScript(path.join(__dirname, 'lua', 'step.lua'), 9);
const CLAIM = loadLuaScript(path.join(__dirname, 'lua', 'claim.lua'), 7);

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
  | { kind: 'site'; site: string }
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
  /** Runs the steps in order in one round trip (a pipeline keeps the order). */
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

export function createFlowStore(options: FlowStoreOptions): FlowStore {
  const { redis } = options;
  const keys = flowKeys(options.redisPrefix);
  const margin = options.instanceMarginMs ?? DEFAULT_INSTANCE_MARGIN_MS;
  const lua: LuaRunner = luaRunner(redis, [STEP, CLAIM]);

  const queueStep = (p: ChainableCommander, s: StepInput) => {
    const flow = s.flow.name;
    const member = instanceMember(flow, s.key);
    const n = s.flow.steps.length;
    lua.queue(
      p,
      STEP,
      [
        keys.instance(flow, s.key),
        keys.deadlines,
        keys.openCount(flow),
        keys.overdueCount(flow),
        keys.overdue,
        keys.siteHour(s.siteId, hourStart(s.receivedAt)),
        keys.siteHour(s.siteId, hourStart(s.now)),
        keys.sites,
        keys.pendingAlerts,
      ],
      [
        member,
        s.siteId,
        flow,
        s.key,
        s.stepIndex,
        s.eventId,
        s.occurredAt,
        s.receivedAt,
        s.now,
        s.flow.expireAfterMs,
        margin,
        SITE_HOUR_TTL_MS,
        flowAlertId('STEP_LATE', flow, s.key, s.stepIndex),
        latencyFieldPrefix(flow, s.stepIndex),
        BOUNDS,
        n,
        ...withins(s.flow, s.siteGroups),
        ...s.flow.steps.map((x) => x.eventType),
        SCORE_FIELDS.flowStarted(flow),
        SCORE_FIELDS.flowCompleted(flow),
        SCORE_FIELDS.flowCompletedOnTime(flow),
        SCORE_FIELDS.flowOutOfOrder(flow),
        SCORE_FIELDS.flowDuplicates(flow),
        SCORE_FIELDS.flowAlerts(flow),
        SCORE_FIELDS.stepArrived(flow, s.stepIndex),
        SCORE_FIELDS.stepOnTime(flow, s.stepIndex),
      ],
    );
  };

  const stepResult = (reply: unknown[]): StepResult => {
    const tag = String(reply[0]);
    if (tag === 'site') return { kind: 'site', site: String(reply[1]) };
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
      if (inputs.length === 0) return [];
      const p = redis.pipeline();
      for (const s of inputs) queueStep(p, s);
      const replies = (await p.exec()) ?? [];
      return inputs.map((_s, i) => stepResult(check<unknown[]>(replies[i])));
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
