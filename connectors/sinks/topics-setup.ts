import type { Kafka } from 'kafkajs';
import { assertReplicationFits } from '../../core/topic-replication';

/** Creates the topics of `names` that do not exist yet (existing ones are left as they are). */
export async function ensureTopics(
  kafka: Kafka,
  names: string[],
  t: { partitions: number; replicationFactor: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length) {
      await assertReplicationFits(admin, t.replicationFactor, 'hub.topics.replicationFactor', missing);
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
