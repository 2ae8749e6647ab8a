import type { Message } from 'kafkajs';
import { CrossdockError, describeError, isCrossdockError } from '../core/errors';
import type { BatchPlan } from './batch';
import { chunkByBytes, MAX_SEND_BYTES } from './chunk';
import type { Entered, EnterResult, FencedPart } from './fence';
import type { RouterLog } from './log-events';
import type { RouterMetrics } from './metrics';
import type {
  OffsetsToCommit,
  OpenTransaction,
  TransactionalClient,
  TxnProducer,
} from '../core/kafka-client/transactional';
import { fenceWith } from './producers';
import {
  createTxnQueue,
  RewindFrom,
  type QueuedBatch,
  type TransactionScope,
  type TxnQueue,
} from './txn-queue';

/** A planned batch and the claim token of the generation it was planned in. */
export interface Planned {
  plan: BatchPlan;
  token: string;
}

/** Where a partition is read again from after its transaction failed. */
export interface Rewind {
  topic: string;
  partition: number;
  offset: string;
}

export interface TransactionCommitterOptions {
  /** The router's client: its consumer's offsets go into the transactions. */
  client: TransactionalClient;
  /** The group's committed offsets of these topics (settling a commit without an answer). */
  fetchCommitted(topics: string[]): Promise<OffsetsToCommit[]>;
  /** The first producer's transactional id; the others are `<instanceId>-tx<n>`. */
  instanceId: string;
  /** Producers in the pool. @defaultValue 2 */
  poolSize?: number;
  /** The partition fence's check just before EndTxn (router/claims.ts). */
  enter(parts: readonly FencedPart[], transactionalId: string): Promise<EnterResult>;
  /** A transaction failed: read these partitions again from these offsets. Must not throw. */
  rewind(rewind: readonly Rewind[]): void;
  /** Instrumentation: awaited after the fence and before EndTxn. */
  beforeCommit?: () => Promise<void>;
  /** Instrumentation: awaited right after EndTxn(commit) answered; a throw stands for a lost answer. */
  afterCommit?: () => Promise<void>;
  metrics: RouterMetrics;
  log: RouterLog;
}

/** A pool member: a transactional producer, replaced when another instance fences its id. */
interface ProducerSlot {
  id: string;
  producer: TxnProducer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries to initialise a slot's id again after a commit without an answer (about a minute in all). */
const SETTLE_ATTEMPTS = 16;

/**
 * Commit-behind over a small pool of transactional producers (router/txn-queue.ts). A planned
 * batch is queued for a transaction and eachBatch returns at once (its offset resolved), so
 * kafkajs fetches and the router plans the next batches while transactions are in flight. A
 * partition's batches commit in order, one open transaction per partition; batches queued while
 * every producer is busy share the next transaction (group commit). A batch behind a failed one,
 * or planned before a rebalance began, is dropped and read again.
 *
 * kafkajs then no longer waits for a transaction before rejoining the group or leaving it, and
 * has no KIP-447 fencing, so each transaction enters the partition fence (router/claims.ts) just
 * before it commits.
 *
 * State: the producer slots, the queue, `replacing` (false once stop began: a fenced producer is
 * no longer replaced) and `halted` (stop() stopped waiting for the transactions in flight: none may
 * commit after it).
 */
export class TransactionCommitter {
  /** Every transactional id of the pool; stable when the instance id is. */
  readonly transactionalIds: ReadonlySet<string>;
  private readonly slots: ProducerSlot[];
  private readonly queue: TxnQueue<Planned>;
  private replacing = true;
  private halted = false;

  constructor(private readonly options: TransactionCommitterOptions) {
    const poolSize = Math.max(1, Math.floor(options.poolSize ?? 2));
    // The first keeps the instance id; the others add a suffix. All are stable when the instance
    // id is, so a restarted instance fences every one of its predecessor's (start()).
    this.slots = Array.from({ length: poolSize }, (_v, i) => {
      const id = i === 0 ? options.instanceId : `${options.instanceId}-tx${i}`;
      return { id, producer: options.client.producer(id) };
    });
    this.transactionalIds = new Set(this.slots.map((s) => s.id));
    this.queue = createTxnQueue<ProducerSlot, Planned>({
      producers: this.slots,
      transact: (slot, scope) => this.transact(slot, scope),
      onFailed: (err, rewind) => {
        options.log.emit('router.transaction_failed', { error: describeError(err), rewind });
        options.rewind(rewind);
      },
    });
  }

  /** Connects and initialises every producer: from here on a predecessor's ids cannot commit. */
  async start(): Promise<void> {
    for (const slot of this.slots) await slot.producer.init();
  }

  /** The partition's epoch now (router/txn-queue.ts): capture it before planning a batch. */
  epoch(key: string): number {
    return this.queue.epoch(key);
  }

  /** The group generation now. */
  generation(): number {
    return this.queue.generation();
  }

  /** Queues a planned batch: resolves true once committed, false when dropped; rejects on failure. */
  submit(batch: QueuedBatch<Planned>, epoch: number, generation: number): Promise<boolean> {
    return this.queue.submit(batch, epoch, generation);
  }

  /** A rebalance began: batches not yet committed are dropped or their transactions aborted. */
  rebalanced(): void {
    this.queue.rebalanced();
  }

  /** Whether a transaction holding this partition is in flight. */
  busy(key: string): boolean {
    return this.queue.busy(key);
  }

  /** Ends every transaction of another process's transactional id (router/producers.ts). */
  async fenceProducer(transactionalId: string): Promise<void> {
    await fenceWith(this.options.client, transactionalId);
    this.options.log.emit('router.fenced_producer', { transactionalId });
  }

  /** Stop began: a producer fenced from now on is not replaced (stop() disconnects it). */
  stopReplacing(): void {
    this.replacing = false;
  }

  /**
   * Lets the transactions in flight finish for at most `waitMs` (what they hold need not be read
   * again), then halts (no transaction commits after this) and disconnects the producers.
   */
  async stop(waitMs: number): Promise<void> {
    this.replacing = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.idle(),
      new Promise<void>((r) => (timer = setTimeout(r, waitMs)).unref()),
    ]);
    clearTimeout(timer);
    this.halted = true;
    for (const slot of this.slots) await slot.producer.disconnect().catch(() => undefined);
  }

  private async transact(slot: ProducerSlot, scope: TransactionScope<Planned>): Promise<boolean> {
    const { metrics, log } = this.options;
    const out = new Map<string, Message[]>();
    const parts = new Map<string, FencedPart>();
    for (const b of scope.batches) {
      parts.set(b.key, { key: b.key, token: b.payload.token });
      for (const [topic, messages] of b.payload.plan.out) {
        const list = out.get(topic);
        if (list) for (const m of messages) list.push(m);
        else out.set(topic, messages.slice());
      }
    }
    const isFenced = (err: unknown) => this.options.client.isFenced(err);
    let tx: OpenTransaction | undefined;
    let entered: Entered | undefined;
    // A transaction the queue hands over after stop() disconnected the producers is dropped.
    if (this.halted) return false;
    try {
      tx = await slot.producer.transaction();
      for (const chunk of chunkByBytes(out, MAX_SEND_BYTES)) await tx.sendBatch(chunk);
      await tx.sendOffsets([...scope.offsets].map(([topic, partitions]) => ({ topic, partitions })));
      // A rebalance began while this transaction was open: its partitions may already be
      // someone else's. Abort, don't commit (the fence below would also refuse it, later).
      if (!scope.stillValid()) {
        await tx.abort();
        metrics.transactions.inc({ outcome: 'aborted' });
        return false;
      }
      const verdict = await this.options.enter([...parts.values()], slot.id);
      if (!verdict.ok) {
        await tx.abort();
        metrics.transactions.inc({ outcome: 'fenced' });
        throw new CrossdockError(
          'CD_E_ROUTER_FENCED',
          verdict.reason === 'other'
            ? `partition ${verdict.key} was claimed by another router instance; its transaction was aborted`
            : `the owner record of partition ${verdict.key} is gone from Redis; the partition is claimed again`,
          { retriable: true, details: { partition: verdict.key, reason: verdict.reason } },
        );
      }
      entered = verdict.entered;
      if (this.options.beforeCommit) await this.options.beforeCommit();
      if (this.halted) {
        // stop() gave up waiting and disconnected the producers: no EndTxn now (kafkajs would
        // reconnect for it and keep the process alive); without a commit the transaction can only
        // abort (timeout, or a new owner fencing the id), so the marks can go.
        await verdict.entered.leave().catch(() => undefined);
        return false;
      }
      await tx.commit();
      if (this.options.afterCommit) await this.options.afterCommit();
      metrics.transactions.inc({ outcome: 'committed' });
      // Per partition, its last batch's next offset (what sendOffsets committed).
      const committed = new Map(scope.batches.map((b) => [b.key, b.next]));
      // Not awaited: the next transaction's enter follows on the same connection, in order.
      verdict.entered
        .leave(committed)
        .catch((err: unknown) => log.emit('router.fence_leave_failed', { error: describeError(err) }));
      if (log.enabled('router.committed'))
        log.emit('router.committed', {
          batches: scope.batches.length,
          transactionalId: slot.id,
          offsets: offsetRanges(scope.batches),
        });
      return true;
    } catch (err) {
      if (!isCrossdockError(err)) metrics.transactions.inc({ outcome: 'aborted' });
      if (entered && !this.halted && !isFenced(err)) {
        // EndTxn(commit) was sent and its answer lost (its coordinator's broker died, a timeout):
        // the coordinator may have committed, and kafkajs leaves the transaction in COMMITTING,
        // so neither a second commit nor an abort can follow. Reading the batches again from
        // their first offset would route them twice if it did commit: settle the outcome from
        // Kafka and read each partition again from what Kafka committed.
        const committed = await this.settleUnknownCommit(slot, scope, entered, err);
        if (committed) throw new RewindFrom(err, committed);
      }
      // Not settled (stopping, or Kafka did not answer): the marks stay, so a new owner waits for
      // them (or fences this producer) before it reads the committed offsets.
      if (!this.halted && (!entered || !isFenced(err))) await tx?.abort().catch(() => undefined);
      if (isFenced(err)) await this.replaceProducer(slot);
      throw err;
    }
  }

  /**
   * Settles a transaction whose EndTxn(commit) got no answer: initialises the slot's
   * transactional id again with a new producer, which the coordinator answers only once that
   * transaction has ended (a commit under way is finished, an open transaction aborted;
   * router/producers.ts), then reads the group's committed offsets for its partitions (they moved
   * with the transaction, sendOffsets, or did not) and lifts the fence's marks with them.
   * Resolves those offsets by batch key, or undefined when stop() halted first or Kafka kept
   * failing (then the caller falls back to the marks: a new owner settles it the same way).
   */
  private async settleUnknownCommit(
    slot: ProducerSlot,
    scope: TransactionScope<Planned>,
    entered: Entered,
    failure: unknown,
  ): Promise<Map<string, string> | undefined> {
    const { client, log } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (this.halted || attempt === SETTLE_ATTEMPTS) return undefined;
      await slot.producer.disconnect().catch(() => undefined);
      slot.producer = client.producer(slot.id);
      try {
        await slot.producer.init();
        break;
      } catch (err) {
        log.emit('router.producer_replace_failed', { transactionalId: slot.id, error: describeError(err) });
        await sleep(Math.min(5000, 250 * 2 ** attempt));
      }
    }
    const wanted = new Set(scope.batches.map((b) => b.key));
    try {
      const fetched = await this.options.fetchCommitted([...scope.offsets.keys()]);
      const committed = new Map<string, string>();
      for (const t of fetched)
        for (const p of t.partitions) {
          const key = `${t.topic}/${p.partition}`;
          if (wanted.has(key)) committed.set(key, p.offset);
        }
      const lifted = new Map([...committed].filter(([, o]) => BigInt(o) >= 0n));
      await entered
        .leave(lifted)
        .catch((err: unknown) => log.emit('router.fence_leave_failed', { error: describeError(err) }));
      log.emit('router.commit_settled', {
        transactionalId: slot.id,
        outcome: settledOutcome(scope.batches, committed),
        error: describeError(failure),
        offsets: Object.fromEntries(committed),
      });
      return committed;
    } catch (err) {
      log.emit('router.commit_unsettled', { transactionalId: slot.id, error: describeError(err) });
      return undefined;
    }
  }

  /** Another instance fenced this slot's transactional id: take it back with a new producer. */
  private async replaceProducer(slot: ProducerSlot): Promise<void> {
    if (!this.replacing) return; // stopping: the slot's producer is disconnected with the others
    const { log, client } = this.options;
    log.emit('router.producer_fenced', { transactionalId: slot.id });
    await slot.producer.disconnect().catch(() => undefined);
    slot.producer = client.producer(slot.id);
    // If this fails, the slot's next transaction fails too and the slot is replaced again.
    await slot.producer
      .init()
      .catch((err: unknown) =>
        log.emit('router.producer_replace_failed', { transactionalId: slot.id, error: describeError(err) }),
      );
  }
}

/**
 * What a transaction settled from Kafka did (router.commit_settled): 'committed' when the group's
 * offset of every partition in it is the `next` of that partition's last batch in it (what its
 * sendOffsets committed), else 'aborted'. A partition's earlier batches in the same transaction end
 * before that offset, so they say nothing about the outcome.
 */
export function settledOutcome(
  batches: ReadonlyArray<{ key: string; next: string }>,
  committed: ReadonlyMap<string, string>,
): 'committed' | 'aborted' {
  const last = new Map(batches.map((b) => [b.key, b.next]));
  return [...last].every(([key, next]) => committed.get(key) === next) ? 'committed' : 'aborted';
}

/** Per input partition, the first offset a transaction held and the offset it committed. */
function offsetRanges(batches: ReadonlyArray<QueuedBatch<Planned>>): Record<string, string> {
  // A partition's batches are in offset order: its first batch starts the range, its last ends it.
  const first = new Map<string, string>();
  const ranges: Record<string, string> = {};
  for (const b of batches) {
    if (!first.has(b.key)) first.set(b.key, b.first);
    ranges[b.key] = `${first.get(b.key)!}-${b.next}`;
  }
  return ranges;
}
