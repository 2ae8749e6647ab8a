import type { Kafka } from 'kafkajs';
import type { Redis } from '../core/redis';
import { scanMatching, unlinkFound } from '../core/redis-scan';
import { hubKeyPattern, redisPrefixFor } from '../core/names/redis-keys';
import { isGroupOfPrefix, isTopicOfPrefix } from '../core/names/topics';

/**
 * Removes what one demo run made on the shared stack: every topic and consumer group of its topic
 * prefix and every Redis key of its Redis prefix. Returns what it removed (and what it could not).
 */
export async function cleanupRun(options: { kafka: Kafka; redis: Redis; prefix: string }): Promise<{
  topics: number;
  groups: number;
  keys: number;
  problems: string[];
}> {
  const out = { topics: 0, groups: 0, keys: 0, problems: [] as string[] };
  const admin = options.kafka.admin();
  try {
    await admin.connect();
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => isGroupOfPrefix(options.prefix, g));
    if (groups.length) {
      await admin.deleteGroups(groups).catch((err: Error) => out.problems.push(`groups: ${err.message}`));
      out.groups = groups.length;
    }
    const topics = (await admin.listTopics()).filter((t) => isTopicOfPrefix(options.prefix, t));
    if (topics.length) {
      await admin.deleteTopics({ topics, timeout: 30_000 });
      out.topics = topics.length;
    }
  } catch (err) {
    out.problems.push(`Kafka: ${(err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  try {
    // Every primary of a cluster is scanned (core/redis-scan.ts); one server as before.
    await scanMatching(options.redis, hubKeyPattern(redisPrefixFor(options.prefix)), async (keys, node) => {
      out.keys += await unlinkFound(options.redis, node, keys);
    });
  } catch (err) {
    out.problems.push(`Redis: ${(err as Error).message}`);
  }
  return out;
}
