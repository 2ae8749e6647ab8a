import type { GroupBatchPayload, GroupMessage } from '../../core/kafka-client/transactional';
import { eventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';
import type { RetryEntry } from '../../retry';
import type { AdmissionWindow, PreAdmission } from './admission';
import type { Disposition } from './engine';
import { correlationIdOf } from '../../core/event-metadata';
import { DELIVERY_LOG_EVENTS } from './log-events';
import { PartitionProgress, type BatchProgress } from './progress';

/** What the pipeline needs from the Kafka consumer (core/kafka-client/committing.ts; a fake in tests). */
export interface ConsumerControl {
  /** Commits `offset` (the next offset to read) for the group; may reject (rebalance, broker). */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Makes the consumer read the partition again from `offset` (a seek, no commit). */
  seek(topic: string, partition: number, offset: string): void;
  /** Stops fetching the partition for a while (after an error), then resumes it. */
  backOff(topic: string, partition: number, ms: number): void;
}

/** What the pipeline needs from the delivery engine: the first pass of a fetched event. */
export interface FirstPass {
  /** Delivered, held in Redis, dead-lettered, or 'blocked' (not attempted); see DeliveryEngine.fromTopic. */
  fromTopic(entry: RetryEntry, pre?: () => Promise<PreAdmission> | undefined): Promise<Disposition>;
}

/**
 * The pipeline's collaborators, each built before it: the engine it hands events to, the
 * consumer it commits and seeks through. Nothing here points back at the pipeline.
 */
export interface PipelineDeps {
  entryOf(topic: string, partition: number, m: GroupMessage): RetryEntry;
  engine: FirstPass;
  /** Pre-admission window for a batch's entries, or undefined when admissions are taken per attempt. */
  window(entries: readonly RetryEntry[]): AdmissionWindow | undefined;
  /** An event came back 'blocked' (breaker open, or stopping): pause the consumer. */
  onBlocked(): void;
  /** Gives back an idempotency lease taken ahead for an event that was not attempted. */
  releaseLease(eventId: string): Promise<void>;
  control: ConsumerControl;
  logger: Logger;
  /** True while the connector runs (events not attempted yet are dropped, to be read again, once false). */
  running(): boolean;
  /** eachBatch returns (and the consumer fetches on) once at most this many events are unsettled. */
  maxBufferedEvents: number;
  /** A partition whose delivery threw (Redis down, say) is read again after this pause. @defaultValue 1000 */
  errorBackoffMs?: number;
}

/** The part of a committing consumer's batch payload the pipeline uses. */
export type BatchPayload = Omit<GroupBatchPayload, 'batch'> & {
  batch: Pick<GroupBatchPayload['batch'], 'topic' | 'partition' | 'messages' | 'lastOffset'>;
};

/** One assigned partition's deliveries since it was (re)read from a position. */
interface Flow {
  topic: string;
  partition: number;
  progress: PartitionProgress;
  /** Tail of each key's chain (events of one key one after the other, across batches). */
  tails: Map<string, Promise<void>>;
  /** Events registered and not finished (settled or dropped). */
  inFlight: number;
  /** Stop attempting; read again from the first unsettled offset once nothing is in flight. */
  stopped: boolean;
  /** False once the assignment changed (group rejoin): no more commits or seeks from it. */
  live: boolean;
  error: boolean;
  /** Last commit point sent. */
  committed?: string;
}

/**
 * Delivery with fetching overlapped: a fetched batch is handed to the engine and the consumer's
 * fetch position moves past it at once (resolveOffset), so the next fetch runs while this batch is
 * still being delivered; eachBatch only waits while more than `maxBufferedEvents` events are
 * unsettled. The client commits nothing by itself: flush() commits, per partition, the
 * settled prefix (PartitionProgress), so an offset is never committed before every event up to
 * it is delivered, held in Redis or dead-lettered, whatever order the events finish in.
 *
 * Events of one Kafka key run one after the other, across batches, in partition order. When an
 * event comes back 'blocked' (breaker open, or stopping) or its delivery throws, the partition's
 * events not yet attempted are dropped; once none is in flight, its settled prefix is committed
 * and the consumer seeks back to the first unsettled offset, so they are fetched again later
 * (events settled past that point are skipped by their idempotency record then). After a group
 * rejoin (reset) the consumer reads from the committed offsets; events still in flight from before
 * finish (their effects are idempotent) but commit and seek nothing.
 */
export class DeliveryPipeline {
  private readonly flows = new Map<string, Flow>();
  private pending = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  /** Commits go one after the other, in the order they were decided. */
  private commits: Promise<void> = Promise.resolve();

  private readonly log;

  constructor(private readonly d: PipelineDeps) {
    this.log = eventLogger(d.logger, DELIVERY_LOG_EVENTS);
  }

  /** Events registered and not finished, over all partitions. */
  get buffered(): number {
    return this.pending;
  }

  async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: BatchPayload): Promise<void> {
    const messages = batch.messages;
    if (messages.length === 0 || !isRunning() || isStale() || !this.d.running()) return;
    const flow = this.flowOf(batch.topic, batch.partition);
    // Stopped: these are read again after the seek back (they were fetched past the drop point).
    if (flow.stopped) return;
    const entries = messages.map((m) => this.d.entryOf(batch.topic, batch.partition, m));
    const tracked = flow.progress.add(
      messages.map((m) => m.offset),
      batch.lastOffset(),
    );
    const window = this.d.window(entries);
    const runs: Array<Promise<void>> = [];
    for (let i = 0; i < entries.length; i++) {
      const key = messages[i]!.key;
      const k = key && key.length ? key.toString('latin1') : undefined;
      const prev = k === undefined ? undefined : flow.tails.get(k);
      const run = () => this.one(flow, tracked, entries[i]!, i, window);
      const p = prev ? prev.then(run) : run();
      if (k !== undefined) {
        flow.tails.set(k, p);
        void p.then(() => {
          if (flow.tails.get(k) === p) flow.tails.delete(k);
        });
      }
      runs.push(p);
    }
    flow.inFlight += entries.length;
    this.pending += entries.length;
    if (window) {
      // Leases taken ahead for events this batch did not reach (it stopped early) go back.
      void Promise.all(runs).then(() =>
        window.releaseUnused((id) => this.d.releaseLease(id)).catch(() => undefined),
      );
    }
    // The fetch position moves past the batch now (kafkajs maps the last message to the batch's
    // last offset); what is committed is decided by flush().
    resolveOffset(messages[messages.length - 1]!.offset);
    while (this.pending > this.d.maxBufferedEvents && isRunning() && !isStale() && this.d.running()) {
      await this.waitForRoom(1000);
      await heartbeat().catch(() => undefined);
    }
  }

  /**
   * The consumer (kafkajs) moved past a fetched range that had no message for us (only transaction markers or
   * aborted records: it resolves those itself and never calls eachBatch). Recorded in the
   * partition's progress so the commit can pass them too. Only for a partition already being
   * delivered: a range fetched before a seek back must not start a new flow past unsettled events.
   */
  skipped(topic: string, partition: number, lastOffset: string): void {
    const f = this.flows.get(`${topic}\u0000${partition}`);
    if (!f || f.stopped || !f.live || !this.d.running()) return;
    f.progress.add([], lastOffset);
  }

  /** The assignment changed (group join): forget every flow; the consumer reads from the commits. */
  reset(): void {
    for (const f of this.flows.values()) f.live = false;
    this.flows.clear();
  }

  /** Commits every partition's settled prefix that moved since the last commit. */
  flush(): Promise<void> {
    for (const f of this.flows.values()) this.commitFlow(f);
    return this.commits;
  }

  /** Resolves once no event is in flight (call after running() turned false). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private flowOf(topic: string, partition: number): Flow {
    const id = `${topic}\u0000${partition}`;
    let f = this.flows.get(id);
    if (!f) {
      f = {
        topic,
        partition,
        progress: new PartitionProgress(),
        tails: new Map(),
        inFlight: 0,
        stopped: false,
        live: true,
        error: false,
      };
      this.flows.set(id, f);
    }
    return f;
  }

  private async one(
    flow: Flow,
    tracked: BatchProgress,
    entry: RetryEntry,
    i: number,
    window: AdmissionWindow | undefined,
  ): Promise<void> {
    try {
      if (flow.stopped || !flow.live || !this.d.running()) return;
      const disposition = await this.d.engine.fromTopic(entry, window ? () => window.take(i) : undefined);
      if (disposition === 'blocked') {
        flow.stopped = true;
        this.d.onBlocked();
      } else tracked.settle(i);
    } catch (err) {
      if (!flow.stopped) {
        this.log.emit(
          'delivery.consumer_error',
          {
            err,
            eventId: entry.eventId,
            correlationId: correlationIdOf(entry.value),
            partition: entry.partition,
          },
          'delivering a fetched event failed; its partition is read again after a pause',
        );
      }
      flow.stopped = true;
      flow.error = true;
    } finally {
      this.finished(flow);
    }
  }

  private finished(flow: Flow): void {
    flow.inFlight--;
    this.pending--;
    if (flow.inFlight === 0 && flow.stopped) this.rewind(flow);
    if (this.pending <= this.d.maxBufferedEvents) this.roomWaiters.splice(0).forEach((w) => w());
    if (this.pending === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** A stopped partition: commit what is settled, read again from the first unsettled event. */
  private rewind(flow: Flow): void {
    if (!flow.live) return;
    flow.live = false;
    const id = `${flow.topic}\u0000${flow.partition}`;
    if (this.flows.get(id) === flow) this.flows.delete(id);
    this.commitFlow(flow, true);
    if (!this.d.running()) return;
    const at = flow.progress.firstUnsettled();
    if (at !== undefined) this.d.control.seek(flow.topic, flow.partition, at);
    if (flow.error) this.d.control.backOff(flow.topic, flow.partition, this.d.errorBackoffMs ?? 1000);
  }

  private commitFlow(flow: Flow, evenIfDead = false): void {
    if (!flow.live && !evenIfDead) return;
    const point = flow.progress.commitPoint();
    if (point === undefined || point === flow.committed) return;
    flow.committed = point;
    this.commits = this.commits
      .then(() => this.d.control.commit(flow.topic, flow.partition, point))
      .catch((err: unknown) => {
        // A rebalance or a broker hiccup: the next commit (or the new owner) covers it; at worst
        // settled events are read again and skipped by their idempotency records.
        this.log.emit(
          'delivery.commit_failed',
          { err, partition: flow.partition, offset: point },
          'committing settled offsets failed; the next commit covers them',
        );
      });
  }

  private waitForRoom(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.roomWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
