import type { Clock } from '../core/clock';
import { defaultsOf } from '../core/config/defaults';
import { DELIVERY_CONFIG_SCHEMA } from './config-schema';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Circuit breaker settings (delivery.breaker), defaults applied: DELIVERY_CONFIG_SCHEMA's. */
export interface BreakerOptions {
  /** Consecutive transient failures that open the breaker. @defaultValue the schema's */
  failureThreshold: number;
  /** How long it stays open before a probe is let through. @defaultValue the schema's */
  openMs: number;
  /** Each failed probe doubles the open time up to this. @defaultValue the schema's */
  maxOpenMs: number;
  /** Successful probes in a row that close it again. @defaultValue the schema's */
  probesToClose: number;
}

export const DEFAULT_BREAKER: Readonly<BreakerOptions> = defaultsOf(
  DELIVERY_CONFIG_SCHEMA.properties.breaker,
);

/**
 * One subscriber's circuit breaker, per connector instance. Only transient failures count: a 4xx
 * means the subscriber is up and refusing one event. While open nothing is attempted (the
 * consumer and the retry worker pause), so an outage does not burn attempts or fill the dead
 * letters. Each instance finds out by itself that the subscriber is down; that costs each one
 * `failureThreshold` failed attempts, which are retried anyway.
 */
export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failures = 0;
  private openUntil = 0;
  private currentOpenMs: number;
  private probeInFlight = false;
  private probeSuccesses = 0;

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
    /** Called on every state change (log + metric). */
    private readonly onChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
  ) {
    this.currentOpenMs = options.openMs;
  }

  get state(): BreakerState {
    return this.stateNow;
  }

  /** Milliseconds until a probe may go (0 when attempts may go now). */
  waitMs(): number {
    if (this.stateNow !== 'open') return 0;
    return Math.max(0, this.openUntil - this.clock.now());
  }

  /**
   * May an attempt start now? Closed: yes. Open: no until openMs has passed, then the breaker
   * goes half-open and lets exactly one probe through at a time.
   */
  tryAcquire(): boolean {
    if (this.stateNow === 'closed') return true;
    if (this.stateNow === 'open') {
      if (this.clock.now() < this.openUntil) return false;
      this.transition('half-open');
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Report an attempt's outcome ('permanent' counts as the subscriber answering). */
  record(outcome: 'ok' | 'permanent' | 'transient'): void {
    const probe = this.stateNow === 'half-open';
    if (probe) this.probeInFlight = false;
    if (outcome === 'transient') {
      if (probe) {
        this.currentOpenMs = Math.min(this.options.maxOpenMs, this.currentOpenMs * 2);
        this.open();
      } else if (this.stateNow === 'closed' && ++this.failures >= this.options.failureThreshold) {
        this.open();
      }
      return;
    }
    this.failures = 0;
    if (probe && ++this.probeSuccesses >= this.options.probesToClose) {
      this.currentOpenMs = this.options.openMs;
      this.transition('closed');
    }
  }

  private open(): void {
    this.openUntil = this.clock.now() + this.currentOpenMs;
    this.probeSuccesses = 0;
    this.transition('open');
  }

  private transition(to: BreakerState): void {
    const from = this.stateNow;
    if (from === to) return;
    this.stateNow = to;
    if (to === 'closed') this.failures = 0;
    this.onChange(to, from);
  }
}
