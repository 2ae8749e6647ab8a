import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster, Redis as RedisNode } from 'ioredis';
import type { Endpoints } from '../../core/env';
import { createRedis, redisReady, type RedisClient } from '../../core/redis';
import { keySlot } from '../../core/redis-slot';
import { down, stackPaths, upRedisCluster } from '../../stack';
import { clusterNodeArgs, clusterOk, clusterPorts } from '../../stack/redis-cluster';
import { isPidAlive, run, spawnDetached, waitUntil } from '../../stack/proc';
import { readState, writeState } from '../../stack/state';

/**
 * A Redis Cluster of a test's own (3 primaries + 3 replicas, AOF), started through the stack's own
 * code (`upRedisCluster`, what `crossdock stack up --redis-cluster` runs) on a temporary
 * CROSSDOCK_HOME and the ports CROSSDOCK_TEST_CLUSTER_PORT (default 17301) + `offset` … +5, never
 * the shared stack's. Each scale test file takes its own offset (0, 10, 20, …) so files never
 * share a cluster.
 *
 * Contract: `startTestCluster` resolves once every node says cluster_state:ok and the client has
 * the slot map; `stop()` disconnects the client, stops every node the stack recorded (a node
 * restarted by `restartNode` included) and removes the home; it is safe to call twice.
 */
export interface TestCluster {
  home: string;
  /** The environment of this cluster's stack (pass it to `upRedisCluster`, `down`, `stackPaths`). */
  env: NodeJS.ProcessEnv;
  /** The first node's port. */
  base: number;
  /** The six nodes' ports. */
  ports: number[];
  url: string;
  endpoints: Endpoints;
  /** A cluster client made with `createRedis` on the endpoints. */
  redis: RedisClient;
  /** The port of the primary that serves `key`'s slot, from the client's slot map. */
  ownerPort(key: string): number | undefined;
  /** The client's connection to the primary that serves `key`'s slot. */
  ownerNode(key: string): RedisNode | undefined;
  /** kill -9 of the node on `port` (its pid from the stack's state.json); resolves once it is gone. */
  kill(port: number): Promise<void>;
  /** Sends `signal` (SIGSTOP, SIGCONT) to the node on `port`. */
  signal(port: number, signal: NodeJS.Signals): void;
  /**
   * Starts the node on `port` again on its folder (nodes.conf, append-only file), as an operator
   * would after a crash: a failed-over primary comes back as its successor's replica. Its pid is
   * recorded in state.json, so `stop()` ends it too.
   */
  restartNode(port: number): Promise<void>;
  /**
   * Stalls the replica of the primary that serves `key` (SIGSTOP) and makes that primary's writes
   * pile up for it: 1 MB writes to `padKey(i)` (keys of `key`'s slot) until 4 MB wait in its
   * replication buffer beyond the backlog, so nothing written afterwards can have reached the
   * replica. `onStopped` is called right after the SIGSTOP, before the padding. `resume()` sends
   * SIGCONT; `unpad()` removes the padding (through the cluster client, after a failover too).
   */
  stallReplica(
    key: string,
    padKey: (i: number) => string,
    onStopped?: () => void,
  ): Promise<{ primaryPort: number; replicaPort: number; resume(): void; unpad(): Promise<void> }>;
  /** Whether every node but `except` says cluster_state:ok with all slots served. */
  healthy(except?: readonly number[]): Promise<boolean>;
  /**
   * Whether the node on `port` has failed over: the other nodes mark it `fail`, it serves no slot,
   * and they say cluster_state:ok (its replica took its slots). Right after a kill -9 the others
   * still say ok for up to cluster-node-timeout (5 s): `healthy` alone does not tell a failover.
   */
  failedOver(port: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: {
  /** Ports CROSSDOCK_TEST_CLUSTER_PORT + offset … +5. */
  offset: number;
  /** Temporary home's name prefix (`cd-<what>-`). */
  tmpPrefix: string;
  /** Client connection name. */
  name: string;
  failFast?: boolean;
}): Promise<TestCluster> {
  const base = Number(process.env.CROSSDOCK_TEST_CLUSTER_PORT ?? 17301) + options.offset;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    CROSSDOCK_HOME: home,
    CROSSDOCK_REDIS_CLUSTER_PORT: String(base),
  };
  const paths = stackPaths(env);
  let redis: RedisClient | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    redis?.disconnect();
    await down({ env, purge: true });
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const res = await upRedisCluster({ env, timeoutMs: 60_000 });
    redis = createRedis({
      connection: res.endpoints.redis,
      name: options.name,
      ...(options.failFast ? { failFast: true } : {}),
    });
    await redisReady(redis, res.url, 20_000);
    const cluster = redis as Cluster;
    const ports = clusterPorts({ redisCluster: base });
    const ownerPort = (key: string): number | undefined => {
      const node = cluster.slots[keySlot(key)]?.[0];
      return node ? Number(node.split(':').pop()) : undefined;
    };
    const nodeOf = (port: number) => readState(paths).redisCluster!.nodes.find((n) => n.port === port)!;
    return {
      home,
      env,
      base,
      ports,
      url: res.url,
      endpoints: res.endpoints,
      redis,
      ownerPort,
      ownerNode: (key) => cluster.nodes('master').find((n) => n.options.port === ownerPort(key)),
      async kill(port) {
        const { pid } = nodeOf(port);
        process.kill(pid, 'SIGKILL');
        await waitUntil(async () => !isPidAlive(pid), 10_000, 20);
      },
      signal(port, signal) {
        process.kill(nodeOf(port).pid, signal);
      },
      async restartNode(port) {
        const node = nodeOf(port);
        const pid = spawnDetached(
          'redis-server',
          clusterNodeArgs(port, path.join(paths.redisClusterData, String(port))),
          {
            logFile: node.logFile,
          },
        );
        const state = readState(paths);
        writeState(paths, {
          ...state,
          redisCluster: {
            ...state.redisCluster!,
            nodes: state.redisCluster!.nodes.map((n) => (n.port === port ? { ...n, pid } : n)),
          },
        });
      },
      async stallReplica(key, padKey, onStopped) {
        const primaryPort = ownerPort(key)!;
        const owner = cluster.nodes('master').find((n) => n.options.port === primaryPort)!;
        const replicaOnline = async () => /slave0:.*state=online/.test(await owner.info('replication'));
        if (!(await waitUntil(replicaOnline, 20_000, 200)))
          throw new Error(`the replica of ${primaryPort} is not online`);
        const replicaPort = Number(/slave0:[^\r\n]*port=(\d+)/.exec(await owner.info('replication'))![1]);
        process.kill(nodeOf(replicaPort).pid, 'SIGSTOP');
        onStopped?.();
        const direct = createRedis({ url: `redis://127.0.0.1:${primaryPort}`, name: 'crossdock-test-pad' });
        let pads = 0;
        try {
          const backlog = Number(/repl_backlog_size:(\d+)/.exec(await direct.info('replication'))![1]);
          const waiting = async () =>
            Number(/mem_total_replication_buffers:(\d+)/.exec(await direct.info('memory'))![1]) - backlog;
          while ((await waiting()) < 4 << 20 && pads < 120)
            await direct.set(padKey(pads++), Buffer.alloc(1 << 20, 1));
          if ((await waiting()) < 4 << 20)
            throw new Error(`could not pile 4 MB up for the replica of ${primaryPort}`);
        } finally {
          direct.disconnect();
        }
        return {
          primaryPort,
          replicaPort,
          resume: () => process.kill(nodeOf(replicaPort).pid, 'SIGCONT'),
          unpad: async () => {
            if (pads)
              await redis!.unlink(...Array.from({ length: pads }, (_, i) => padKey(i))).catch(() => 0);
          },
        };
      },
      healthy: (except = []) => clusterOk(ports.filter((p) => !except.includes(p))),
      async failedOver(port) {
        const others = ports.filter((p) => p !== port);
        const res = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(others[0]), 'cluster', 'nodes']);
        const line = res.stdout.split('\n').find((l) => l.includes(`:${port}@`));
        if (res.code !== 0 || !line) return false;
        const [, , flags = '', , , , , , ...slots] = line.trim().split(' ');
        return flags.split(',').includes('fail') && slots.length === 0 && (await clusterOk(others));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
