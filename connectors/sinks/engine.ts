import type { Producer } from 'kafkajs';
import type { Clock } from '../../core/clock';
import { eventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';
import {
  type CircuitBreaker,
  type DeliveryResult,
  decideRetry,
  type DeliverySettings,
  type AdmitLimits,
  type AdmitResult,
  type DeliveryState,
  type RetryEntry,
} from '../../retry';
import { deadLetterHeaders } from '../../core/dead-letters';
import type { PreAdmission } from './admission';
import type { Sink, SinkEvent } from './contract';
import { correlationIdOf } from '../../core/event-metadata';
import { DELIVERY_LOG_EVENTS } from './log-events';
import type { DeliveryMetrics } from './metrics';
import type { Semaphore } from './semaphore';

/** What became of one event after one pass through the engine. */
export type Disposition =
  /** Delivered now, or its record says it already was (idempotent skip). */
  | 'delivered'
  /** Held in Redis: scheduled for a retry or parked behind its key. */
  | 'held'
  | 'dead-lettered'
  /** Not attempted: the breaker is open (the caller keeps it where it was). */
  | 'blocked';

type Attempt =
  | { kind: 'done'; skipped: boolean }
  | { kind: 'blocked' }
  /** probe: the attempt was the breaker's half-open probe. */
  | { kind: 'failed'; result: Exclude<DeliveryResult, { kind: 'ok' }>; probe: boolean };

export interface EngineDeps {
  subscriberId: string;
  sink: Sink;
  state: DeliveryState;
  settings: DeliverySettings;
  breaker: CircuitBreaker;
  metrics: DeliveryMetrics;
  slots: Semaphore;
  /** Sends the dead letters (DeadLetterProducer in the connector: connected before events flow). */
  dlqProducer: Pick<Producer, 'send'>;
  dlqTopic: string;
  logger: Logger;
  clock: Clock;
  random: () => number;
  /** True while the connector runs; waits give up when it turns false. */
  running: () => boolean;
}

/** The shared limits admit enforces (rate limit, shared concurrency) from the delivery settings. */
export function admitLimits(settings: DeliverySettings): AdmitLimits {
  return {
    ratePerSecond: settings.rateLimit.perSecond,
    burst: settings.rateLimit.burst,
    sharedConcurrency: settings.concurrency.shared,
  };
}

/** Extra dead-letter headers of delivery: the subscriber's last HTTP status and the last error. */
export const LAST_STATUS_HEADER = 'cd-last-status';
export const LAST_ERROR_HEADER = 'cd-last-error';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The delivery engine: wraps a sink with idempotency, shared limits, the breaker, the retry
 * policy and the dead letters. Used the same way by the consumer (first attempts) and the retry
 * worker (later ones), so an event's fate does not depend on which path tried it.
 */
export class DeliveryEngine {
  private readonly limits: AdmitLimits;
  private readonly log;

  constructor(private readonly d: EngineDeps) {
    this.limits = admitLimits(d.settings);
    this.log = eventLogger(d.logger, DELIVERY_LOG_EVENTS);
  }

  /**
   * One attempt with every guard; never throws for a sink failure (Redis errors do throw).
   * `preAdmission`: gives the event's admission requested ahead by the batch's window (else it is
   * admitted here).
   * The local slot bounds requests to the subscriber: it is taken for the attempt and given back
   * as soon as the sink answers, before the idempotency record is written.
   */
  private async attempt(
    entry: RetryEntry,
    preAdmission?: () => Promise<PreAdmission> | undefined,
  ): Promise<Attempt> {
    const { state, settings, breaker, sink, metrics, slots, clock } = this.d;
    const limits = this.limits;
    await slots.acquire();
    let holding = true;
    // Asked for only once the slot is ours, so the window moves with the attempts.
    let pre = preAdmission?.();
    try {
      for (;;) {
        let admit: AdmitResult;
        if (pre) {
          const p = await pre;
          pre = undefined;
          admit = p.result;
          if (admit.kind === 'admitted' && clock.now() - p.at > settings.idempotency.leaseMs / 2) {
            // Taken long ago (a slow subscriber): give it back and take a fresh lease.
            await state.finish(entry.eventId, 'release');
            continue;
          }
          if (
            admit.kind === 'admitted' &&
            (!this.d.running() || (breaker.state === 'open' && breaker.waitMs() > 0))
          ) {
            await state.finish(entry.eventId, 'release');
            return { kind: 'blocked' };
          }
        } else {
          if (breaker.state === 'open' && breaker.waitMs() > 0) return { kind: 'blocked' };
          if (!this.d.running()) return { kind: 'blocked' };
          admit = await state.admit(entry.eventId, limits);
        }
        if (admit.kind === 'already-done') {
          metrics.idempotentSkip();
          return { kind: 'done', skipped: true };
        }
        if (admit.kind !== 'admitted') {
          // Another instance is delivering it right now, or the shared limits say wait. The local
          // slot is given back meanwhile so a long lease (a crashed owner) stalls only this event.
          slots.release();
          try {
            await sleep(admit.kind === 'at-capacity' ? 5 : Math.min(admit.retryInMs, 250));
          } finally {
            await slots.acquire();
          }
          continue;
        }
        const probe = breaker.state !== 'closed';
        if (!breaker.tryAcquire()) {
          await state.finish(entry.eventId, 'release');
          return { kind: 'blocked' };
        }
        const event: SinkEvent = {
          eventId: entry.eventId,
          key: entry.key,
          value: entry.value,
          headers: entry.headers,
          topic: entry.topic,
          partition: entry.partition,
          offset: entry.offset,
          attempt: entry.attempts + 1,
        };
        const started = clock.now();
        let result: DeliveryResult;
        try {
          result = await sink.deliver(event);
        } catch (err) {
          result = {
            kind: 'transient',
            code: 'CD_E_DELIVERY_CONNECTION',
            reason: err instanceof Error ? err.message : String(err),
          };
        }
        metrics.latency((clock.now() - started) / 1000);
        breaker.record(result.kind === 'ok' ? 'ok' : result.kind);
        holding = false;
        slots.release();
        if (result.kind === 'ok') {
          await state.finish(entry.eventId, 'done');
          metrics.delivered();
          return { kind: 'done', skipped: false };
        }
        await state.finish(entry.eventId, 'release');
        metrics.failed(result.kind, result.code);
        return { kind: 'failed', result, probe };
      }
    } finally {
      if (holding) slots.release();
    }
  }

  /**
   * First pass of an event read from the deliver topic. Returns only once the event is delivered,
   * held in Redis or dead-lettered (then its offset may be committed), or 'blocked'.
   */
  async fromTopic(
    entry: RetryEntry,
    preAdmission?: () => Promise<PreAdmission> | undefined,
  ): Promise<Disposition> {
    if (entry.eventId === '') {
      // No identity (connectors/sinks/entry.ts): not delivered, not held; its key is not held either.
      await this.deadLetter(
        { ...entry, attempts: 0 },
        'CD_E_DELIVERY_NO_EVENT_ID',
        'no eventId: the record has no ce_id header and its value is not a canonical event',
      );
      return 'dead-lettered';
    }
    if (entry.orderKey !== undefined) {
      // (Ordered events are never pre-admitted, so there is no lease to give back.)
      const parked = await this.d.state.park(entry as RetryEntry & { orderKey: string });
      if (parked === 'parked') {
        this.d.metrics.parked();
        return 'held';
      }
      if (parked === 'done') {
        // Read again after its effect happened (a seek back, a restart): nothing to do.
        this.d.metrics.idempotentSkip();
        return 'delivered';
      }
    }
    return this.afterAttempt(entry, await this.attempt(entry, preAdmission), false);
  }

  /** A due entry claimed from the retry schedule (or the next event of a key). */
  async fromSchedule(entry: RetryEntry): Promise<Disposition> {
    const outcome = await this.attempt(entry);
    if (outcome.kind === 'blocked') {
      // Not an attempt: move it to when the breaker lets a probe through, attempts unchanged.
      await this.d.state.schedule(entry, this.d.clock.now() + Math.max(this.d.breaker.waitMs(), 100));
      return 'blocked';
    }
    return this.afterAttempt(entry, outcome, true);
  }

  private async afterAttempt(entry: RetryEntry, outcome: Attempt, inSchedule: boolean): Promise<Disposition> {
    const { state, settings, clock } = this.d;
    if (outcome.kind === 'blocked') return 'blocked';
    if (outcome.kind === 'done') {
      if (inSchedule) await state.complete(entry, 'delivered');
      return 'delivered';
    }
    const r = outcome.result;
    const now = clock.now();
    const failed: RetryEntry = {
      ...entry,
      attempts: entry.attempts + 1,
      firstFailedAt: entry.firstFailedAt ?? now,
      lastFailedAt: now,
      lastCode: r.code,
      lastReason: r.reason,
      lastStatus: r.status,
    };
    if (r.kind === 'transient' && outcome.probe) {
      // A failed half-open probe says the subscriber is still down; it does not use up one of
      // the event's attempts (an outage must not exhaust retries: the breaker is the answer to it).
      const probeFailed = { ...failed, attempts: entry.attempts };
      await state.schedule(probeFailed, now + Math.max(this.d.breaker.waitMs(), 100));
      this.d.metrics.retryScheduled();
      return 'held';
    }
    if (r.kind === 'transient') {
      const decision = decideRetry(
        settings.retry,
        failed.attempts,
        failed.firstFailedAt ?? now,
        now,
        this.d.random,
        r.retryAfterMs,
      );
      if (decision.action === 'retry') {
        await state.schedule(failed, decision.dueAt);
        this.d.metrics.retryScheduled();
        return 'held';
      }
      await this.deadLetter(
        failed,
        'CD_E_DELIVERY_RETRIES_EXHAUSTED',
        `gave up after ${failed.attempts} attempts (${decision.reason}); last: ${r.code} ${r.reason}`,
      );
    } else {
      await this.deadLetter(failed, r.code, r.reason);
    }
    if (inSchedule) {
      await state.complete(failed, settings.ordering.onDeadLetter);
    } else if (failed.orderKey !== undefined && settings.ordering.onDeadLetter === 'hold') {
      // Dead-lettered on its first pass: it never entered its key's queue, so put it there as the
      // head and complete it with 'hold' (the same path as a head that ran out of retries).
      await state.schedule(failed, Number.MAX_SAFE_INTEGER, false);
      await state.complete(failed, 'hold');
    }
    return 'dead-lettered';
  }

  private async deadLetter(e: RetryEntry, code: string, message: string): Promise<void> {
    const now = this.d.clock.now();
    const headers = deadLetterHeaders(
      {
        code,
        message,
        stage: `deliver.${this.d.sink.kind}`,
        attempts: e.attempts,
        firstFailedAt: e.firstFailedAt ?? now,
        lastFailedAt: e.lastFailedAt ?? now,
        original: { topic: e.topic, partition: e.partition, offset: e.offset },
        subscriber: this.d.subscriberId,
      },
      e.headers,
    );
    // Delivery adds what the subscriber last said (docs/design.md: the reason a dead letter carries).
    if (e.lastStatus !== undefined) headers[LAST_STATUS_HEADER] = String(e.lastStatus);
    if (e.lastCode !== undefined || e.lastReason !== undefined)
      headers[LAST_ERROR_HEADER] = `${e.lastCode ?? ''}: ${e.lastReason ?? ''}`.slice(0, 1024);
    await this.d.dlqProducer.send({
      topic: this.d.dlqTopic,
      acks: -1,
      messages: [{ key: e.key, value: e.value, headers }],
    });
    this.d.metrics.deadLettered(code);
    this.log.emit(
      'delivery.dead_lettered',
      {
        eventId: e.eventId,
        correlationId: correlationIdOf(e.value),
        subscriber: this.d.subscriberId,
        code,
        attempts: e.attempts,
        lastStatus: e.lastStatus,
      },
      `event dead-lettered to ${this.d.dlqTopic} (${code})`,
    );
  }
}
