/**
 * The router's commit queue: which planned batches go into which Kafka transaction, and when.
 *
 * Contract
 * - Batches are submitted in the order kafkajs hands them over; each names its input
 *   topic-partition (`key`) and the first offset it holds.
 * - A pool of producers (kafkajs allows one open transaction per producer) takes them: an idle
 *   producer's transaction carries every queued batch whose partition has no transaction in
 *   flight (group commit); a batch behind an in-flight batch of its partition waits for it. So a
 *   partition's batches commit in order, and two open transactions never hold offsets of the same
 *   partition (per-key order holds: a key lives in one input partition).
 * - A batch is dropped (resolved `false`, nothing written) when, at any point before its commit,
 *   its partition's epoch moved on (an earlier batch of the partition failed: the partition is
 *   read again from that batch) or the group generation moved on (a rebalance began: whoever owns
 *   the partition afterwards reads it from the last committed offset).
 * - When a transaction fails, every partition in it is re-read from its first uncommitted offset:
 *   `onFailed` is told the earliest failed offset per partition (or, when `transact` throws
 *   RewindFrom, the offset Kafka committed for it) and the epochs move on, so the batches queued
 *   behind are dropped too. The failed producer rests `failureBackoffMs` first.
 *
 * Pure logic: the transaction itself is injected (`transact`), so tests drive it without Kafka.
 */

/**
 * What `transact` throws when its transaction's outcome was settled from Kafka after the fact
 * (router/commit.ts: a commit whose answer was lost): each partition is read again from the
 * offset Kafka committed for it (`offsets`, by batch key; one missing or negative: from its first
 * batch in the transaction), not from its first batch, which Kafka may already hold.
 */
export class RewindFrom extends Error {
  constructor(
    readonly failure: unknown,
    readonly offsets: ReadonlyMap<string, string>,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'RewindFrom';
  }
}

export interface QueuedBatch<T> {
  /** The input topic-partition, e.g. `cd.ingress.us-chi/3`. */
  key: string;
  topic: string;
  partition: number;
  /** First offset of the batch (where the partition is re-read from if it fails). */
  first: string;
  /** The offset to commit: last offset + 1. */
  next: string;
  payload: T;
}

export interface TransactionScope<T> {
  batches: ReadonlyArray<QueuedBatch<T>>;
  /** Offsets to commit, one per topic-partition (the last batch's `next`). */
  offsets: Map<string, Array<{ partition: number; offset: string }>>;
  /** Whether the batches are still wanted; false once a rebalance began (then abort, don't commit). */
  stillValid(): boolean;
}

export interface TxnQueueOptions<P, T> {
  producers: readonly P[];
  /**
   * Runs one transaction: the batches' copies, their offsets, commit. Resolves `true` when
   * committed, `false` when it aborted on purpose (scope no longer valid); throws on failure.
   */
  transact(producer: P, scope: TransactionScope<T>): Promise<boolean>;
  /** A transaction failed: re-read these partitions from these offsets. Must not throw. */
  onFailed(err: unknown, rewind: ReadonlyArray<{ topic: string; partition: number; offset: string }>): void;
  failureBackoffMs?: number;
}

export interface TxnQueue<T> {
  /** The partition's epoch now: capture it before planning a batch, pass it to submit(). */
  epoch(key: string): number;
  /** The group generation now (see rebalanced()). */
  generation(): number;
  /**
   * Queues a planned batch. Resolves true once committed, false when dropped (see the
   * contract); rejects when its transaction failed.
   */
  submit(batch: QueuedBatch<T>, epoch: number, generation: number): Promise<boolean>;
  /** A rebalance began: every batch not yet committed is dropped or its transaction aborted. */
  rebalanced(): void;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
  /** Whether a transaction holding this partition is in flight. */
  busy(key: string): boolean;
}

interface Entry<T> {
  batch: QueuedBatch<T>;
  epoch: number;
  generation: number;
  resolve: (committed: boolean) => void;
  reject: (err: unknown) => void;
}

export function createTxnQueue<P, T>(options: TxnQueueOptions<P, T>): TxnQueue<T> {
  const epochs = new Map<string, number>();
  const inFlight = new Set<string>();
  let generation = 0;
  let queue: Array<Entry<T>> = [];
  const idleProducers: P[] = [...options.producers];
  let busy = 0;
  let idleWaiters: Array<() => void> = [];
  const epochOf = (key: string) => epochs.get(key) ?? 0;
  const current = (e: Entry<T>) => e.generation === generation && e.epoch === epochOf(e.batch.key);

  function settleIdle(): void {
    if (queue.length === 0 && busy === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  }

  function pump(): void {
    // Drop what is no longer wanted, wherever it waits.
    queue = queue.filter((e) => (current(e) ? true : (e.resolve(false), false)));
    while (queue.length && idleProducers.length) {
      const taken: Array<Entry<T>> = [];
      const rest: Array<Entry<T>> = [];
      for (const e of queue) (inFlight.has(e.batch.key) ? rest : taken).push(e);
      if (!taken.length) break;
      queue = rest;
      const producer = idleProducers.pop()!;
      void run(producer, taken);
    }
    settleIdle();
  }

  async function run(producer: P, taken: Array<Entry<T>>): Promise<void> {
    busy++;
    const keys = new Set(taken.map((e) => e.batch.key));
    for (const k of keys) inFlight.add(k);
    const offsets = new Map<string, Array<{ partition: number; offset: string }>>();
    const last = new Map<string, QueuedBatch<T>>();
    for (const e of taken) last.set(e.batch.key, e.batch);
    for (const b of last.values()) {
      const list = offsets.get(b.topic);
      if (list) list.push({ partition: b.partition, offset: b.next });
      else offsets.set(b.topic, [{ partition: b.partition, offset: b.next }]);
    }
    let rest = 0;
    try {
      const committed = await options.transact(producer, {
        batches: taken.map((e) => e.batch),
        offsets,
        stillValid: () => taken.every(current),
      });
      for (const e of taken) e.resolve(committed);
    } catch (err) {
      // Re-read each partition from its first batch in this transaction; what queued behind
      // is dropped (the epoch moves on), and kafkajs fetches it again after the rewind.
      // A transaction settled from Kafka afterwards names where each partition resumes.
      const settled = err instanceof RewindFrom ? err.offsets : undefined;
      const rewind = new Map<string, { topic: string; partition: number; offset: string }>();
      for (const e of taken)
        if (!rewind.has(e.batch.key)) {
          const known = settled?.get(e.batch.key);
          rewind.set(e.batch.key, {
            topic: e.batch.topic,
            partition: e.batch.partition,
            offset: known !== undefined && BigInt(known) >= 0n ? known : e.batch.first,
          });
        }
      for (const k of keys) epochs.set(k, epochOf(k) + 1);
      options.onFailed(err, [...rewind.values()]);
      for (const e of taken) e.reject(err);
      rest = options.failureBackoffMs ?? 1000;
    } finally {
      for (const k of keys) inFlight.delete(k);
      busy--;
    }
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    idleProducers.push(producer);
    pump();
  }

  return {
    epoch: epochOf,
    generation: () => generation,
    submit(batch, epoch, gen) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ batch, epoch, generation: gen, resolve, reject });
        pump();
      });
    },
    rebalanced() {
      generation++;
      pump();
    },
    busy: (key) => inFlight.has(key),
    idle() {
      if (queue.length === 0 && busy === 0) return Promise.resolve();
      return new Promise<void>((r) => idleWaiters.push(r));
    },
  };
}
