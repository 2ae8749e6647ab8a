/**
 * A Redis Cluster of a scale benchmark's own (bench/scale/slots.ts, wait.ts): started in a
 * temporary home on CROSSDOCK_BENCH_CLUSTER_PORT (else the bench's default port), a client on it
 * and a fresh key prefix handed to `run`, then everything stopped and removed, whatever `run` did.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRedis, redisReady, type RedisClient } from '../../core/redis';
import { down, upRedisCluster } from '../../stack';

export interface BenchCluster {
  redis: RedisClient;
  url: string;
  /** `bench-<hex>:`, this run's own keys. */
  prefix: string;
}

export async function withBenchCluster(
  name: string,
  defaultPort: number,
  run: (cluster: BenchCluster) => Promise<void>,
): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `cd-bench-${name}-`));
  const env = {
    PATH: process.env.PATH,
    CROSSDOCK_HOME: home,
    CROSSDOCK_REDIS_CLUSTER_PORT: process.env.CROSSDOCK_BENCH_CLUSTER_PORT ?? String(defaultPort),
  };
  const up = await upRedisCluster({ env, timeoutMs: 60_000 });
  const redis = createRedis({ connection: up.endpoints.redis, name: `crossdock-bench-${name}` });
  try {
    await redisReady(redis, up.url, 20_000);
    await run({ redis, url: up.url, prefix: `bench-${crypto.randomBytes(3).toString('hex')}:` });
  } finally {
    redis.disconnect();
    await down({ env, purge: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}
