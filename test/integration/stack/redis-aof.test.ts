import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { down, stackPaths, status, up } from '../../../stack';
import { freePort } from '../../../stack/proc';
import { randomName, testEndpoints } from '../../helpers/stack';

/**
 * The stack's own Redis: with REDIS_URL unset, `up` starts a redis-server of its own (AOF on,
 * noeviction, data in <home>/stack/redis-data) on CROSSDOCK_REDIS_PORT; its data outlives a
 * kill -9; `down` stops it and `down --purge` removes its data. Kafka and the registry are the
 * shared stack's (set by the environment, so this stack starts neither).
 */
describe("the stack's own Redis (own instance)", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-redis-'));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const shared = testEndpoints();
    env = {
      ...process.env,
      CROSSDOCK_HOME: home,
      CROSSDOCK_REDIS_PORT: String(await freePort()),
      CROSSDOCK_KAFKA_BROKERS: shared.kafkaBrokers.join(','),
      CROSSDOCK_REGISTRY_URL: shared.registryUrl,
    };
    delete env.REDIS_URL;
  });

  afterAll(async () => {
    await down({ env, purge: true }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs with AOF, keeps its data across kill -9, stops on down and loses its data on purge', async () => {
    const first = await up({ env });
    const redisPart = first.parts.find((p) => p.part === 'redis')!;
    expect(redisPart).toMatchObject({ up: true, owner: 'stack', endpoint: first.endpoints.redisUrl });
    expect(first.endpoints.redisUrl).toBe(`redis://127.0.0.1:${env.CROSSDOCK_REDIS_PORT}`);

    const key = randomName('aof');
    let redis = new Redis(first.endpoints.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', stackPaths(env).redisData]);
      await redis.set(key, 'kept');
      // everysec: the write reached the file before the reply; give the background fsync its second.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      redis.disconnect();
    }

    process.kill(redisPart.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect((await status({ env })).find((p) => p.part === 'redis')?.up).toBe(false);

    const second = await up({ env });
    const restarted = second.parts.find((p) => p.part === 'redis')!;
    expect(restarted).toMatchObject({ up: true, owner: 'stack' });
    expect(restarted.pid).not.toBe(redisPart.pid);
    redis = new Redis(second.endpoints.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.get(key)).toBe('kept');
    } finally {
      redis.disconnect();
    }

    const stopped = await down({ env });
    expect(stopped.stopped).toEqual(['redis']);
    expect((await status({ env })).find((p) => p.part === 'redis')?.up).toBe(false);
    expect(fs.existsSync(stackPaths(env).redisData)).toBe(true);
    await down({ env, purge: true });
    expect(fs.existsSync(stackPaths(env).redisData)).toBe(false);
  });
});
