/**
 * Settled-prefix offsets of one partition. The connector hands a fetched batch to delivery and
 * lets kafkajs fetch the next one while it is still in flight; the offset it may commit is then
 * never "the end of the batch" but the first offset whose event is not settled yet (delivered,
 * held in Redis or dead-lettered), across every batch registered so far, in fetch order.
 *
 * Contract:
 * - add() registers a batch's offsets in fetch order (increasing, following the previous batch);
 *   `lastOffset` is the batch's last offset, which may lie beyond its last message (a transaction
 *   marker) and is the commit point once the whole batch is settled.
 * - settle(i) on the returned handle marks message i of that batch settled (idempotent).
 * - commitPoint() is the offset to commit (the first unsettled one, or lastOffset + 1 of the last
 *   batch when everything is settled); undefined before anything was settled.
 * - firstUnsettled() is where a consumer has to read again from if the unsettled events are
 *   dropped (breaker open, an error): undefined when everything registered is settled.
 */
export interface BatchProgress {
  settle(i: number): void;
}

interface Tracked {
  offsets: readonly string[];
  settled: Uint8Array;
  /** Index of the first message not settled. */
  next: number;
  lastOffset: string;
}

const plusOne = (offset: string) => (BigInt(offset) + 1n).toString();

export class PartitionProgress {
  /** Registered batches with an unsettled message, oldest first. */
  private readonly open: Tracked[] = [];
  private point: string | undefined;
  private unsettledCount = 0;

  /** Events registered and not settled yet. */
  get unsettled(): number {
    return this.unsettledCount;
  }

  add(offsets: readonly string[], lastOffset: string): BatchProgress {
    const t: Tracked = { offsets, settled: new Uint8Array(offsets.length), next: 0, lastOffset };
    this.unsettledCount += offsets.length;
    if (offsets.length === 0) {
      if (this.open.length === 0) this.point = plusOne(lastOffset);
      else this.open.push(t);
    } else this.open.push(t);
    return {
      settle: (i) => {
        if (t.settled[i]) return;
        t.settled[i] = 1;
        this.unsettledCount--;
        this.advance();
      },
    };
  }

  commitPoint(): string | undefined {
    return this.point;
  }

  firstUnsettled(): string | undefined {
    const head = this.open[0];
    return head ? head.offsets[head.next] : undefined;
  }

  private advance(): void {
    for (;;) {
      const head = this.open[0];
      if (!head) return;
      while (head.next < head.offsets.length && head.settled[head.next]) head.next++;
      if (head.next < head.offsets.length) {
        if (head.next > 0) this.point = head.offsets[head.next];
        return;
      }
      this.point = plusOne(head.lastOffset);
      this.open.shift();
    }
  }
}
