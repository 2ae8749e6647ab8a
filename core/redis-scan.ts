import { isCluster, redisNodes, type RedisClient, type RedisNode } from './redis';
import { keySlot } from './redis-slot';

/**
 * SCAN and delete by pattern on one server or a Redis Cluster. A cluster has no keyspace-wide
 * SCAN: each primary is scanned on its own (`cluster.nodes('master')`), and a node refuses a
 * multi-key UNLINK across slots, so the keys it returned are deleted one UNLINK per slot.
 * On one server both behave exactly as a plain SCAN loop and one UNLINK per batch.
 */

/** Calls `onKeys` with each non-empty batch of keys matching `pattern`, with the node that holds them. */
export async function scanMatching(
  redis: RedisClient,
  pattern: string,
  onKeys: (keys: string[], node: RedisNode) => Promise<void>,
  count = 1000,
): Promise<void> {
  for (const node of redisNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length) await onKeys(keys, node);
    } while (cursor !== '0');
  }
}

/** UNLINKs `keys` (found on `node` by {@link scanMatching}); returns how many existed. */
export async function unlinkFound(
  redis: RedisClient,
  node: RedisNode,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(redis)) return node.unlink(...keys);
  const bySlot = new Map<number, string[]>();
  for (const k of keys) {
    const slot = keySlot(k);
    const list = bySlot.get(slot);
    if (list) list.push(k);
    else bySlot.set(slot, [k]);
  }
  let n = 0;
  for (const list of bySlot.values()) n += await node.unlink(...list);
  return n;
}
