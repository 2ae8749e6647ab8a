import path from 'node:path';
import { crossdockCacheDir, crossdockHome } from '../core/home';

/**
 * Where the stack keeps things, all outside the repo:
 *  - cache/: downloaded broker jars and the registry distribution (kept across `down --purge`);
 *  - stack/: Kafka data, Redis data (AOF), logs, recorded pids and credentials (removed by
 *    `down --purge`).
 * CROSSDOCK_HOME moves both (tests that start their own broker use a temporary one);
 * CROSSDOCK_CACHE_DIR moves the cache alone (so such tests reuse the downloads).
 */
export interface StackPaths {
  home: string;
  cache: string;
  kafkaLibs: string;
  registryDir: string;
  stackDir: string;
  kafkaData: string;
  /** The nodes of `stack up --brokers 3`: one folder per node, `node-<id>` (the single broker's is kafkaData). */
  kafkaClusterData: string;
  /** The stack's redis-server working directory: its append-only file and snapshots. */
  redisData: string;
  /** The Redis Cluster's nodes (`stack up --redis-cluster`): one folder per node, named by its port. */
  redisClusterData: string;
  logs: string;
  stateFile: string;
  credentialsFile: string;
}

export function stackPaths(env: NodeJS.ProcessEnv = process.env): StackPaths {
  const home = crossdockHome(env);
  const cache = crossdockCacheDir(env);
  const stackDir = path.join(home, 'stack');
  return {
    home,
    cache,
    kafkaLibs: path.join(cache, 'kafka-libs'),
    registryDir: path.join(cache, 'apicurio'),
    stackDir,
    kafkaData: path.join(stackDir, 'kafka-data'),
    kafkaClusterData: path.join(stackDir, 'kafka-cluster'),
    redisData: path.join(stackDir, 'redis-data'),
    redisClusterData: path.join(stackDir, 'redis-cluster'),
    logs: path.join(stackDir, 'logs'),
    stateFile: path.join(stackDir, 'state.json'),
    credentialsFile: path.join(stackDir, 'credentials.json'),
  };
}
