import type { Kafka } from 'kafkajs';
import { assertReplicationFits, createTopicsWithLeaders, replicationOf } from '../../core/topic-replication';

/** Creates the topics of `names` that do not exist yet (existing ones are left as they are). */
export async function ensureTopics(
  kafka: Kafka,
  names: string[],
  t: { partitions: number; replicationFactor?: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length) {
      await assertReplicationFits(admin, t.replicationFactor, 'hub.topics.replicationFactor', missing);
      await createTopicsWithLeaders(
        admin,
        missing.map((topic) => ({
          topic,
          numPartitions: t.partitions,
          replicationFactor: replicationOf(t.replicationFactor),
        })),
      ).catch(async (err: unknown) => {
        // Another instance may have created them first.
        const now = new Set(await admin.listTopics());
        if (missing.some((m) => !now.has(m))) throw err;
      });
    }
  } finally {
    await admin.disconnect();
  }
}
