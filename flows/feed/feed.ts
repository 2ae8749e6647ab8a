import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { describeError, isCrossdockError } from '../../core/errors';
import type { FactSink, IngressFact } from '../contract';
import type { RouterHorizon } from './horizon';
import type { FeedLog } from './log-events';
import type { RejectionBook } from './rejections';

/**
 * The feed's consumer: its own group (`<prefix>.flow-tracker`, read_committed) over every ingress
 * topic (the pattern, like the router; refreshTopics() picks up topics created since). Per fetched
 * batch of a partition:
 *
 *   1. the records below the router-decided bound (RouterHorizon) are taken, in offset order; when
 *      the rest wait for the router, the partition is paused and the batch ends (park()), so the
 *      other partitions of the fetch go on; it is fetched again once the router has decided more;
 *   2. their facts are built (FactBuilder) and handed to every sink in turn, each awaited;
 *   3. then, and only then, the group's offset is committed past them.
 *
 * A failure in 2 (registry, Redis, a sink) holds the partition and tries the same records again
 * after a backoff: a fact may be handed twice (the sinks are idempotent by offset and eventId),
 * never skipped. After a restart or a rebalance, facts are handed again only from the committed
 * offset on.
 */
export type FactBuilder = (
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
) => Promise<IngressFact[]>;

export interface IngressFeedOptions {
  kafka: Kafka;
  groupId: string;
  ingressPattern: RegExp;
  /** Every topic of the cluster (the ingress topics are found among them). */
  listTopics(): Promise<string[]>;
  horizon: RouterHorizon;
  book: RejectionBook;
  build: FactBuilder;
  /** Called in order, each awaited, before the offsets move. */
  sinks: readonly FactSink[];
  log: FeedLog;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs?: number;
  maxWaitTimeInMs?: number;
  retry?: { initialMs: number; maxMs: number };
  /** After each batch handed on and after each wait: the feed's own positions changed. */
  onProgress?(): void;
}

interface Parked {
  topic: string;
  partition: number;
  /** The first record that waits. */
  from: bigint;
  /** Records fetched that wait (what undecided() counts). */
  count: number;
  since: number;
  resume(): void;
}

/** How often parked partitions are looked at when the horizon does not move (ms). */
const PARKED_CHECK_MS = 1000;
/** A parked partition is fetched again after this long whatever the horizon says (ms). */
const PARKED_MAX_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class IngressFeed {
  private readonly consumer: Consumer;
  private subscribed = new Set<string>();
  private resubscribing: Promise<string[]> | undefined;
  /** `topic/partition` → the next offset to hand on (what this process has handed). */
  readonly positions = new Map<string, bigint>();
  private readonly held = new Set<string>();
  /** `topic/partition` → records fetched that wait for the router to decide them. */
  private readonly waiting = new Map<string, number>();
  /** Partitions paused until the router decides past `from` (see park()). */
  private readonly parked = new Map<string, Parked>();
  private watchingParked = false;
  private stopped = false;
  private joined = false;
  private crashed = false;

  constructor(private readonly options: IngressFeedOptions) {
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
      retry: {
        restartOnFailure: async (err) => {
          this.crashed = true;
          options.log.emit('flows.feed_consumer_restart', { error: describeError(err) });
          return true;
        },
      },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      this.crashed = false;
    });
  }

  /** Joined its group, its consumer has not failed, and no partition is held by a failure. */
  healthy(): boolean {
    return this.joined && !this.crashed && this.held.size === 0;
  }

  /** Records fetched that wait for the router to decide them. */
  undecided(): number {
    let n = 0;
    for (const v of this.waiting.values()) n += v;
    for (const v of this.parked.values()) n += v.count;
    return n;
  }

  /** The ingress topics subscribed to. */
  topics(): string[] {
    return [...this.subscribed];
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.subscribeAndRun();
  }

  private async subscribeAndRun(): Promise<void> {
    const { ingressPattern } = this.options;
    // What the pattern matches now: kafkajs resolves a pattern subscription once, here.
    const matching = (await this.options.listTopics()).filter((t) => ingressPattern.test(t));
    await this.consumer.subscribe({ topics: [ingressPattern], fromBeginning: true });
    this.subscribed = new Set(matching);
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (p) => this.runBatch(p),
    });
  }

  /** Subscribes again when ingress topics appeared since (resolves with them; none: nothing changed). */
  refreshTopics(): Promise<string[]> {
    return (this.resubscribing ??= (async () => {
      try {
        const now = (await this.options.listTopics()).filter((t) => this.options.ingressPattern.test(t));
        const added = now.filter((t) => !this.subscribed.has(t));
        if (added.length === 0 || this.stopped) return [];
        this.options.log.emit('flows.feed_topics_added', { topics: added });
        await this.consumer.stop();
        if (this.stopped) return added;
        await this.subscribeAndRun();
        return added;
      } finally {
        this.resubscribing = undefined;
      }
    })());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.parked.clear();
    await this.resubscribing?.catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
  }

  /**
   * The batch's next record waits for the router: pause the partition and end the batch, so the
   * records of the other partitions of the same fetch go on (kafkajs fetches again only once every
   * batch of a fetch has returned, and waiting here held them all behind the slowest router
   * partition). Nothing was resolved past what was handed on, so the next fetch after resume()
   * starts at `from` again (kafkajs fetches from the resolved offset).
   */
  private park(p: EachBatchPayload, key: string, from: bigint, count: number): void {
    this.parked.get(key)?.resume();
    this.parked.set(key, {
      topic: p.batch.topic,
      partition: p.batch.partition,
      from,
      count,
      since: Date.now(),
      resume: p.pause(),
    });
    void this.watchParked();
  }

  /**
   * Resumes each parked partition once the router has decided its next record, or after
   * PARKED_MAX_MS whatever the horizon says (a rebalance may have moved the partition; fetching
   * it again is cheap and sets everything right).
   */
  private async watchParked(): Promise<void> {
    if (this.watchingParked) return;
    this.watchingParked = true;
    try {
      while (this.parked.size > 0 && !this.stopped) {
        await this.options.horizon.changed(PARKED_CHECK_MS);
        const now = Date.now();
        for (const [key, e] of this.parked) {
          if (this.options.horizon.decided(e.topic, e.partition) > e.from || now - e.since >= PARKED_MAX_MS) {
            this.parked.delete(key);
            e.resume();
          }
        }
      }
    } finally {
      this.watchingParked = false;
    }
  }

  private async runBatch(p: EachBatchPayload): Promise<void> {
    const key = `${p.batch.topic}/${p.batch.partition}`;
    try {
      await this.handOn(p, key);
    } finally {
      this.waiting.delete(key);
    }
  }

  private async handOn(p: EachBatchPayload, key: string): Promise<void> {
    const { batch } = p;
    const { horizon, log } = this.options;
    const live = () => p.isRunning() && !p.isStale() && !this.stopped;
    let messages = batch.messages;
    let attempt = 0;
    while (messages.length > 0) {
      if (!live()) return;
      // 1. What the router has decided.
      const bound = horizon.decided(batch.topic, batch.partition);
      let n = 0;
      while (n < messages.length && BigInt(messages[n]!.offset) < bound) n++;
      this.waiting.set(key, messages.length - n);
      if (n === 0) {
        this.park(p, key, BigInt(messages[0]!.offset), messages.length);
        return;
      }
      const ready = messages.slice(0, n);
      const next = BigInt(ready[n - 1]!.offset) + 1n;
      try {
        // 2. Facts to every sink, in order.
        const facts = await this.options.build(batch.topic, batch.partition, ready);
        for (const sink of this.options.sinks) await sink.onFacts(facts);
      } catch (err) {
        // Registry, Redis or a sink down: hold the partition, try the same records again.
        if (!this.held.has(key))
          log.emit('flows.feed_paused', {
            code: isCrossdockError(err) ? err.code : undefined,
            error: describeError(err),
            topic: batch.topic,
            partition: batch.partition,
          });
        this.held.add(key);
        const cap = Math.min(
          this.options.retry?.maxMs ?? 10_000,
          (this.options.retry?.initialMs ?? 200) * 2 ** Math.min(attempt++, 20),
        );
        let wait = Math.random() * cap;
        while (wait > 0 && live()) {
          await sleep(Math.min(wait, 1000));
          wait -= 1000;
          await p.heartbeat().catch(() => undefined);
        }
        continue;
      }
      if (this.held.delete(key))
        log.emit('flows.feed_resumed', { topic: batch.topic, partition: batch.partition });
      attempt = 0;
      // 3. Only then the offset moves (a stale batch commits nothing: its new owner hands it again).
      if (!live()) return;
      p.resolveOffset(ready[n - 1]!.offset);
      try {
        await this.consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: next.toString() },
        ]);
      } catch (err) {
        log.emit('flows.feed_commit_failed', {
          topic: batch.topic,
          partition: batch.partition,
          error: describeError(err),
        });
        return;
      }
      this.positions.set(key, next);
      this.options.book.prune(batch.topic, batch.partition, next);
      this.options.onProgress?.();
      messages = messages.slice(n);
      await p.heartbeat().catch(() => undefined);
    }
  }
}
