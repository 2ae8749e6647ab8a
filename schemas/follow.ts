/**
 * Publishing and following the catalog topic `<prefix>.catalog` (record format: schemas/published.ts).
 *
 * - publishCatalog(): what `crossdock schemas push` (and `crossdock start`) do after the registry
 *   holds the versions: create the topic when missing (compacted, one partition) and write the
 *   whole catalog as one record.
 * - followCatalog(): what every router (and any connector that reads catalog data) runs: the
 *   latest published catalog, from the beginning of the topic, kept up to date while the process
 *   runs; while the topic is missing or empty (nobody pushed), the catalog shipped with the hub.
 */
import { assertReplicationFits, createTopicsWithLeaders, replicationOf } from '../core/topic-replication';
import crypto from 'node:crypto';
import os from 'node:os';
// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import { CompressionTypes, type Admin, type Consumer, type Kafka } from 'kafkajs';
import { CrossdockError, describeError, isCrossdockError } from '../core/errors';
import { eventLogger } from '../core/log-events';
import { silentLogger, type Logger } from '../core/logger';
import type { CatalogEntry } from './catalog';
import { SCHEMAS_LOG_EVENTS } from './log-events';
import {
  CATALOG_RECORD_KEY,
  catalogDocument,
  describeChange,
  diffCatalogs,
  parseCatalogDocument,
} from './published';

/** Topic settings of `<prefix>.catalog`: one partition (one key), compacted, never deleted by age. */
export const CATALOG_TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'max.message.bytes', value: String(8 * 1024 * 1024) },
];

/**
 * Creates the catalog topic when it is missing (losing a creation race is fine), replicated like
 * the hub's other topics (pass the hub's `hub.topics.replicationFactor`), and waits for its leader.
 * @throws CrossdockError CD_E_TOPIC_REPLICATION_TOO_HIGH when the factor is above the brokers
 *   running (checked only when the topic is missing; nothing is created)
 */
export async function ensureCatalogTopic(
  admin: Admin,
  topic: string,
  replicationFactor: number | undefined,
): Promise<boolean> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return false;
  await assertReplicationFits(admin, replicationFactor, 'hub.topics.replicationFactor', [topic]);
  try {
    return await createTopicsWithLeaders(admin, [
      {
        topic,
        numPartitions: 1,
        replicationFactor: replicationOf(replicationFactor),
        configEntries: CATALOG_TOPIC_CONFIG,
      },
    ]);
  } catch (err) {
    if ((await admin.listTopics()).includes(topic)) return false;
    throw err;
  }
}

export interface PublishCatalogOptions {
  kafka: Kafka;
  topic: string;
  entries: readonly CatalogEntry[];
  /**
   * Replicas of the topic when it is created: the hub's `hub.topics.replicationFactor` (undefined:
   * the brokers' default, as the setting unset means).
   */
  replicationFactor: number | undefined;
  /** @defaultValue new Date() */
  now?: Date;
}

/**
 * Writes the catalog to its topic (created when missing). Returns the record's size in bytes.
 * @throws CrossdockError CD_E_CATALOG_PUBLISH_FAILED when Kafka does not take it;
 *   CD_E_TOPIC_REPLICATION_TOO_HIGH (ensureCatalogTopic) as it is
 */
export async function publishCatalog(
  options: PublishCatalogOptions,
): Promise<{ topic: string; bytes: number; publishedAt: string }> {
  try {
    return await publishOnce(options);
  } catch (err) {
    if (isCrossdockError(err)) throw err;
    throw new CrossdockError(
      'CD_E_CATALOG_PUBLISH_FAILED',
      `could not publish the catalog to ${options.topic}: ${describeError(err)}`,
      { retriable: true, cause: err, details: { topic: options.topic } },
    );
  }
}

async function publishOnce(
  options: PublishCatalogOptions,
): Promise<{ topic: string; bytes: number; publishedAt: string }> {
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureCatalogTopic(admin, options.topic, options.replicationFactor);
  } finally {
    await admin.disconnect();
  }
  const doc = catalogDocument(
    options.entries,
    options.now ?? new Date(),
    `${os.userInfo().username}@${os.hostname()}`,
  );
  const value = Buffer.from(JSON.stringify(doc));
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: options.topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: [{ key: CATALOG_RECORD_KEY, value }],
    });
  } finally {
    await producer.disconnect();
  }
  return { topic: options.topic, bytes: value.length, publishedAt: doc.publishedAt };
}

export interface CatalogFollower {
  /** The catalog in force: the latest published one, else the fallback. */
  current(): readonly CatalogEntry[];
  /** Where current() comes from. */
  source(): 'published' | 'fallback';
  /** publishedAt of the catalog in force (ISO time), undefined for the fallback. */
  publishedAt(): string | undefined;
  /** Called with each new catalog (after start()); returns an unsubscribe function. */
  onChange(listener: (entries: readonly CatalogEntry[]) => void): () => void;
  /**
   * Reads the topic up to its end as of now (at most `catchUpMs`), then keeps following. Resolves
   * with the fallback in force when the topic is missing or empty.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FollowCatalogOptions {
  kafka: Kafka;
  topic: string;
  /** The catalog shipped with the hub (schemas/ or a test's entries). */
  fallback: readonly CatalogEntry[];
  /** Names the follower's consumer group (one per process, removed on stop). */
  name: string;
  logger?: Logger;
  /** How often to look again while the topic is missing or empty (ms). @defaultValue 5000 */
  pollMs?: number;
  /** Longest start() waits to read the topic up to its end (ms). @defaultValue 15000 */
  catchUpMs?: number;
}

/**
 * A follower of the catalog topic. It uses a consumer group of its own (unique per process, no
 * committed offsets, deleted on stop) so that every process reads the whole topic; while the topic
 * is missing or empty it only asks for its offsets every `pollMs`, so an idle hub costs no consumer.
 * A record that does not parse is logged and skipped: the catalog in force stays.
 */
export function followCatalog(options: FollowCatalogOptions): CatalogFollower {
  const log = eventLogger(options.logger ?? silentLogger(), SCHEMAS_LOG_EVENTS);
  const listeners = new Set<(entries: readonly CatalogEntry[]) => void>();
  const groupId = `${options.topic}.follower.${options.name}.${crypto.randomBytes(4).toString('hex')}`;
  let entries: readonly CatalogEntry[] = options.fallback;
  let from: 'published' | 'fallback' = 'fallback';
  let publishedAt: string | undefined;
  let admin: Admin | undefined;
  let consumer: Consumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let readUpTo = -1n;
  let caughtUp: (() => void) | undefined;
  let target = -1n;

  function apply(value: Buffer | null, offset: string): void {
    readUpTo = BigInt(offset);
    if (value) {
      try {
        const doc = parseCatalogDocument(value);
        const changes = diffCatalogs(entries, doc.entries);
        entries = doc.entries;
        from = 'published';
        publishedAt = doc.publishedAt;
        log.emit(
          'schemas.catalog_followed',
          {
            topic: options.topic,
            offset,
            publishedAt: doc.publishedAt,
            eventTypes: doc.entries.length,
            changes: changes.map(describeChange),
          },
          changes.length
            ? `catalog ${options.topic}@${offset}: ${changes.map(describeChange).join('; ')}`
            : `catalog ${options.topic}@${offset}: no change`,
        );
        for (const l of listeners) l(entries);
      } catch (err) {
        log.emit('schemas.catalog_record_invalid', {
          topic: options.topic,
          offset,
          error: describeError(err),
        });
      }
    }
    if (caughtUp && readUpTo >= target) caughtUp();
  }

  /** The topic's end offset, or 0 when the topic does not exist (yet). */
  async function endOffset(): Promise<bigint> {
    const a = admin!;
    const topics = await a.listTopics();
    if (!topics.includes(options.topic)) return 0n;
    const offsets = await a.fetchTopicOffsets(options.topic);
    return offsets.reduce((m, p) => (BigInt(p.high) > m ? BigInt(p.high) : m), 0n);
  }

  async function follow(end: bigint): Promise<void> {
    target = end - 1n;
    const c = options.kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    consumer = c;
    await c.connect();
    await c.subscribe({ topic: options.topic, fromBeginning: true });
    const reached = new Promise<void>((resolve) => (caughtUp = resolve));
    await c.run({
      autoCommit: false,
      eachMessage: async ({ message }) => apply(message.value, message.offset),
    });
    const timeout = new Promise<'late'>((r) =>
      setTimeout(() => r('late'), options.catchUpMs ?? 15000).unref(),
    );
    if ((await Promise.race([reached.then(() => 'ok' as const), timeout])) === 'late')
      log.emit('schemas.catalog_follow_late', { topic: options.topic, waitedMs: options.catchUpMs ?? 15000 });
    caughtUp = undefined;
  }

  function poll(): void {
    timer = setTimeout(() => {
      if (stopped) return;
      endOffset()
        .then(
          (end) => (end > 0n && !stopped ? follow(end) : poll()),
          () => poll(),
        )
        .catch((err: unknown) => {
          log.emit('schemas.catalog_record_invalid', {
            topic: options.topic,
            offset: '-',
            error: describeError(err),
          });
          poll();
        });
    }, options.pollMs ?? 5000);
    timer.unref();
  }

  return {
    current: () => entries,
    source: () => from,
    publishedAt: () => publishedAt,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      admin = options.kafka.admin();
      await admin.connect();
      const end = await endOffset();
      if (end > 0n) await follow(end);
      else poll();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      caughtUp?.();
      if (consumer) {
        await consumer.disconnect().catch(() => undefined);
        await admin?.deleteGroups([groupId]).catch(() => undefined);
      }
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
