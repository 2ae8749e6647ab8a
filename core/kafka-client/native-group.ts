import type { Logger } from '../logger';
import { silentLogger } from '../logger';
import { nativeLogger, nativeReach } from './native-producer';
import type { NativeConsumer, NativeKafka, NativeKafkaModule } from './native-types';
import type { AckedProducerOptions } from './producer';

/**
 * What the native seams' group consumers share (native-transactional.ts for the router,
 * native-committing.ts for the sink connectors): one KafkaJS-style client over the hub's
 * connection, a consumer configured the same way for both, and a seek that refuses a partition
 * the member does not hold.
 */

/** librdkafka's codes for a rebalance callback's two events (its error.js). */
const ASSIGN_PARTITIONS = -175;
const REVOKE_PARTITIONS = -174;

export interface NativeClientOptions {
  clientId: string;
  connection: AckedProducerOptions['connection'];
  logger?: Logger;
}

/** The KafkaJS-style client of the native module, reaching the cluster as the hub's clients do. */
export function nativeClient(native: NativeKafkaModule, options: NativeClientOptions): NativeKafka {
  const { logLevel } = native.KafkaJS;
  const reach = nativeReach({
    clientId: options.clientId,
    connection: options.connection,
  } as AckedProducerOptions);
  return new native.KafkaJS.Kafka({
    ...reach,
    kafkaJS: {
      ...reach.kafkaJS!,
      logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
      logger: nativeLogger(options.logger ?? silentLogger()),
    },
  });
}

/** The consumer methods the seams use beyond native-types.ts's common ones. */
export interface NativeGroupMethods {
  subscribe(subscription: { topics: string[]; replace?: boolean }): Promise<void>;
  seek(at: { topic: string; partition: number; offset: string }): void;
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void;
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void;
  /** The partitions assigned now, one entry per partition. */
  assignment(): Array<{ topic: string; partition: number }>;
}

export type NativeGroupConsumer = NativeConsumer & NativeGroupMethods;

export interface NativeGroupOptions {
  groupId: string;
  maxWaitTimeInMs: number;
  /** Consumer session timeout (ms). @defaultValue the client's (45 s) */
  sessionTimeoutMs?: number;
  /** The member got its (new) assignment. */
  onAssign(): void;
  /** The member's partitions are about to be taken (a rebalance began). */
  onRevoke?(): void;
  /** @defaultValue every record the client holds for a partition, in one batch */
  batch?: NativeBatchLimits;
}

/** Bounds on the native consumer's batches and on what it fetches ahead. */
export interface NativeBatchLimits {
  /** Records per batch at most (js.consumer.max.batch.size). */
  maxSize: number;
  /** Milliseconds of consumption kept fetched ahead (js.consumer.max.cache.size.per.worker.ms). */
  aheadMs: number;
}

/**
 * A group consumer reading read_committed from the earliest offset where the group has none,
 * committing nothing by itself, handing over every record it holds for a partition in one batch.
 */
export function nativeGroupConsumer(kafka: NativeKafka, options: NativeGroupOptions): NativeGroupConsumer {
  const session =
    options.sessionTimeoutMs === undefined
      ? {}
      : {
          sessionTimeout: options.sessionTimeoutMs,
          heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 5)),
        };
  return kafka.consumer({
    kafkaJS: {
      groupId: options.groupId,
      fromBeginning: true,
      autoCommit: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs,
      ...session,
      readUncommitted: false,
    },
    // Every record the client holds for a partition in one batch (its default hands over 32),
    // unless bounded.
    ...(options.batch
      ? {
          'js.consumer.max.batch.size': options.batch.maxSize,
          'js.consumer.max.cache.size.per.worker.ms': options.batch.aheadMs,
        }
      : { 'js.consumer.max.batch.size': -1 }),
    rebalance_cb: (err: { code: number }) => {
      if (err.code === REVOKE_PARTITIONS) options.onRevoke?.();
      else if (err.code === ASSIGN_PARTITIONS) options.onAssign();
    },
  }) as NativeGroupConsumer;
}

/**
 * Seeks a partition this member holds. librdkafka keeps a seek of a partition it does not hold
 * and applies it when the partition comes back, possibly below what was committed meanwhile: that
 * is refused (code NOT_ASSIGNED; whoever holds the partition reads from the committed offset).
 */
export function seekHeld(
  consumer: NativeGroupConsumer,
  at: { topic: string; partition: number; offset: string },
): void {
  const held = consumer.assignment().some((t) => t.topic === at.topic && t.partition === at.partition);
  if (!held)
    throw Object.assign(
      new Error(`partition ${at.topic}/${at.partition} is not assigned to this member: not sought`),
      { code: 'NOT_ASSIGNED' },
    );
  consumer.seek(at);
}
