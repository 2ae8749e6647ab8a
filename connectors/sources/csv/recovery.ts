import type { Admin, Kafka } from 'kafkajs';

/** Partition → offset (as kafkajs strings). */
export type Watermarks = Array<{ partition: number; offset: string }>;

/** The high watermarks of a topic now: every record written after this call has a higher offset. */
export async function highWatermarks(admin: Admin, topic: string): Promise<Watermarks> {
  return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
}

/**
 * The `ce_id`s written to `topic` since `from` (up to the high watermarks at the time of the call).
 * Used once, after a crash, to learn which events of the chunk that was in flight did land, so
 * they are not sent again. Reads with a throw-away consumer group that commits nothing.
 */
export async function eventIdsSince(
  kafka: Kafka,
  topic: string,
  from: Watermarks,
  timeoutMs = 30_000,
): Promise<Set<string>> {
  const ids = new Set<string>();
  const admin = kafka.admin();
  await admin.connect();
  const now = await highWatermarks(admin, topic).finally(() => admin.disconnect());
  const todo = new Map<number, { from: bigint; to: bigint }>();
  for (const p of now) {
    const start = BigInt(from.find((f) => f.partition === p.partition)?.offset ?? '0');
    if (BigInt(p.offset) > start) todo.set(p.partition, { from: start, to: BigInt(p.offset) });
  }
  if (todo.size === 0) return ids;
  const consumer = kafka.consumer({
    groupId: `crossdock-csv-recovery-${process.pid}-${Date.now()}`,
    readUncommitted: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic });
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = todo.get(partition);
        if (!range) return;
        const offset = BigInt(message.offset);
        if (offset >= range.from && offset < range.to) {
          const id = message.headers?.ce_id?.toString();
          if (id) ids.add(id);
        }
        if (offset + 1n >= range.to) {
          todo.delete(partition);
          if (todo.size === 0) resolveDone();
        }
      },
    });
    for (const [partition, range] of todo) consumer.seek({ topic, partition, offset: String(range.from) });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`recovery read of ${topic} did not finish in ${timeoutMs} ms`)),
            timeoutMs,
          )),
      ),
    ]).finally(() => clearTimeout(timer));
    return ids;
  } finally {
    await consumer.disconnect();
  }
}
