import type { Admin } from 'kafkajs';
import { describeError } from '../../core/errors';
import type { DeadLetterReader } from './dlq-reader';
import type { FeedLog } from './log-events';
import type { RejectionBook } from './rejections';

/**
 * How far the router has decided each ingress partition, as far as the feed may know it.
 *
 * The router commits its consumer offsets in the same Kafka transaction as its outputs, dead
 * letters included. So one refresh reads, in this order:
 *   1. C: the router group's committed offset of every ingress partition;
 *   2. H: the read_committed end offsets of `dlq.router`;
 * and once the feed's dead-letter reader has read up to H, every ingress record below C[its
 * partition] is decided, and its dead letter, if it has one, is in the RejectionBook: the
 * transaction that committed C had committed its dead letters before step 2 looked. Only then
 * does `decided()` move to C. Nothing at or above it is handed on.
 *
 * A refresh also reads the tracker group's committed offsets G: rejections below them are
 * forgotten (RejectionBook.prune), and the lag is Σ max(0, C − max(G, the feed's own position)).
 */
export interface HorizonOptions {
  /** A connected admin client, owned by the caller. */
  admin: Admin;
  routerGroup: string;
  trackerGroup: string;
  dlqTopic: string;
  /** The ingress topics that exist now. */
  ingressTopics(): Promise<string[]>;
  reader: DeadLetterReader;
  book: RejectionBook;
  log: FeedLog;
  /** Longest one refresh waits for the dead-letter reader (ms). @defaultValue 5000 */
  readerWaitMs?: number;
  /** Pause between refreshes while nobody waits (ms). @defaultValue 1000 */
  idleMs?: number;
  /** Shortest pause between two refreshes (ms). @defaultValue 100 */
  minIntervalMs?: number;
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class RouterHorizon {
  private readonly decidedBelow = new Map<string, bigint>();
  private readonly committed = new Map<string, bigint>();
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private refreshed = false;
  private count = 0;

  constructor(private readonly options: HorizonOptions) {}

  /** The router-decided bound of a partition: records below it are decided (0: none yet). */
  decided(topic: string, partition: number): bigint {
    return this.decidedBelow.get(partitionKey(topic, partition)) ?? 0n;
  }

  /** Refreshes completed (whether or not they moved anything). */
  get refreshes(): number {
    return this.count;
  }

  /** True after a refresh succeeded, while the last one did. */
  healthy(): boolean {
    return this.refreshed && !this.failing;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Asks for a refresh soon (a batch waits for the router). */
  kick(): void {
    this.wake?.();
  }

  /** Resolves after the next refresh that moved anything, or after `ms`. */
  changed(ms: number): Promise<void> {
    this.kick();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /**
   * Σ over ingress partitions of max(0, C − max(G, own[partition])): decided records the tracker
   * has not read yet. `own`: the feed's own positions (next offset), ahead of its commits.
   */
  /**
   * The partitions (`<topic>/<partition>`) with records the router decided that the feed has not
   * handed on yet; undefined before the first refresh (nothing is known yet).
   */
  behind(own: ReadonlyMap<string, bigint>): string[] | undefined {
    if (!this.refreshed) return undefined;
    const out: string[] = [];
    for (const [key, c] of this.decidedBelow) {
      const at = [this.committed.get(key) ?? 0n, own.get(key) ?? 0n].reduce((a, b) => (a > b ? a : b));
      if (c > at) out.push(key);
    }
    return out;
  }

  lag(own: ReadonlyMap<string, bigint>): number {
    let sum = 0n;
    for (const [key, c] of this.decidedBelow) {
      const at = [this.committed.get(key) ?? 0n, own.get(key) ?? 0n].reduce((a, b) => (a > b ? a : b));
      if (c > at) sum += c - at;
    }
    return Number(sum);
  }

  private async run(): Promise<void> {
    const idle = this.options.idleMs ?? 1000;
    const min = this.options.minIntervalMs ?? 100;
    while (!this.stopped) {
      const started = Date.now();
      try {
        const moved = await this.refresh();
        this.count++;
        if (moved) for (const w of [...this.waiters]) w();
        if (this.failing) this.options.log.emit('flows.feed_horizon_recovered', {});
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.options.log.emit('flows.feed_horizon_failed', { error: describeError(err) });
        this.failing = true;
      }
      if (this.stopped) break;
      const rest = Math.max(0, min - (Date.now() - started));
      await new Promise<void>((resolve) => {
        this.wake = () => {
          // Woken early: still no sooner than the shortest interval.
          clearTimeout(this.timer);
          this.timer = setTimeout(resolve, rest);
        };
        this.timer = setTimeout(resolve, this.failing ? Math.max(idle, 1000) : idle);
      });
      this.wake = undefined;
    }
  }

  /** One refresh; true when the decided bound of some partition moved. */
  private async refresh(): Promise<boolean> {
    const { admin, routerGroup, trackerGroup, dlqTopic, reader, book } = this.options;
    const ingress = await this.options.ingressTopics();
    if (ingress.length === 0) return this.nothingYet();
    // 1. C, then (and only then) 2. H.
    const c = await this.groupOffsets(routerGroup, ingress);
    const g = await this.groupOffsets(trackerGroup, ingress);
    for (const [key, offset] of g) {
      this.committed.set(key, offset);
      const slash = key.lastIndexOf('/');
      book.prune(key.slice(0, slash), Number(key.slice(slash + 1)), offset);
    }
    if (![...c.values()].some((o) => o > 0n)) return this.nothingYet();
    // The router has committed, so it has created its dead-letter topic.
    if (!reader.started) await reader.start();
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(dlqTopic)) ends.set(p.partition, BigInt(p.high));
    if (!(await reader.waitRead(ends, this.options.readerWaitMs ?? 5000))) return false;
    let moved = false;
    for (const [key, offset] of c)
      if (offset > (this.decidedBelow.get(key) ?? 0n)) {
        this.decidedBelow.set(key, offset);
        moved = true;
      }
    this.refreshed = true;
    return moved;
  }

  /** A refresh that worked with nothing to decide (no ingress topic, or the router committed none). */
  private nothingYet(): false {
    this.refreshed = true;
    return false;
  }

  /** A group's committed offsets (none: 0) by `topic/partition`. */
  private async groupOffsets(groupId: string, topics: string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const t of await this.options.admin.fetchOffsets({ groupId, topics }))
      for (const p of t.partitions) {
        const o = BigInt(p.offset);
        out.set(partitionKey(t.topic, p.partition), o > 0n ? o : 0n);
      }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    for (const w of [...this.waiters]) w();
    await this.loop;
  }
}
