import { existingTopics } from '../core/kafka';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { HubComponent } from '../core/component';
import type { DeadLetterSettings } from '../core/config';
import { describeError } from '../core/errors';
import type { HubTopics } from '../core/names/topics';
import type { DeadLetterStore } from './contract';
import type { DlqLog } from './log-events';
import type { DlqMetrics } from './metrics';
import { readDeadLetter } from './record';
import type { SchemaVersionOf } from './schema-versions';
import { dueAtOf } from './service-levels';

/**
 * The dead-letter indexer: a consumer group (`<prefix>.dlq-indexer`) on the router's and every
 * configured subscriber's dead-letter topic, from their start, that adds each dead letter to the
 * index (dlq/store.ts). Offsets are committed after the index holds the batch, and adding a
 * letter twice changes nothing, so a crash re-reads at most one batch and loses none.
 */

/** What indexing one dead-letter message needs; shared by the indexer and reindex. */
export interface IndexDeps {
  store: DeadLetterStore;
  topics: HubTopics;
  schemaVersionOf: SchemaVersionOf;
  /** The deadLetters section in force (service levels). */
  settings: () => DeadLetterSettings;
  now: () => number;
}

/** Indexes one message of a dead-letter topic; returns whether it was new to the index. */
export async function indexMessage(
  deps: IndexDeps,
  topic: string,
  partition: number,
  message: KafkaMessage,
  operator?: Parameters<typeof readDeadLetter>[1]['operator'],
): Promise<{ added: boolean; kind: 'router' | 'deliver' }> {
  const value = message.value ?? Buffer.alloc(0);
  const schemaId = value.length >= 5 && value[0] === 0 ? value.readUInt32BE(1) : undefined;
  const schemaVersion = schemaId !== undefined ? await deps.schemaVersionOf(schemaId) : undefined;
  const settings = deps.settings();
  const { record, payload } = readDeadLetter(
    {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      ...(message.headers ? { headers: message.headers } : {}),
      timestamp: message.timestamp,
    },
    {
      topics: deps.topics,
      now: deps.now(),
      ...(schemaVersion !== undefined ? { schemaVersion } : {}),
      ...(operator ? { operator } : {}),
      dueAt: (r) => dueAtOf(settings, r),
    },
  );
  return { added: await deps.store.index(record, payload), kind: record.kind };
}

export interface IndexerOptions extends IndexDeps {
  kafka: Kafka;
  groupId: string;
  /** The dead-letter topics to follow (the router's and each configured subscriber's). */
  dlqTopics: readonly string[];
  log: DlqLog;
  metrics: DlqMetrics;
}

export function createIndexer(options: IndexerOptions): HubComponent & { readonly ready: boolean } {
  let consumer: Consumer | undefined;
  let ready = false;
  return {
    name: 'dlq-indexer',
    get ready() {
      return ready;
    },
    async start() {
      const existing = await existingTopics(options.kafka);
      const topics = options.dlqTopics.filter((t) => existing.has(t));
      const c = options.kafka.consumer({
        groupId: options.groupId,
        readUncommitted: false,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
      });
      consumer = c;
      await c.connect();
      if (topics.length) await c.subscribe({ topics, fromBeginning: true });
      await c.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
          try {
            for (const m of batch.messages) {
              const { added, kind } = await indexMessage(options, batch.topic, batch.partition, m);
              if (added) options.metrics.indexed(kind);
              resolveOffset(m.offset);
            }
          } catch (err) {
            options.log.emit('dlq.index_failed', { err: describeError(err) });
            throw err;
          }
          await commitOffsetsIfNecessary();
          await heartbeat();
        },
      });
      ready = true;
      options.log.emit('dlq.indexer_started', { groupId: options.groupId, topics });
    },
    async stop() {
      ready = false;
      const c = consumer;
      consumer = undefined;
      await c?.disconnect().catch(() => undefined);
    },
  };
}
