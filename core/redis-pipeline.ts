import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './redis';

/**
 * Pipelines whose commands span hash tags. A Redis Cluster client refuses a pipeline whose keys
 * live on different nodes, so there each group (the commands of one tag: one slot) goes as a
 * pipeline of its own, all in parallel; on one server every group goes in one pipeline, as before
 * clusters. Replies come back in the order the commands were queued, as from `pipeline.exec()`.
 */
export async function execGroups(
  redis: RedisClient,
  groups: ReadonlyArray<(pipeline: ChainableCommander) => void>,
): Promise<Array<[Error | null, unknown]>> {
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    for (const queue of groups) queue(pipeline);
    return (await pipeline.exec()) ?? [];
  }
  const parts = await Promise.all(
    groups.map(async (queue) => {
      const pipeline = redis.pipeline();
      queue(pipeline);
      return (await pipeline.exec()) ?? [];
    }),
  );
  return parts.flat();
}
