import type { HubConfig } from '../core/config';
import type {
  GroupBatchPayload,
  GroupConsumer,
  GroupConsumerEvents,
} from '../core/kafka-client/transactional';
import { describeError, isCrossdockError } from '../core/errors';
import { registryFailureClass } from '../core/registry';
import type { PartitionClaims } from './claims';
import type { Rewind, TransactionCommitter } from './commit';
import type { RouterLog } from './log-events';
import type { RouterMetrics } from './metrics';
import type { BatchPlanner } from './planning';

/** What `onBatchCommitted` receives. Times are Date.now() values. */
export interface BatchCommitted {
  topic: string;
  partition: number;
  records: number;
  startedAt: number;
  /** When validation, dedupe and routing were done and the transaction began. */
  plannedAt: number;
  committedAt: number;
}

export interface FetchLoopOptions {
  /** The group consumer (core/kafka-client/transactional.ts); its events go to FetchLoop.events. */
  consumer: GroupConsumer;
  settings: HubConfig['hub']['router'];
  /**
   * The topics the router reads (HubTopics.routedPattern): the ingress topics and the flow
   * alerts topic, whose records are the hub's own events (site `crossdock`).
   */
  topicPattern: RegExp;
  /** Every topic of the cluster (refreshTopics() looks for new matching topics among them). */
  listTopics: () => Promise<string[]>;
  /** The planner batches start with; swapPlanner() replaces it. */
  planner: BatchPlanner;
  commits: TransactionCommitter;
  claims: Pick<PartitionClaims, 'token' | 'holds' | 'claim'>;
  metrics: RouterMetrics;
  log: RouterLog;
  /** Instrumentation: called after each batch's transaction committed. */
  onBatchCommitted?: (info: BatchCommitted) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which dependency a retriable error paused the partition on (the metrics' `dependency` label). */
export function pausedOn(code: string): 'redis' | 'worker' | 'catalog' | 'registry' {
  if (code === 'CD_E_ROUTER_STATE_UNAVAILABLE') return 'redis';
  if (code === 'CD_E_ROUTER_WORKER_FAILED') return 'worker';
  if (code === 'CD_E_SCHEMA_VERSION_PENDING') return 'catalog';
  return 'registry';
}

/**
 * The wait before retrying a held batch: full jitter under min(maxMs, initialMs × 2^attempt), but
 * at least what the dependency asked for (a registry's Retry-After), itself capped at maxMs.
 */
export function backoffMs(
  retry: { initialMs: number; maxMs: number },
  attempt: number,
  retryAfterMs?: unknown,
  random: () => number = Math.random,
): number {
  const cap = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt, 20));
  const jitter = random() * cap;
  const asked =
    typeof retryAfterMs === 'number' && retryAfterMs > 0 ? Math.min(retryAfterMs, retry.maxMs) : 0;
  return Math.max(jitter, asked);
}

/**
 * The fetch loop: one consumer group over the ingress topics and the flow alerts topic. Each fetched batch claims its
 * partition when it is the first of a generation (router/claims.ts), is planned
 * (router/planning.ts) and queued for a transaction (router/commit.ts); eachBatch then returns,
 * holding at most two batches of a partition outstanding. When a dependency is down the
 * partition is held (nothing moves, nothing is dead-lettered) and the batch retried with backoff.
 *
 * State: `joined` (the group was joined once), `degraded` (the dependency that paused the loop,
 * until a batch is planned again), `crashed` (the consumer failed, until a batch commits) and
 * `outstanding` (per input partition, the commit of its latest queued batch).
 */
export class FetchLoop {
  private readonly consumer: GroupConsumer;
  /** What the consumer reports (its client calls these). */
  readonly events: GroupConsumerEvents;
  private readonly outstanding = new Map<string, Promise<boolean>>();
  /** The planner new batches use, and how many batches each planner is planning right now. */
  private planner: BatchPlanner;
  private readonly planning = new Map<BatchPlanner, number>();
  private readonly idle = new Map<BatchPlanner, () => void>();
  /** Topics the consumer subscribed to (the pattern's matches when it subscribed). */
  private subscribed = new Set<string>();
  private resubscribing: Promise<string[]> | undefined;
  private stopped = false;
  private joined = false;
  private degraded: string | undefined;
  private crashed = false;

  constructor(private readonly options: FetchLoopOptions) {
    const { log, commits } = options;
    this.planner = options.planner;
    this.consumer = options.consumer;
    this.events = {
      joined: () => {
        this.joined = true;
        commits.rebalanced();
        log.emit('router.rebalancing', { phase: 'assign' });
      },
      // The earliest sign of a rebalance: batches not yet committed are dropped or aborted.
      rebalancing: () => {
        commits.rebalanced();
        log.emit('router.rebalancing', { phase: 'revoke' });
      },
      // The client restarts a consumer it deems failed; /readyz stays 503 until a batch commits.
      restarting: (err) => {
        this.crashed = true;
        log.emit('router.consumer_restart', { error: describeError(err) });
      },
      crashed: (err, restart) => log.emit('router.consumer_crash', { error: describeError(err), restart }),
    };
  }

  /** True once the group was joined, while no dependency is down and the consumer has not failed. */
  healthy(): boolean {
    return this.joined && !this.degraded && !this.crashed;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.subscribeAndRun();
  }

  private async subscribeAndRun(): Promise<void> {
    const { settings, topicPattern } = this.options;
    // What the pattern matches now: the subscription is resolved once, here.
    const matching = (await this.options.listTopics()).filter((t) => topicPattern.test(t));
    this.subscribed = new Set(matching);
    await this.consumer.run({
      pattern: topicPattern,
      topics: matching,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: (p) => this.runBatch(p),
    });
  }

  /**
   * Looks for topics the router reads created since the consumer subscribed (a site added while
   * the hub runs, the flow alerts topic made after the router started) and, when there are any, subscribes again: the consumer stops (its batches in flight
   * finish or are dropped as in a rebalance), subscribes to the pattern's matches of now and
   * rejoins the group. Resolves with the new topics (none: nothing changed).
   */
  refreshTopics(): Promise<string[]> {
    return (this.resubscribing ??= (async () => {
      try {
        const now = (await this.options.listTopics()).filter((t) => this.options.topicPattern.test(t));
        const added = now.filter((t) => !this.subscribed.has(t));
        if (added.length === 0 || this.stopped) return [];
        this.options.log.emit('router.topics_added', { topics: added });
        this.options.commits.rebalanced();
        if (this.stopped) return added;
        this.subscribed = new Set(now);
        await this.consumer.resubscribe(now);
        return added;
      } finally {
        this.resubscribing = undefined;
      }
    })());
  }

  /**
   * Batches that start from now on are planned by `next` (a batch boundary: a batch is planned by
   * one planner from start to end). Resolves with the previous planner once no batch is using it
   * any more, for the caller to close.
   */
  async swapPlanner(next: BatchPlanner): Promise<BatchPlanner> {
    const previous = this.planner;
    this.planner = next;
    if ((this.planning.get(previous) ?? 0) > 0)
      await new Promise<void>((resolve) => this.idle.set(previous, resolve));
    return previous;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.resubscribing?.catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** Reads these partitions again from these offsets (a transaction of theirs failed). */
  rewind(list: readonly Rewind[]): void {
    for (const r of list) {
      try {
        this.consumer.seek(r);
      } catch (seekErr) {
        // Not running any more (stopping), or (librdkafka) the partition is no longer this
        // member's: whoever reads it next starts from the commits anyway.
        this.options.log.emit('router.rewind_skipped', { error: describeError(seekErr), ...r });
      }
    }
  }

  private async runBatch(p: GroupBatchPayload): Promise<void> {
    const planner = this.planner;
    this.planning.set(planner, (this.planning.get(planner) ?? 0) + 1);
    try {
      await this.planAndSubmit(p, planner);
    } finally {
      const left = (this.planning.get(planner) ?? 1) - 1;
      if (left > 0) this.planning.set(planner, left);
      else {
        this.planning.delete(planner);
        const resolve = this.idle.get(planner);
        if (resolve && planner !== this.planner) {
          this.idle.delete(planner);
          resolve();
        }
      }
    }
  }

  private async planAndSubmit(p: GroupBatchPayload, planner: BatchPlanner): Promise<void> {
    const { commits, claims, metrics, log, settings } = this.options;
    const { batch } = p;
    const siteId = planner.siteOf(batch.topic);
    if (!siteId || batch.messages.length === 0) return;
    const key = `${batch.topic}/${batch.partition}`;
    // Captured before planning: a failure of an earlier batch of this partition, or a rebalance,
    // while this one is planned makes it stale (dropped, read again).
    const epoch = commits.epoch(key);
    const generation = commits.generation();
    const token = claims.token(generation);
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    let messages = batch.messages;
    let attempt = 0;
    for (;;) {
      if (!p.isRunning() || p.isStale()) return;
      try {
        if (!claims.holds(key, generation)) {
          const claim = await claims.claim(
            { key, topic: batch.topic, partition: batch.partition },
            token,
            generation,
            {
              keepWaiting: () => p.isRunning() && !p.isStale() && commits.generation() === generation,
              heartbeat: () => p.heartbeat(),
            },
          );
          if (!claim) return;
          const first = BigInt(messages[0]!.offset);
          if (claim.start !== undefined && claim.start > first) {
            // The previous owner committed past what kafkajs fetched when it joined: skip that.
            const from = claim.start;
            messages = messages.filter((m) => BigInt(m.offset) >= from);
            if (messages.length === 0) {
              p.resolveOffset(batch.lastOffset());
              return;
            }
          } else if (claim.start !== undefined && claim.start < first) {
            // The consumer is ahead of the commits (batches dropped before this claim): read from there.
            this.rewind([{ topic: batch.topic, partition: batch.partition, offset: claim.start.toString() }]);
            return;
          }
        }
        const plan = await planner.plan(siteId, batch.topic, batch.partition, messages);
        const plannedAt = Date.now();
        if (log.enabled('router.planned'))
          log.emit('router.planned', {
            topic: batch.topic,
            partition: batch.partition,
            records: messages.length,
            ...plan.counts,
          });
        if (p.isStale() || commits.epoch(key) !== epoch || commits.generation() !== generation) return;
        const previous = this.outstanding.get(key);
        const committed = commits.submit(
          {
            key,
            topic: batch.topic,
            partition: batch.partition,
            first: messages[0]!.offset,
            next: (BigInt(batch.lastOffset()) + 1n).toString(),
            payload: { plan, token },
          },
          epoch,
          generation,
        );
        this.outstanding.set(key, committed);
        const forget = () => {
          if (this.outstanding.get(key) === committed) this.outstanding.delete(key);
        };
        const records = messages.length;
        committed.then((ok) => {
          forget();
          // Dropped (a rebalance began, or an earlier batch failed): whoever owns the partition
          // reads it again from the last committed offset.
          if (!ok) return;
          plan.record();
          this.crashed = false;
          this.options.onBatchCommitted?.({
            topic: batch.topic,
            partition: batch.partition,
            records,
            startedAt,
            plannedAt,
            committedAt: Date.now(),
          });
          metrics.lag.set(
            { topic: batch.topic, partition: String(batch.partition) },
            Number(batch.offsetLag()),
          );
          metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        }, forget);
        // kafkajs fetches this partition on from here; if the transaction fails, the committer
        // rewinds it (rewind()) to this batch's first offset.
        p.resolveOffset(batch.lastOffset());
        if (this.degraded) {
          log.emit('router.resumed', { after: this.degraded });
          this.degraded = undefined;
        }
        // At most two batches of a partition outstanding: this one, and the previous one, which
        // must settle before kafkajs may hand over the next.
        if (previous) await previous.catch(() => false);
        return;
      } catch (err) {
        if (!(isCrossdockError(err) && err.retriable)) throw err;
        // Registry or Redis down: hold this partition (no offset moves, nothing dead-lettered),
        // back off with full jitter, keep the group membership alive, try the batch again.
        const dependency = pausedOn(err.code);
        metrics.transientRetries.inc({ dependency });
        if (dependency === 'registry') metrics.registryFailures.inc({ status: registryFailureClass(err) });
        if (!this.degraded)
          log.emit('router.paused', { code: err.code, dependency, error: describeError(err) });
        this.degraded = dependency;
        let wait = backoffMs(settings.retry, attempt++, err.details?.retryAfterMs);
        while (wait > 0 && p.isRunning() && !p.isStale()) {
          await sleep(Math.min(wait, 1000));
          wait -= 1000;
          await p.heartbeat().catch(() => undefined);
        }
      }
    }
  }
}
