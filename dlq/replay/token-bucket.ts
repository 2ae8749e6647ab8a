/**
 * The rate limit of one replay job: a token bucket filled at `ratePerSecond`, holding at most
 * `burst` tokens (the runner takes a batch's worth at a time and holds two batches: dlq/replay/
 * runner.ts batchSize). One job is run by one
 * process at a time (its lease), so the bucket lives in that process; a process that takes the
 * job over starts with a full bucket, which adds at most `burst` sends to the rate.
 *
 * Pure: time is passed in. In any window of t seconds from the bucket's creation it hands out at
 * most burst + t × ratePerSecond tokens.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSecond: number,
    now: number,
    private readonly burst = 1,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${ratePerSecond}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
      this.at = now;
    }
  }

  /** How long (ms) until `n` tokens are there (n ≤ burst); 0 when they are there now. Takes nothing. */
  waitMs(now: number, n = 1): number {
    this.refill(now);
    if (this.tokens >= n) return 0;
    return Math.ceil(((Math.min(n, this.burst) - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Takes `n` tokens if they are there now; returns whether it did. */
  take(now: number, n = 1): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
