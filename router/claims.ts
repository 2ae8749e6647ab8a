import type { RedisConnection } from '../core/connection';
import type { Admin } from 'kafkajs';
import { CrossdockError, describeError } from '../core/errors';
import { createRedis, type Redis } from '../core/redis';
import {
  createPartitionFence,
  type ClaimWait,
  type EnterResult,
  type FencedPart,
  type PartitionFence,
} from './fence';
import type { RouterLog } from './log-events';
import type { RouterMetrics } from './metrics';
import { TRANSACTION_TIMEOUT_MS } from './producers';

/**
 * Lifetime of a commit mark (router/fence.ts): by then the transaction that set it has ended,
 * committed or aborted by the broker, whatever its holder does: the transaction timeout plus the
 * broker's sweep for timed-out transactions (transaction.abort.timed.out.transaction.cleanup.
 * interval.ms, 10 s by default) plus a margin.
 */
export const MARK_TTL_MS = TRANSACTION_TIMEOUT_MS + 15_000;

export interface PartitionClaimsOptions {
  redis: RedisConnection;
  /** Name of the fence's own Redis connection. */
  connectionName: string;
  /** Prefix of every Redis key (core/names/redis-keys.ts). */
  redisPrefix: string;
  groupId: string;
  /** This start's run id (claim tokens are `<runId>:<generation>`). */
  runId: string;
  /** The transactional ids this instance initialises at start (router/commit.ts). */
  ownTransactionalIds: ReadonlySet<string>;
  /** Wait for another instance's commit before fencing its transactional id (ms). */
  fenceAfterMs: number;
  /** Ends every transaction of another process's transactional id. */
  fenceProducer(transactionalId: string): Promise<void>;
  /** Whether this instance has a transaction of the partition in flight. */
  busy(key: string): boolean;
  /** Reads the group's committed offsets once a claim's wait is over. */
  admin: Admin;
  metrics: RouterMetrics;
  log: RouterLog;
}

/**
 * The router's use of the partition fence (router/fence.ts): the first batch of a partition in a
 * group generation claims it, and each transaction enters the fence just before its commit.
 *
 * State: `claimed`, per input partition (`<topic>/<partition>`) the generation it was last
 * claimed in; an entry is dropped when Redis lost the owner record, so the next batch claims again.
 * The fence has a Redis connection of its own, so a leave after a commit is not queued behind
 * duplicate checks.
 */
export class PartitionClaims {
  private readonly claimed = new Map<string, number>();
  private readonly redis: Redis;
  private readonly fence: PartitionFence;

  constructor(private readonly options: PartitionClaimsOptions) {
    this.redis = createRedis({ connection: options.redis, name: options.connectionName, failFast: true });
    this.fence = createPartitionFence({
      redis: this.redis,
      redisPrefix: options.redisPrefix,
      groupId: options.groupId,
      runId: options.runId,
      ownTransactionalIds: options.ownTransactionalIds,
      markTtlMs: MARK_TTL_MS,
      fenceAfterMs: options.fenceAfterMs,
      fenceProducer: (id) => options.fenceProducer(id),
      busy: (key) => options.busy(key),
    });
  }

  /** The claim token of a batch planned in this generation. */
  token(generation: number): string {
    return this.fence.token(generation);
  }

  /** Whether the partition was claimed in this generation already. */
  holds(key: string, generation: number): boolean {
    return this.claimed.get(key) === generation;
  }

  /**
   * Takes the partition in Redis, waits for the previous owner's commit, and says where its
   * records start being ours. Resolves undefined when the batch went stale while waiting; `start`
   * is the committed offset (undefined: none yet). Throws the retriable
   * CD_E_ROUTER_STATE_UNAVAILABLE when Redis does not answer.
   */
  async claim(
    partition: { key: string; topic: string; partition: number },
    token: string,
    generation: number,
    wait: ClaimWait,
  ): Promise<{ start?: bigint } | undefined> {
    const { key, topic } = partition;
    let result;
    try {
      result = await this.fence.claim(key, token, wait);
    } catch (err) {
      throw new CrossdockError(
        'CD_E_ROUTER_STATE_UNAVAILABLE',
        `Redis did not answer the partition claim: ${describeError(err)}`,
        { retriable: true, cause: err },
      );
    }
    if (!result) return undefined;
    this.options.metrics.claims.inc({ waited: result.waited });
    if (result.waited !== 'none')
      this.options.log.emit('router.claim_waited', {
        partition: key,
        waited: result.waited,
        ms: result.waitedMs,
      });
    // Read after the wait: no commit of the partition is pending now, so this is stable.
    const fetched = await this.options.admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
    const kafkaOffset = fetched[0]?.partitions.find((x) => x.partition === partition.partition)?.offset;
    let start: bigint | undefined;
    for (const o of [kafkaOffset, result.recorded]) {
      if (o === undefined || o === null || o === '' || BigInt(o) < 0n) continue;
      if (start === undefined || BigInt(o) > start) start = BigInt(o);
    }
    this.claimed.set(key, generation);
    return { start };
  }

  /**
   * Just before EndTxn(commit): checks that every partition is still ours and marks the commit
   * (router/fence.ts). When Redis lost an owner record, the partition is claimed again before its
   * next batch.
   */
  async enter(parts: readonly FencedPart[], transactionalId: string): Promise<EnterResult> {
    const verdict = await this.fence.enter(parts, transactionalId);
    if (!verdict.ok && verdict.reason === 'missing') this.claimed.delete(verdict.key);
    return verdict;
  }

  /** Closes the fence's Redis connection (after the producers: a leave may still be on its way). */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
