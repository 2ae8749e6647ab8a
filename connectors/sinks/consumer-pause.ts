import type { BreakerState } from '../../retry';

export interface ConsumerPauseDeps {
  /** Pauses / resumes fetching the deliver topic (kafkajs consumer.pause / resume). */
  pauseTopic(): void;
  resumeTopic(): void;
  breakerState(): BreakerState;
  /** Time until the breaker lets a half-open probe through. */
  breakerWaitMs(): number;
  running(): boolean;
  setTimer(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimer(t: NodeJS.Timeout | undefined): void;
}

/**
 * Pausing the consumer while the breaker is not closed (nothing is drained into retries or dead
 * letters while the subscriber is down).
 *
 * - pause(): called when an event comes back 'blocked'. Ignored when the breaker is closed again
 *   by then (with many events in flight, a 'blocked' answer decided while it was half-open can
 *   arrive after a probe closed it; pausing then would leave the consumer paused for good, as
 *   nothing would resume it). Otherwise pauses, and resumes by itself when the breaker's open
 *   time is up: if it is still open the next events come back blocked and pause again (that is
 *   how the consumer sends its half-open probe).
 * - resume(): called when the breaker closes (and by the timer).
 */
export class ConsumerPause {
  private timer: NodeJS.Timeout | undefined;
  private pausedNow = false;

  constructor(private readonly d: ConsumerPauseDeps) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  pause(): void {
    if (this.pausedNow || this.d.breakerState() === 'closed') return;
    this.pausedNow = true;
    this.d.pauseTopic();
    this.d.clearTimer(this.timer);
    this.timer = this.d.setTimer(
      () => {
        if (this.d.running()) this.resume();
      },
      Math.max(50, this.d.breakerWaitMs()),
    );
  }

  resume(): void {
    this.d.clearTimer(this.timer);
    this.timer = undefined;
    if (!this.pausedNow) return;
    this.pausedNow = false;
    this.d.resumeTopic();
  }

  /** Stops the timer (connector stop). */
  close(): void {
    this.d.clearTimer(this.timer);
    this.timer = undefined;
  }
}
