import crypto from 'node:crypto';
import path from 'node:path';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import type { HubConfig } from '../../core/config';
import { CrossdockError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import { loadLuaScript, luaRunner } from '../../core/lua';
import type { Redis } from '../../core/redis';
import type { SchemaResolver } from '../../core/registry';
import type { CatalogEntry } from '../../schemas';
import type {
  DeadLetterRecord,
  DeadLetterSelector,
  DeadLetterStore,
  ReplayJob,
  ReplayJobState,
  ReplayPrediction,
  ReplayService,
} from '../contract';
import { createFacts } from './facts';
import { reopenedState } from './item';
import { createJobStore, JOB_ID_RE, newJobId } from './jobs';
import { REPLAY_LOG_EVENTS } from './log-events';
import { REPLAYABLE_STATES } from './predict';
import { resolveSelection } from './selection';

/**
 * The ReplayService of dlq/contract.ts, as the admin API and the CLI use it.
 *
 * - dryRun(): each selected letter's prediction against the configuration and state of now
 *   (dlq/replay/facts.ts, rules in predict.ts), read-only: no topic written, no index or state
 *   change, no idempotency record or duplicate mark written.
 * - start(): resolves the selector (dlq/replay/selection.ts), refuses explicitly named letters that
 *   are not open, marks the selected letters `replaying` and snapshots their ids into a job
 *   (dlq/replay/jobs.ts); the job runner (dlq/replay/runner.ts) sends. Jobs start one at a time
 *   (a lock in Redis), so no letter joins two jobs.
 * - pause / resume / cancel: state transitions in one script each. pause and cancel return once
 *   the runner holding the job has let go of it (it finishes the batch in hand first), so nothing
 *   is sent after they return; cancel then opens the letters not handled yet again (`new`, or
 *   `claimed` when they have an owner) — what is left can be replayed by a new job.
 */
export interface ReplayServiceDeps {
  redis: Redis;
  /** Prefix of the hub's Redis keys (the index and jobs, the sinks' and the router's keys). */
  redisPrefix: string;
  store: DeadLetterStore;
  /** The configuration in force (read at every call: a live change is seen at once). */
  config: () => HubConfig;
  resolver: SchemaResolver;
  /** The catalog in force (a follower's current(): schemas/follow.ts). */
  catalog: () => readonly CatalogEntry[];
  clock?: Clock;
  logger?: Logger;
  /** The runners' lease (ms): how long pause and cancel wait at most for a runner to let go. @defaultValue 5000 */
  leaseMs?: number;
  /** Job ids' randomness (tests). @defaultValue crypto.randomBytes */
  random?: (bytes: number) => Buffer;
}

const START_LOCK = loadLuaScript(path.join(__dirname, 'lua', 'start-lock.lua'), 1);
/** How long one start may hold the lock before it must renew it (ms). */
const LOCK_MS = 30_000;
/** How long a start waits for another start to finish (ms). */
const LOCK_WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function jobNotFound(jobId: string): CrossdockError {
  return new CrossdockError('CD_E_DLQ_JOB_NOT_FOUND', `no replay job ${JSON.stringify(jobId)}`, {
    details: { jobId },
  });
}

export function createReplayService(deps: ReplayServiceDeps): ReplayService {
  const clock = deps.clock ?? systemClock;
  const jobs = createJobStore(deps.redis, deps.redisPrefix);
  const lock = luaRunner(deps.redis, [START_LOCK]);
  const lockKey = jobs.keys.scratch('replay-start');
  const leaseMs = deps.leaseMs ?? 5000;
  const log = eventLogger(deps.logger ?? silentLogger(), REPLAY_LOG_EVENTS);
  const factsDeps = {
    redis: deps.redis,
    redisPrefix: deps.redisPrefix,
    store: deps.store,
    resolver: deps.resolver,
    catalog: deps.catalog,
    clock,
  };

  async function withStartLock<T>(fn: (renew: () => Promise<void>) => Promise<T>): Promise<T> {
    const token = crypto.randomBytes(8).toString('hex');
    const deadline = clock.now() + LOCK_WAIT_MS;
    while (Number(await lock.run(START_LOCK, [lockKey], ['take', token, LOCK_MS])) !== 1) {
      if (clock.now() > deadline)
        throw new CrossdockError(
          'CD_E_DLQ_REPLAY_BUSY',
          `another replay was being started and did not finish within ${LOCK_WAIT_MS} ms`,
          { retriable: true },
        );
      await sleep(100);
    }
    const renew = async () => {
      if (Number(await lock.run(START_LOCK, [lockKey], ['take', token, LOCK_MS])) !== 1)
        throw new CrossdockError('CD_E_DLQ_REPLAY_BUSY', 'the replay start lock was lost (Redis too slow?)', {
          retriable: true,
        });
    };
    try {
      return await fn(renew);
    } finally {
      await lock.run(START_LOCK, [lockKey], ['give', token, 0]).catch(() => undefined);
    }
  }

  /** Waits until no runner holds the job (its lease dropped or expired), at most a lease and a bit. */
  async function untilLetGo(jobId: string): Promise<void> {
    const deadline = clock.now() + leaseMs + 2000;
    for (;;) {
      const l = await jobs.leaseOf(jobId);
      if (!l.owner || l.leaseUntil < clock.now() || clock.now() > deadline) return;
      await sleep(50);
    }
  }

  async function move(
    jobId: string,
    to: ReplayJobState,
    from: readonly ReplayJobState[],
    by: string,
  ): Promise<ReplayJobState> {
    if (!JOB_ID_RE.test(jobId)) throw jobNotFound(jobId);
    const t = await jobs.transition(jobId, to, from, clock.now(), by);
    if (!t.moved)
      throw new CrossdockError(
        'CD_E_DLQ_JOB_STATE_INVALID',
        `replay job ${jobId} is ${t.previous}; it can go to ${to} only from ${from.join(' or ')}`,
        { details: { jobId, state: t.previous, wanted: to } },
      );
    log.emit('replay.job_changed', { jobId, from: t.previous, to, by });
    return t.previous as ReplayJobState;
  }

  async function current(jobId: string): Promise<ReplayJob> {
    const job = await jobs.get(jobId);
    if (!job) throw jobNotFound(jobId);
    return job;
  }

  /** Runs `fn` over items in chunks of `n` at a time. */
  async function chunked<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
    return out;
  }

  return {
    async dryRun(selector: DeadLetterSelector): Promise<ReplayPrediction[]> {
      const config = deps.config();
      const records = await resolveSelection(deps.store, selector, config.deadLetters.replay.maxSelection);
      const facts = createFacts(factsDeps, config);
      return chunked(records, 50, (r) => facts.predict(r, REPLAYABLE_STATES));
    },

    async start(selector, options) {
      const config = deps.config();
      const limits = config.deadLetters.replay;
      const asked = options.ratePerSecond;
      if (asked !== undefined && !(Number.isFinite(asked) && asked > 0))
        throw new CrossdockError(
          'CD_E_DLQ_SELECTOR_INVALID',
          `ratePerSecond must be a number above 0, got ${String(asked)}`,
          { details: { ratePerSecond: asked } },
        );
      // The configured rate is the most a job may send (headroom for live traffic).
      const rate = Math.min(asked ?? limits.ratePerSecond, limits.ratePerSecond);
      return withStartLock(async (renew) => {
        const records = await resolveSelection(deps.store, selector, limits.maxSelection);
        const closed = records.filter((r) => !REPLAYABLE_STATES.includes(r.state));
        if (closed.length > 0)
          throw new CrossdockError(
            'CD_E_DLQ_STATE_INVALID',
            `dead letter ${closed[0]!.id} is ${closed[0]!.state}; only new or claimed ones are replayed${closed.length > 1 ? ` (${closed.length - 1} more are not open)` : ''}`,
            { details: { ids: closed.slice(0, 20).map((r) => r.id), state: closed[0]!.state } },
          );
        const jobId = newJobId(deps.random);
        const at = clock.now();
        const marked: DeadLetterRecord[] = [];
        try {
          for (let i = 0; i < records.length; i += 200) {
            await renew();
            const chunk = records.slice(i, i + 200);
            await Promise.all(
              chunk.map(async (r) => {
                await deps.store.applyState(r.id, { state: 'replaying', by: options.by, at });
                marked.push(r);
              }),
            );
          }
          const job: ReplayJob = {
            id: jobId,
            state: 'running',
            selector,
            ratePerSecond: rate,
            total: records.length,
            done: 0,
            sent: 0,
            skipped: 0,
            refused: 0,
            createdAt: at,
            createdBy: options.by,
            updatedAt: at,
          };
          await jobs.create(
            job,
            records.map((r) => r.id),
          );
          log.emit('replay.job_created', { jobId, total: job.total, ratePerSecond: rate, by: options.by });
          return job;
        } catch (err) {
          // Open again what this start marked (best effort; the error is what the caller sees).
          await chunked(marked, 100, (r) =>
            deps.store
              .applyState(r.id, { state: r.state, by: options.by, at: clock.now() })
              .catch(() => undefined),
          );
          throw err;
        }
      });
    },

    get: (jobId) => (JOB_ID_RE.test(jobId) ? jobs.get(jobId) : Promise.resolve(undefined)),

    list: (limit) => jobs.list(Math.max(1, Math.min(1000, Math.floor(limit)))),

    async pause(jobId, by) {
      await move(jobId, 'paused', ['running'], by);
      await untilLetGo(jobId);
      return current(jobId);
    },

    async resume(jobId, by) {
      await move(jobId, 'running', ['paused'], by);
      return current(jobId);
    },

    async cancel(jobId, by) {
      await move(jobId, 'cancelled', ['running', 'paused', 'failed'], by);
      await untilLetGo(jobId);
      const job = await current(jobId);
      // Every letter from the cursor on was not handled: open it again if it is still this job's.
      const rest = await jobs.itemsFrom(jobId, job.done);
      await chunked(rest, 100, async (id) => {
        const r = await deps.store.get(id);
        if (r?.state === 'replaying')
          await deps.store.applyState(id, {
            state: reopenedState(r),
            note: `replay ${jobId} cancelled before sending it`,
            by,
            at: clock.now(),
          });
      });
      return current(jobId);
    },
  };
}
