import { STACK_DEFAULTS, stackPorts } from '../../../core/env';
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
});
