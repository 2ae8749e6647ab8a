import crypto from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { describeError } from '../../core/errors';
import { readRouterDeadLetter } from './dead-letters';
import type { FeedLog } from './log-events';
import type { RejectionBook } from './rejections';

/**
 * The feed's reader of the router's dead letters (`<prefix>.dlq.router`): every process reads the
 * whole topic from its start (read_committed) into its RejectionBook, with a consumer group of its
 * own (`<flowTrackerReaderGroups>.<random>`, nothing committed, deleted on stop), so a tracker that
 * owns any ingress partition knows every rejection of it, whichever dlq partition holds it.
 *
 * Its position per dlq partition is the offset after the last record it has handled, control
 * records (transaction markers) and aborted records included: kafkajs reports a batch it filtered
 * to nothing (END_BATCH_PROCESS) as well as one it handed over. `hasRead(ends)` is true once every
 * partition's position has reached `ends` (the topic's read_committed end offsets): every dead
 * letter committed below them is in the book.
 */
export interface DeadLetterReaderOptions {
  kafka: Kafka;
  /** A connected admin client (offsets), owned by the caller. */
  admin: Admin;
  topic: string;
  /** HubTopics.flowTrackerReaderGroups: a random suffix is added per process. */
  groupPrefix: string;
  book: RejectionBook;
  /** The topics whose records the feed reads (the ingress topics): dead letters of others are not kept. */
  feeds(topic: string): boolean;
  log: FeedLog;
}

export class DeadLetterReader {
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private readonly positions = new Map<number, bigint>();
  private readonly groupId: string;
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  private crashed = false;

  constructor(private readonly options: DeadLetterReaderOptions) {
    this.groupId = `${options.groupPrefix}.${crypto.randomBytes(5).toString('hex')}`;
  }

  /** True while started and its consumer has not failed. */
  healthy(): boolean {
    return !!this.consumer && !this.crashed;
  }

  get started(): boolean {
    return this.consumer !== undefined;
  }

  /**
   * Starts reading the topic (once it exists; call again until it does). Resolves when the
   * consumer runs; reading goes on in the background.
   */
  start(): Promise<void> {
    return (this.starting ??= this.begin().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    }));
  }

  private async begin(): Promise<void> {
    const { kafka, admin, topic, book, log } = this.options;
    // Where reading starts: a partition's first offset is read already (nothing below it exists).
    for (const p of await admin.fetchTopicOffsets(topic)) this.advance(p.partition, BigInt(p.low));
    const c = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      retry: {
        restartOnFailure: async (err) => {
          this.crashed = true;
          log.emit('flows.feed_reader_restart', { topic, error: describeError(err) });
          return true;
        },
      },
    });
    c.on(c.events.END_BATCH_PROCESS, (e) => {
      const { partition, lastOffset } = e.payload as { partition: number; lastOffset: string };
      this.crashed = false;
      this.advance(partition, BigInt(lastOffset) + 1n);
    });
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const named = readRouterDeadLetter(m.headers);
          // A dead letter of a flow alert (the router reads `flow.alerts` too) is none of the feed's.
          if (named) {
            if (this.options.feeds(named.topic)) book.add(named);
          } else
            log.emit('flows.feed_letter_unnamed', { topic, partition: batch.partition, offset: m.offset });
        }
      },
    });
    this.consumer = c;
    if (this.stopped) await this.stop();
  }

  private advance(partition: number, to: bigint): void {
    if (to > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, to);
    for (const l of this.listeners) l();
  }

  /** Whether every dead letter committed below `ends` (partition → end offset) was read. */
  hasRead(ends: ReadonlyMap<number, bigint>): boolean {
    for (const [p, end] of ends) if ((this.positions.get(p) ?? 0n) < end) return false;
    return true;
  }

  /** Resolves when hasRead(ends), or false after `timeoutMs`. */
  waitRead(ends: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<boolean> {
    if (this.hasRead(ends)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (this.hasRead(ends)) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.listeners.add(check);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.consumer;
    this.consumer = undefined;
    if (!c) return;
    await c.disconnect().catch(() => undefined);
    // The group committed nothing; removing it leaves no trace on the cluster.
    await this.options.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
