import crypto from 'node:crypto';
import path from 'node:path';
import { CrossdockError } from '../../core/errors';
import { loadLuaScript, luaRunner, type LuaRunner } from '../../core/lua';
import { dlqKeys, type DlqKeys } from '../../core/names/redis-keys';
import type { Redis } from '../../core/redis';
import type { DeadLetterSelector, ReplayJob, ReplayJobState } from '../contract';

/**
 * Replay jobs in Redis (core/names/redis-keys.ts dlqKeys, one hash tag with the index):
 * - `job(id)`: hash — the ReplayJob's fields, the cursor `done` (items handled), the counters, and
 *   the runner's lease (`owner`, `leaseUntil`) and the batch being sent (`inflight`, `inflightCount`);
 * - `jobItems(id)`: list — the dead-letter ids the job works through, a snapshot taken at start;
 * - `jobs`: sorted set — job id → creation time.
 * Every change a runner and an operator could make at the same time is one script (dlq/replay/lua):
 * the lease, the cursor's advance, the state transitions.
 */

const script = (file: string) => loadLuaScript(path.join(__dirname, 'lua', file), 1);
const SCRIPTS = {
  lease: script('job-lease.lua'),
  advance: script('job-advance.lua'),
  release: script('job-release.lua'),
  transition: script('job-transition.lua'),
};

/** A new job id: `r-` and 8 hex digits. */
export function newJobId(random: (bytes: number) => Buffer = crypto.randomBytes): string {
  return `r-${random(4).toString('hex')}`;
}

export const JOB_ID_RE = /^r-[0-9a-f]{8}$/;

/** What the runner learns when it takes or renews a lease. */
export interface LeaseAnswer {
  granted: boolean;
  /** '' when the job does not exist. */
  state: ReplayJobState | '';
  done: number;
  total: number;
  /** The items a runner was sending when it last marked them (a crash may have sent them). */
  inflight?: { from: number; count: number };
}

/** How many items of a handled batch were sent, skipped and refused. */
export interface Handled {
  sent: number;
  skipped: number;
  refused: number;
}

export interface TransitionAnswer {
  moved: boolean;
  previous: ReplayJobState | '';
  /** The runner holding the job when it moved (its lease may still run). */
  owner?: string;
  leaseUntil: number;
}

export interface JobStore {
  readonly keys: DlqKeys;
  create(job: ReplayJob, items: readonly string[]): Promise<void>;
  get(jobId: string): Promise<ReplayJob | undefined>;
  /** Newest first. */
  list(limit: number): Promise<ReplayJob[]>;
  /** Ids of the jobs in state running, newest first (at most `limit`). */
  running(limit: number): Promise<string[]>;
  /** Up to `n` dead-letter ids from `cursor` on (fewer at the end). */
  items(jobId: string, cursor: number, n: number): Promise<string[]>;
  /** The ids from `from` to the end. */
  itemsFrom(jobId: string, from: number): Promise<string[]>;
  /** Takes or renews the lease; `inflight` marks the items about to be sent (from the cursor). */
  lease(
    jobId: string,
    owner: string,
    now: number,
    leaseMs: number,
    inflight?: { from: number; count: number },
  ): Promise<LeaseAnswer>;
  /** Moves the cursor over the items handled from `cursor`: the new cursor, or -1 / -2 (lua/job-advance.lua). */
  advance(jobId: string, owner: string, cursor: number, handled: Handled, now: number): Promise<number>;
  release(jobId: string, owner: string): Promise<boolean>;
  transition(
    jobId: string,
    to: ReplayJobState,
    from: readonly ReplayJobState[],
    now: number,
    by: string,
    error?: string,
  ): Promise<TransitionAnswer>;
  /** The lease holder and its expiry (to wait for a runner to let go). */
  leaseOf(jobId: string): Promise<{ owner?: string; leaseUntil: number }>;
}

const STATES: readonly ReplayJobState[] = ['running', 'paused', 'cancelled', 'done', 'failed'];

function jobFields(job: ReplayJob): Record<string, string> {
  return {
    id: job.id,
    state: job.state,
    selector: JSON.stringify(job.selector),
    ratePerSecond: String(job.ratePerSecond),
    total: String(job.total),
    done: String(job.done),
    sent: String(job.sent),
    skipped: String(job.skipped),
    refused: String(job.refused),
    createdAt: String(job.createdAt),
    createdBy: job.createdBy,
    updatedAt: String(job.updatedAt),
    ...(job.error !== undefined ? { error: job.error } : {}),
  };
}

/** A job hash as stored → the contract's ReplayJob (undefined when it is not one). */
export function jobOf(h: Record<string, string>): ReplayJob | undefined {
  if (!h.id || !STATES.includes(h.state as ReplayJobState)) return undefined;
  const n = (s: string | undefined) => Number(s ?? 0) || 0;
  let selector: DeadLetterSelector = {};
  try {
    selector = JSON.parse(h.selector ?? '{}') as DeadLetterSelector;
  } catch {
    selector = {};
  }
  return {
    id: h.id,
    state: h.state as ReplayJobState,
    selector,
    ratePerSecond: n(h.ratePerSecond),
    total: n(h.total),
    done: n(h.done),
    sent: n(h.sent),
    skipped: n(h.skipped),
    refused: n(h.refused),
    createdAt: n(h.createdAt),
    createdBy: h.createdBy ?? '',
    updatedAt: n(h.updatedAt),
    ...(h.error ? { error: h.error } : {}),
  };
}

function unavailable(err: unknown): CrossdockError {
  if (err instanceof CrossdockError) return err;
  return new CrossdockError(
    'CD_E_DLQ_INDEX_UNAVAILABLE',
    `replay jobs in Redis: ${err instanceof Error ? err.message : String(err)}`,
    { retriable: true, cause: err },
  );
}

/** Redis failures come out as the retriable CD_E_DLQ_INDEX_UNAVAILABLE. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw unavailable(err);
  }
}

export function createJobStore(redis: Redis, redisPrefix: string): JobStore {
  const keys = dlqKeys(redisPrefix);
  const lua: LuaRunner = luaRunner(redis, Object.values(SCRIPTS));
  const getJob = async (jobId: string) => jobOf(await redis.hgetall(keys.job(jobId)));
  return {
    keys,
    create: (job, items) =>
      guarded(async () => {
        const multi = redis.multi();
        multi.del(keys.jobItems(job.id));
        for (let i = 0; i < items.length; i += 1000)
          multi.rpush(keys.jobItems(job.id), ...items.slice(i, i + 1000));
        multi.hset(keys.job(job.id), jobFields(job));
        multi.zadd(keys.jobs, job.createdAt, job.id);
        const res = await multi.exec();
        const failed = res?.find(([err]) => err);
        if (!res || failed) throw failed?.[0] ?? new Error('MULTI aborted');
      }),
    get: (jobId) => guarded(() => getJob(jobId)),
    list: (limit) =>
      guarded(async () => {
        const ids = await redis.zrevrange(keys.jobs, 0, Math.max(0, limit - 1));
        const pipe = redis.pipeline();
        for (const id of ids) pipe.hgetall(keys.job(id));
        const rows = (await pipe.exec()) ?? [];
        return rows
          .map(([err, h]) => (err ? undefined : jobOf(h as Record<string, string>)))
          .filter((j): j is ReplayJob => j !== undefined);
      }),
    running: (limit) =>
      guarded(async () => {
        const ids = await redis.zrevrange(keys.jobs, 0, Math.max(0, limit - 1));
        const pipe = redis.pipeline();
        for (const id of ids) pipe.hget(keys.job(id), 'state');
        const rows = (await pipe.exec()) ?? [];
        return ids.filter((_, i) => !rows[i]?.[0] && rows[i]?.[1] === 'running');
      }),
    items: (jobId, cursor, n) => guarded(() => redis.lrange(keys.jobItems(jobId), cursor, cursor + n - 1)),
    itemsFrom: (jobId, from) => guarded(() => redis.lrange(keys.jobItems(jobId), from, -1)),
    lease: (jobId, owner, now, leaseMs, inflight) =>
      guarded(async () => {
        const r = (await lua.run(
          SCRIPTS.lease,
          [keys.job(jobId)],
          [owner, now, leaseMs, inflight ? String(inflight.from) : '', inflight ? inflight.count : 0],
        )) as [number, string, number, number, string, number];
        return {
          granted: Number(r[0]) === 1,
          state: (Number(r[0]) === -1 ? '' : r[1]) as ReplayJobState | '',
          done: Number(r[2]),
          total: Number(r[3]),
          ...(r[4] !== '' && r[4] !== undefined
            ? { inflight: { from: Number(r[4]), count: Number(r[5]) } }
            : {}),
        };
      }),
    advance: (jobId, owner, cursor, h, now) =>
      guarded(async () =>
        Number(
          await lua.run(
            SCRIPTS.advance,
            [keys.job(jobId)],
            [owner, cursor, h.sent, h.skipped, h.refused, now],
          ),
        ),
      ),
    release: (jobId, owner) =>
      guarded(async () => Number(await lua.run(SCRIPTS.release, [keys.job(jobId)], [owner])) === 1),
    transition: (jobId, to, from, now, by, error) =>
      guarded(async () => {
        const r = (await lua.run(
          SCRIPTS.transition,
          [keys.job(jobId)],
          [to, from.join(','), now, by, error ?? ''],
        )) as [number, string, string, number];
        if (Number(r[0]) === -1)
          throw new CrossdockError('CD_E_DLQ_JOB_NOT_FOUND', `no replay job ${JSON.stringify(jobId)}`, {
            details: { jobId },
          });
        return {
          moved: Number(r[0]) === 1,
          previous: r[1] as ReplayJobState | '',
          ...(r[2] ? { owner: r[2] } : {}),
          leaseUntil: Number(r[3]),
        };
      }),
    leaseOf: (jobId) =>
      guarded(async () => {
        const [owner, until] = await redis.hmget(keys.job(jobId), 'owner', 'leaseUntil');
        return { ...(owner ? { owner } : {}), leaseUntil: Number(until ?? 0) || 0 };
      }),
  };
}
