import crypto from 'node:crypto';
import os from 'node:os';
import type { Producer } from 'kafkajs';
import type { Clock } from '../../core/clock';
import type { HubConfig } from '../../core/config';
import { describeError } from '../../core/errors';
import { eventLogger, type EventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';
import type { Redis } from '../../core/redis';
import type { SchemaResolver } from '../../core/registry';
import type { CatalogEntry } from '../../schemas';
import type { DeadLetterStore } from '../contract';
import { createFacts, type Facts } from './facts';
import { handleBatch } from './item';
import { createJobStore, type Handled, type JobStore } from './jobs';
import { REPLAY_LOG_EVENTS } from './log-events';
import { TokenBucket } from './token-bucket';

/**
 * The replay job runner: finds running jobs in Redis, takes a lease on each (one process runs a
 * job at a time; a lease not renewed — a dead process — expires after `leaseMs` and another
 * process, or this one restarted, takes the job over from its cursor), and works through the
 * job's items in order at the job's rate (a token bucket, one token per send): re-check, send,
 * record the letter's state, then advance the cursor (dlq/replay/item.ts, lua/job-advance.lua).
 *
 * State: the jobs this process works on (id → its loop), the configuration in force (replaced by
 * reconfigure()), and whether it runs.
 */
export interface ReplayRunnerOptions {
  redis: Redis;
  /** Prefix of the hub's Redis keys (dead-letter index, jobs, the sinks' and the router's keys). */
  redisPrefix: string;
  store: DeadLetterStore;
  /** An idempotent producer (kafkajs `idempotent: true`), connected; sends use acks all. */
  producer: Pick<Producer, 'sendBatch'>;
  config: HubConfig;
  resolver: SchemaResolver;
  /** The catalog in force (a follower's current(): schemas/follow.ts). */
  catalog: () => readonly CatalogEntry[];
  clock: Clock;
  logger: Logger;
  /** Lease owner name; unique per process. @defaultValue `<host>:<pid>:<random>` */
  instanceId?: string;
  /** How long a job's lease outlives a runner that stopped renewing it (ms). @defaultValue 5000 */
  leaseMs?: number;
  /** How often to look for running jobs (ms). @defaultValue 500 */
  pollMs?: number;
  /** Longest sleep between two looks at a job's state while waiting for a token (ms). @defaultValue 250 */
  checkMs?: number;
  /**
   * Instrumentation: awaited after an item is sent and before its letter's state and the job's
   * cursor are recorded (tests kill the process in this window).
   */
  afterSend?: (batch: { jobId: string; cursor: number; ids: string[] }) => Promise<void>;
}

/**
 * Items a job handles at a time: a fifth of a second's worth of sends at its rate (1 below 10 per
 * second, at most 200), sent as one produce request where they can. The token bucket holds two
 * batches (burst), so a batch that took long to record does not lower the job's rate; in any window
 * of t seconds a job sends at most 2 × batch + t × rate.
 */
export function batchSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(200, Math.floor(ratePerSecond / 5)));
}

export class ReplayRunner {
  readonly instanceId: string;
  private readonly jobs: JobStore;
  private readonly log: EventLogger<typeof REPLAY_LOG_EVENTS>;
  private readonly leaseMs: number;
  private readonly active = new Map<string, Promise<void>>();
  private config: HubConfig;
  private facts: Facts;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ReplayRunnerOptions) {
    this.instanceId =
      o.instanceId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.jobs = createJobStore(o.redis, o.redisPrefix);
    this.log = eventLogger(o.logger, REPLAY_LOG_EVENTS);
    this.leaseMs = o.leaseMs ?? 5000;
    this.config = o.config;
    this.facts = this.factsFor(o.config);
  }

  private factsFor(config: HubConfig): Facts {
    const { redis, redisPrefix, store, resolver, catalog, clock } = this.o;
    return createFacts({ redis, redisPrefix, store, resolver, catalog, clock }, config);
  }

  /** The configuration items are checked against from now on (subscribers, routes, limits). */
  reconfigure(next: HubConfig): void {
    this.config = next;
    this.facts = this.factsFor(next);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
    this.log.emit('replay.runner_started', { instanceId: this.instanceId });
  }

  /** Finishes the batch in hand of each job, lets go of the leases. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.active.values()]);
    this.log.emit('replay.runner_stopped', { instanceId: this.instanceId });
  }

  /** Jobs this process runs now. */
  activeJobs(): string[] {
    return [...this.active.keys()];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async poll(): Promise<void> {
    const pollMs = this.o.pollMs ?? 500;
    while (this.running) {
      try {
        for (const jobId of await this.jobs.running(1000)) {
          if (!this.running) break;
          if (this.active.has(jobId)) continue;
          const lease = await this.jobs.lease(jobId, this.instanceId, this.o.clock.now(), this.leaseMs);
          if (!lease.granted) continue;
          this.log.emit('replay.job_taken', {
            jobId,
            done: lease.done,
            total: lease.total,
            instanceId: this.instanceId,
          });
          const work = this.work(jobId).finally(() => this.active.delete(jobId));
          this.active.set(jobId, work);
        }
      } catch (err) {
        this.log.emit('replay.item_failed', { jobId: '', id: '', error: describeError(err) });
      }
      await this.sleep(pollMs);
    }
  }

  /** Sleeps `ms`, renewing the lease at least every checkMs; false when the job is no longer ours to run. */
  private async hold(jobId: string, ms: number): Promise<boolean> {
    const step = this.o.checkMs ?? 250;
    const until = this.o.clock.now() + ms;
    for (;;) {
      const lease = await this.jobs.lease(jobId, this.instanceId, this.o.clock.now(), this.leaseMs);
      if (!lease.granted || !this.running) return false;
      const left = until - this.o.clock.now();
      if (left <= 0) return true;
      await new Promise((r) => setTimeout(r, Math.min(step, left)));
    }
  }

  private async work(jobId: string): Promise<void> {
    const { clock } = this.o;
    let failures = 0;
    try {
      const job = await this.jobs.get(jobId);
      if (!job) return;
      const size = batchSize(job.ratePerSecond);
      const bucket = new TokenBucket(job.ratePerSecond, clock.now(), 2 * size);
      while (this.running) {
        const lease = await this.jobs.lease(jobId, this.instanceId, clock.now(), this.leaseMs);
        if (!lease.granted || lease.state !== 'running') return;
        const cursor = lease.done;
        if (cursor >= lease.total) return;
        const ids = await this.jobs.items(jobId, cursor, size);
        if (ids.length === 0) {
          const error = `item ${cursor} of ${lease.total} is missing from the job's list`;
          await this.jobs.transition(jobId, 'failed', ['running'], clock.now(), this.instanceId, error);
          this.log.emit('replay.job_failed', { jobId, error });
          return;
        }
        // Items a runner marked in flight and did not record: maybe sent already (a crash).
        const resendUntil = lease.inflight?.from === cursor ? cursor + lease.inflight.count : cursor;
        const gate = async (sends: number): Promise<boolean> => {
          for (;;) {
            if (!this.running) return false;
            const wait = bucket.waitMs(clock.now(), sends);
            if (wait === 0) break;
            if (!(await this.hold(jobId, wait))) return false;
          }
          bucket.take(clock.now(), sends);
          // The last look before the sends: still running, still ours, the batch marked in flight.
          const g = await this.jobs.lease(jobId, this.instanceId, clock.now(), this.leaseMs, {
            from: cursor,
            count: ids.length,
          });
          return g.granted && g.done === cursor;
        };
        let result;
        try {
          result = await handleBatch(
            this.o,
            {
              jobId,
              by: job.createdBy,
              config: this.config,
              facts: this.facts,
              resend: (i) => cursor + i < resendUntil,
              gate,
              ...(this.o.afterSend
                ? { afterSend: () => this.o.afterSend!({ jobId, cursor, ids: [...ids] }) }
                : {}),
            },
            ids,
          );
          failures = 0;
        } catch (err) {
          failures++;
          this.log.emit('replay.item_failed', { jobId, id: ids[0], error: describeError(err) });
          // Back off (up to 10 s), keeping the lease, then try the same items again.
          if (!(await this.hold(jobId, Math.min(10_000, 200 * 2 ** Math.min(failures, 6))))) return;
          continue;
        }
        const handled: Handled = { sent: 0, skipped: 0, refused: 0 };
        for (const item of result.items) {
          handled[item.counter]++;
          const p = item.prediction;
          if (item.counter === 'refused')
            this.log.emit('replay.item_refused', {
              jobId,
              id: item.id,
              eventId: p?.eventId,
              code: p?.code ?? 'CD_E_DLQ_NOT_FOUND',
              reason: p?.message ?? 'the dead letter is no longer in the index',
            });
          if (item.resent) this.log.emit('replay.item_resent', { jobId, id: item.id, eventId: p?.eventId });
        }
        if (result.items.length > 0) {
          const next = await this.jobs.advance(jobId, this.instanceId, cursor, handled, clock.now());
          if (next < 0) return;
          if (next >= lease.total) {
            const done = await this.jobs.get(jobId);
            if (done)
              this.log.emit('replay.job_finished', {
                jobId,
                total: done.total,
                sent: done.sent,
                skipped: done.skipped,
                refused: done.refused,
              });
            return;
          }
        }
        if (result.stopped) return;
      }
    } catch (err) {
      this.log.emit('replay.item_failed', { jobId, id: '', error: describeError(err) });
    } finally {
      await this.jobs.release(jobId, this.instanceId).catch(() => undefined);
    }
  }
}
