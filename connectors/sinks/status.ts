import type { Admin, Kafka } from 'kafkajs';
import type { DeliveryKeys } from '../../core/names/redis-keys';
import type { Redis } from '../../core/redis';
import type { BreakerState } from '../../retry';

/**
 * One subscriber's entry of /status (`subscribers.<id>`, core/health.ts):
 *
 * - `breaker`: `closed` | `half-open` | `open` (also `crossdock_delivery_breaker_state` on /metrics);
 * - `breakerRetryInMs`: while open, how long until the next probe may go;
 * - `breakerSince`: while open or half-open, when it last changed state (ISO time);
 * - `inRetry`: events scheduled for a retry in Redis (`crossdock_delivery_in_retry`);
 * - `heldKeys`: business keys held after their head was dead-lettered (their later events wait
 *   for `crossdock connector <id> --release-key <key>`);
 * - `lag`: events on `<prefix>.deliver.<id>` past the connector's committed offsets (held events
 *   are committed, so they are not counted here); absent when Kafka did not answer. Read with the
 *   admin API at most every `lagCacheMs`, so polling /status costs Kafka nothing more;
 * - `consuming`: the consumer runs; `lastError`: the last failed delivery attempt's code and time.
 */
export interface SubscriberStatusSource {
  kafka: Kafka;
  redis: Redis;
  keys: DeliveryKeys;
  groupId: string;
  topic: string;
  /** `since`: when the breaker last changed state (ISO), if it ever did. */
  breaker: () => { state: BreakerState; waitMs: number; since?: string };
  consuming: () => boolean;
  lastError: () => { code: string; at: string } | undefined;
  /** @defaultValue 2000 */
  lagCacheMs?: number;
}

export interface SubscriberStatus {
  /** The /status entry. */
  read(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Consumer lag from committed and end offsets (a partition without a commit counts from its start). */
export function lagOf(
  ends: Array<{ partition: number; high: string; low: string }>,
  committed: Array<{ partition: number; offset: string }>,
): number {
  const at = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  let lag = 0;
  for (const e of ends) {
    const c = at.get(e.partition);
    const from = c === undefined || c < 0 ? Number(e.low) : c;
    lag += Math.max(0, Number(e.high) - from);
  }
  return lag;
}

export function subscriberStatus(src: SubscriberStatusSource): SubscriberStatus {
  const cacheMs = src.lagCacheMs ?? 2000;
  let admin: Admin | undefined;
  let cached: { at: number; lag: Promise<number | undefined> } | undefined;

  async function readLag(): Promise<number | undefined> {
    try {
      if (!admin) {
        const a = src.kafka.admin();
        await a.connect();
        admin = a;
      }
      const [ends, groups] = await Promise.all([
        admin.fetchTopicOffsets(src.topic),
        admin.fetchOffsets({ groupId: src.groupId, topics: [src.topic] }),
      ]);
      return lagOf(ends, groups.find((g) => g.topic === src.topic)?.partitions ?? []);
    } catch {
      return undefined;
    }
  }

  return {
    async read() {
      const now = Date.now();
      if (!cached || now - cached.at > cacheMs) cached = { at: now, lag: readLag() };
      const b = src.breaker();
      const [inRetry, heldKeys, lag] = await Promise.all([
        src.redis.zcard(src.keys.due),
        src.redis.scard(src.keys.held),
        cached.lag,
      ]);
      const lastError = src.lastError();
      return {
        consuming: src.consuming(),
        groupId: src.groupId,
        breaker: b.state,
        breakerRetryInMs: b.state === 'open' ? b.waitMs : 0,
        ...(b.state !== 'closed' && b.since ? { breakerSince: b.since } : {}),
        inRetry,
        heldKeys,
        ...(lag !== undefined ? { lag } : {}),
        ...(lastError ? { lastError } : {}),
      };
    },
    async close() {
      const a = admin;
      admin = undefined;
      await a?.disconnect().catch(() => undefined);
    },
  };
}
