import type { Admin } from 'kafkajs';
import type { HubConfig } from '../core/config';
import { requiredTopics, topicLayout } from '../core/names/topics';
import { assertReplicationFits, createTopicsWithLeaders, replicationOf } from '../core/topic-replication';

/**
 * Creates the topics the configuration needs that do not exist yet (the broker does not
 * auto-create topics). Existing topics are left exactly as they are. Returns what it created.
 * Safe when several instances start at once: losing the race to create a topic is not an error.
 * @throws CrossdockError CD_E_TOPIC_REPLICATION_TOO_HIGH when hub.topics.replicationFactor is
 *   above the brokers running (checked only when a topic is missing)
 */
export async function ensureTopics(admin: Admin, config: HubConfig): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = requiredTopics(config).filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  const { partitions, replicationFactor } = config.hub.topics;
  await assertReplicationFits(admin, replicationFactor, 'hub.topics.replicationFactor', missing);
  try {
    await createTopicsWithLeaders(
      admin,
      missing.map((topic) => {
        const layout = topicLayout(config.hub.topicPrefix, topic);
        return {
          topic,
          numPartitions: layout?.partitions ?? partitions,
          replicationFactor: replicationOf(replicationFactor),
          ...(layout ? { configEntries: layout.configEntries } : {}),
        };
      }),
    );
  } catch (err) {
    const now = new Set(await admin.listTopics());
    if (missing.some((t) => !now.has(t))) throw err;
  }
  return missing;
}
