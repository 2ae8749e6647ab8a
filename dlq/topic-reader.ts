import crypto from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Reads topics from their start to the end they had when the read began (read_committed), for
 * rebuilding state from topics: the dead-letter index and the operators' states (reindex).
 * A partition is done when its last record before that end was read, or when the read has been
 * idle for `idleMs` after reaching it (a transaction's commit marker holds the last offset and is
 * never handed out).
 */
export interface ReadToEndOptions {
  kafka: Kafka;
  topics: readonly string[];
  onMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> | void;
  /** Called every few hundred records with how many were read so far. */
  onProgress?(read: number): void;
  /** @defaultValue 2000 */
  idleMs?: number;
}

export async function readTopicsToEnd(options: ReadToEndOptions): Promise<number> {
  const admin = options.kafka.admin();
  await admin.connect();
  const pending = new Map<string, bigint>(); // `${topic}/${partition}` → end offset
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of options.topics) {
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic))
        if (BigInt(p.high) > BigInt(p.low)) pending.set(`${topic}/${p.partition}`, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (pending.size === 0) return 0;
  const topics = [...new Set([...pending.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
  const consumer = options.kafka.consumer({
    groupId: `crossdock-read-${crypto.randomBytes(6).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  let read = 0;
  let lastActivity = Date.now();
  const idleMs = options.idleMs ?? 2000;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (pending.size === 0 || Date.now() - lastActivity > idleMs) {
          clearInterval(check);
          resolve();
        }
      }, 100);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, heartbeat }) => {
            for (const m of batch.messages) {
              await options.onMessage(batch.topic, batch.partition, m);
              read++;
              if (read % 500 === 0) options.onProgress?.(read);
            }
            lastActivity = Date.now();
            const key = `${batch.topic}/${batch.partition}`;
            const end = pending.get(key);
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) pending.delete(key);
            await heartbeat();
          },
        })
        .catch((err: unknown) => {
          clearInterval(check);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
    // The group join itself takes a few seconds: idleness counts from the first fetch on.
    consumer.on(consumer.events.GROUP_JOIN, () => (lastActivity = Date.now()));
    lastActivity = Date.now() + 30_000;
    await done;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  options.onProgress?.(read);
  return read;
}
