import type { NamedRejection, RouterRejection } from './dead-letters';

/**
 * The router's rejections the feed has read and not yet used, in memory, by ingress partition.
 *
 * Kept only as long as needed: a rejection of a record below the tracker group's committed
 * offset of its partition (`floor`) is never needed again (the feed never reads below its
 * commits; a rebuild restarts the process's reader too, from the start of `dlq.router`), so it is
 * dropped when the floor moves past it, and not stored when it arrives below the floor. What is
 * held at most: the router's dead letters of records the tracker has not committed yet.
 */
export class RejectionBook {
  private readonly byPartition = new Map<string, Map<bigint, RouterRejection>>();
  private readonly floors = new Map<string, bigint>();
  private count = 0;

  private static key(topic: string, partition: number): string {
    return `${topic}/${partition}`;
  }

  add(r: NamedRejection): void {
    const key = RejectionBook.key(r.topic, r.partition);
    if (r.offset < (this.floors.get(key) ?? 0n)) return;
    let m = this.byPartition.get(key);
    if (!m) this.byPartition.set(key, (m = new Map()));
    if (!m.has(r.offset)) this.count++;
    m.set(r.offset, r.rejection);
  }

  get(topic: string, partition: number, offset: bigint): RouterRejection | undefined {
    return this.byPartition.get(RejectionBook.key(topic, partition))?.get(offset);
  }

  /** Records below `below` of this partition are consumed for good: forget their rejections. */
  prune(topic: string, partition: number, below: bigint): void {
    const key = RejectionBook.key(topic, partition);
    if (below <= (this.floors.get(key) ?? 0n)) return;
    this.floors.set(key, below);
    const m = this.byPartition.get(key);
    if (!m) return;
    for (const offset of m.keys())
      if (offset < below) {
        m.delete(offset);
        this.count--;
      }
    if (m.size === 0) this.byPartition.delete(key);
  }

  /** Rejections held. */
  get size(): number {
    return this.count;
  }
}
