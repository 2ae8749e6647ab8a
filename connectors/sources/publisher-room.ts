import type { ProducedRecord } from '../../core/kafka-client/producer';

/** Events and bytes one publish holds while it waits for Kafka. */
export interface RoomUse {
  events: number;
  bytes: number;
}

/** Bytes a message holds: value, key and header names and values (the record overhead is left out). */
export function messageBytes(m: ProducedRecord): number {
  const len = (v: unknown): number =>
    v == null ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v));
  let n = len(m.value) + len(m.key);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += Buffer.byteLength(k);
    if (Array.isArray(v)) for (const x of v) n += len(x);
    else n += len(v);
  }
  return n;
}

/**
 * The bound of the ingress publisher's queue (pure: no I/O, no timers). A use fits when the
 * totals stay within both limits, or when nothing is held at all (one publish larger than the
 * bound must not be refused for ever). Waiters are served first come, first served: a later small
 * publish does not overtake an earlier big one that waits (the CSV watcher would starve).
 */
export class PublisherRoom {
  readonly used: RoomUse = { events: 0, bytes: 0 };
  private readonly waiters: Array<{ use: RoomUse; wake: () => void }> = [];

  constructor(readonly limits: { maxEvents: number; maxBytes: number }) {}

  /** Whether `use` would fit now (ignoring waiters). */
  fits(use: RoomUse): boolean {
    if (this.used.events === 0 && this.used.bytes === 0) return true;
    return (
      this.used.events + use.events <= this.limits.maxEvents &&
      this.used.bytes + use.bytes <= this.limits.maxBytes
    );
  }

  /** Takes the room when it fits and nobody waits before it. */
  tryTake(use: RoomUse): boolean {
    if (this.waiters.length > 0 || !this.fits(use)) return false;
    this.add(use);
    return true;
  }

  /** Resolves once `use` was taken (in arrival order). */
  take(use: RoomUse): Promise<void> {
    if (this.tryTake(use)) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ use, wake: resolve }));
  }

  release(use: RoomUse): void {
    this.used.events = Math.max(0, this.used.events - use.events);
    this.used.bytes = Math.max(0, this.used.bytes - use.bytes);
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.use)) {
      const w = this.waiters.shift()!;
      this.add(w.use);
      w.wake();
    }
  }

  /** Wakes every waiter without room (shutting down: they must give their room back). */
  wakeAll(): void {
    for (const w of this.waiters.splice(0)) {
      this.add(w.use);
      w.wake();
    }
  }

  /** Waiting publishes (CSV chunks). */
  get waiting(): number {
    return this.waiters.length;
  }

  describe(): { queuedEvents: number; queuedBytes: number; maxQueuedEvents: number; maxQueuedBytes: number } {
    return {
      queuedEvents: this.used.events,
      queuedBytes: this.used.bytes,
      maxQueuedEvents: this.limits.maxEvents,
      maxQueuedBytes: this.limits.maxBytes,
    };
  }

  private add(use: RoomUse): void {
    this.used.events += use.events;
    this.used.bytes += use.bytes;
  }
}
