import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STACK_DEFAULTS, stackPorts } from '../../../core/env';
import { currentEndpoints, stackPaths } from '../../../stack';
import { writeState } from '../../../stack/state';
import { REDIS_PERSISTENCE_ARGS } from '../../../stack/redis';
import { clusterNodeArgs, clusterPorts } from '../../../stack/redis-cluster';

describe('the stack Redis Cluster (stack up --redis-cluster)', () => {
  it('six ports from 17001 by default, away from the shared stack; moved by CROSSDOCK_REDIS_CLUSTER_PORT', () => {
    expect(clusterPorts(stackPorts({}))).toEqual([17001, 17002, 17003, 17004, 17005, 17006]);
    expect(clusterPorts(stackPorts({ CROSSDOCK_REDIS_CLUSTER_PORT: '17301' }))[5]).toBe(17306);
    const shared: number[] = [
      STACK_DEFAULTS.redisPort,
      STACK_DEFAULTS.kafkaPort,
      STACK_DEFAULTS.registryPort,
    ];
    const all = clusterPorts(stackPorts({})).flatMap((p) => [p, p + 10000]);
    expect(all.filter((p) => shared.includes(p))).toEqual([]);
  });

  it("each node: the stack Redis's persistence, loopback, cluster mode with its nodes.conf in its own folder", () => {
    const args = clusterNodeArgs(17001, '/d/17001');
    expect(args.join(' ')).toContain(REDIS_PERSISTENCE_ARGS.join(' '));
    expect(args.join(' ')).toContain('--port 17001 --bind 127.0.0.1 --protected-mode yes --dir /d/17001');
    expect(args.join(' ')).toContain('--cluster-enabled yes --cluster-config-file nodes.conf');
  });

  it('while the state records the cluster, the endpoints name it (REDIS_URL still wins)', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-cluster-state-'));
    try {
      const env = { CROSSDOCK_HOME: home };
      expect(currentEndpoints(env).redisUrl).toBe('redis://127.0.0.1:16379');
      const url = 'redis+cluster://127.0.0.1:17001,127.0.0.1:17002';
      writeState(stackPaths(env), { redisCluster: { url, nodes: [] } });
      const e = currentEndpoints(env);
      expect(e.redisUrl).toBe(url);
      expect(e.redis.cluster?.seeds).toEqual([
        { host: '127.0.0.1', port: 17001 },
        { host: '127.0.0.1', port: 17002 },
      ]);
      expect(e.external.redis).toBe(false);
      expect(currentEndpoints({ ...env, REDIS_URL: 'redis://r:1' }).redisUrl).toBe('redis://r:1');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
