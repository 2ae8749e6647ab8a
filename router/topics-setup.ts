import type { Admin } from 'kafkajs';
import { requiredTopics, type HubConfig } from '../core/config';

/**
 * Creates the topics the configuration needs that do not exist yet (the broker does not
 * auto-create topics). Existing topics are left exactly as they are. Returns what it created.
 */
export async function ensureTopics(admin: Admin, config: HubConfig): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = requiredTopics(config).filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  const { partitions, replicationFactor } = config.hub.topics;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
  });
  return missing;
}
