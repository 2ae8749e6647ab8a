import type { Clock } from '../../core/clock';
import { eventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';
import type { CircuitBreaker, DeliveryState } from '../../retry';
import type { DeliveryEngine } from './engine';
import { correlationIdOf } from '../../core/event-metadata';
import { DELIVERY_LOG_EVENTS } from './log-events';
import type { DeliveryMetrics } from './metrics';
import type { Semaphore } from './semaphore';

export interface RetryWorkerOptions {
  state: DeliveryState;
  engine: DeliveryEngine;
  breaker: CircuitBreaker;
  slots: Semaphore;
  metrics: DeliveryMetrics;
  logger: Logger;
  clock: Clock;
  /** How long a claimed entry stays ours before any instance may take it again. */
  claimLeaseMs: number;
  /** Longest sleep when nothing is due (new retries from other instances show up within it). @defaultValue 500 */
  idlePollMs?: number;
}

/**
 * Picks due retries out of the subscriber's schedule in Redis and runs them through the engine.
 * Every instance runs one; the claim script makes sure one entry goes to one instance at a time,
 * and its lease hands the entry to another instance if this one dies.
 */
export class RetryWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private lastGauge = 0;

  private readonly log;

  constructor(private readonly o: RetryWorkerOptions) {
    this.log = eventLogger(o.logger, DELIVERY_LOG_EVENTS);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the worker now (a retry was scheduled, the breaker changed). */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const idle = this.o.idlePollMs ?? 500;
    while (this.running) {
      try {
        const now = this.o.clock.now();
        if (now - this.lastGauge > 1000) {
          this.lastGauge = now;
          const counts = await this.o.state.counts();
          this.o.metrics.inRetry(counts.scheduled);
          this.o.metrics.held(counts.held);
        }
        const wait = this.o.breaker.waitMs();
        if (wait > 0) {
          await this.sleep(Math.min(wait, idle));
          continue;
        }
        // Half-open: one probe at a time; closed: as many as there are free local slots.
        const room = this.o.breaker.state === 'closed' ? Math.max(1, this.o.slots.free) : 1;
        const entries = await this.o.state.claimDue(room, this.o.claimLeaseMs);
        if (entries.length === 0) {
          const next = await this.o.state.nextDueAt();
          await this.sleep(next === null ? idle : Math.max(5, Math.min(idle, next - this.o.clock.now())));
          continue;
        }
        for (const entry of entries) {
          const p = this.o.engine.fromSchedule(entry).catch((err: unknown) => {
            // Redis or the DLQ producer failed: the claim lease returns the entry to the schedule.
            this.log.emit(
              'retry.attempt_failed',
              {
                eventId: entry.eventId,
                correlationId: correlationIdOf(entry.value),
                err: err instanceof Error ? err.message : String(err),
              },
              'a scheduled retry failed; its claim lease returns it to the schedule',
            );
          });
          this.inFlight.add(p);
          void p.finally(() => this.inFlight.delete(p));
        }
        // Do not claim more than we can run; wait for a slot before the next claim.
        if (this.o.slots.free === 0 || this.o.breaker.state !== 'closed')
          await Promise.race([...this.inFlight, this.sleep(idle)]);
      } catch (err) {
        this.log.emit(
          'retry.worker_error',
          { err: err instanceof Error ? err.message : String(err) },
          'the retry worker loop failed; it tries again after its idle poll',
        );
        await this.sleep(idle);
      }
    }
  }
}
