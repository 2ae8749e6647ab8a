/**
 * A counting semaphore: at most `limit` holders at once, FIFO for waiters. Waiters sit in an
 * array read from a moving head (compacted now and then), so release() costs the same with one
 * waiter or thousands (Array.shift() moves every element once the array grows large).
 */
export class Semaphore {
  private active = 0;
  private waiters: Array<(() => void) | undefined> = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  get free(): number {
    return Math.max(0, this.limit - this.active);
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length - this.head;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    if (this.head === this.waiters.length) {
      this.active--;
      return;
    }
    const next = this.waiters[this.head]!;
    this.waiters[this.head++] = undefined;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    // The slot passes straight to the next waiter (active stays the same).
    next();
  }
}
