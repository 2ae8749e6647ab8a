import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import type { StackPorts } from '../core/env';
import { clusterUrl } from '../core/redis-cluster-url';
import { assertPortsFree } from './kafka';
import type { StackPaths } from './paths';
import { isOurProcess, run, spawnDetached, stopPid, tailFile, waitUntil } from './proc';
import type { Progress } from './progress';
import { REDIS_MARKER, redisServerArgs } from './redis';
import type { StackState } from './state';

/**
 * The stack's Redis Cluster (`crossdock stack up --redis-cluster`), for tests and local trials:
 * six redis-server nodes on loopback (ports CROSSDOCK_REDIS_CLUSTER_PORT … +5, default
 * 17001-17006; cluster bus on port + 10000), three primaries each with one replica, each node
 * with the stack Redis's persistence (AOF, everysec, noeviction: REDIS_PERSISTENCE_ARGS) in its
 * own folder `<home>/stack/redis-cluster/<port>`. Made once with `redis-cli --cluster create`;
 * a later start reuses each node's nodes.conf and append-only file, so the cluster comes back
 * with its slots and data.
 */

export const CLUSTER_NODES = 6;
export const CLUSTER_REPLICAS = 1;

export type ClusterState = NonNullable<StackState['redisCluster']>;

/** The nodes' ports: six in a row from ports.redisCluster. */
export function clusterPorts(ports: Pick<StackPorts, 'redisCluster'>): number[] {
  return Array.from({ length: CLUSTER_NODES }, (_, i) => ports.redisCluster + i);
}

/** One node's command line: the stack Redis's, plus cluster mode with its nodes.conf in its folder. */
export function clusterNodeArgs(port: number, dataDir: string): string[] {
  return [
    ...redisServerArgs(port, dataDir),
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '5000',
  ];
}

/** `CLUSTER INFO` of the node on `port` as a map, or undefined when it does not answer. */
export async function clusterInfo(port: number): Promise<Map<string, string> | undefined> {
  const res = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']);
  if (res.code !== 0 || !res.stdout.includes('cluster_state')) return undefined;
  const map = new Map<string, string>();
  for (const line of res.stdout.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return map;
}

/** Whether every node answers `cluster_state:ok` with all 16384 slots served. */
export async function clusterOk(portList: readonly number[]): Promise<boolean> {
  const infos = await Promise.all(portList.map(clusterInfo));
  return infos.every((i) => i?.get('cluster_state') === 'ok' && i.get('cluster_slots_ok') === '16384');
}

/** Whether the recorded cluster's nodes are all still the processes this stack started. */
export function clusterProcessesAlive(state: ClusterState | undefined): boolean {
  return Boolean(
    state && state.nodes.length > 0 && state.nodes.every((n) => isOurProcess(n.pid, REDIS_MARKER)),
  );
}

/** Stops the recorded nodes this stack started (by pid). Returns the pids stopped. */
export async function stopCluster(state: ClusterState | undefined, progress?: Progress): Promise<number[]> {
  const ours = (state?.nodes ?? []).filter((n) => isOurProcess(n.pid, REDIS_MARKER));
  for (const n of ours)
    progress?.emit(
      'stack.stopping',
      { part: 'redis', pid: n.pid },
      `stopping cluster node ${n.port} (pid ${n.pid})`,
    );
  // All at once: each node writes its append-only file and nodes.conf on SIGTERM.
  await Promise.all(ours.map((n) => stopPid(n.pid)));
  return ours.map((n) => n.pid);
}

function notReady(message: string, logs: string[]): CrossdockError {
  const tails = logs.map((f) => `${path.basename(f)}:\n${tailFile(f, 8)}`).join('\n');
  return new CrossdockError('CD_E_STACK_NOT_READY', `${message}. Log tails:\n${tails}`, { retriable: true });
}

/**
 * Starts the six nodes, creates the cluster when its nodes hold no slots yet (first start), and
 * waits until every node says cluster_state:ok.
 * @throws CrossdockError CD_E_STACK_NO_REDIS without redis-server or redis-cli on PATH,
 *   CD_E_STACK_PORT_IN_USE when a node's port or its bus port is held, CD_E_STACK_NOT_READY when
 *   a node does not answer, the create fails, or the cluster is not ok in time
 */
export async function startRedisCluster(
  paths: StackPaths,
  ports: Pick<StackPorts, 'redisCluster'>,
  progress: Progress,
  timeoutMs: number,
): Promise<ClusterState> {
  const [server, cli] = await Promise.all([
    run('redis-server', ['--version']),
    run('redis-cli', ['--version']),
  ]);
  if (server.code !== 0 || cli.code !== 0)
    throw new CrossdockError(
      'CD_E_STACK_NO_REDIS',
      'The stack runs a Redis Cluster with redis-server and redis-cli, and one of them is not on PATH (apt-get install redis-server).',
    );
  const version = /v=(\S+)/.exec(server.stdout)?.[1];
  const portList = clusterPorts(ports);
  if (portList[portList.length - 1]! + 10000 > 65535)
    throw new CrossdockError(
      'CD_E_STACK_PORT_IN_USE',
      `CROSSDOCK_REDIS_CLUSTER_PORT=${ports.redisCluster}: the cluster needs ${CLUSTER_NODES} ports and their bus ports (+10000) below 65536`,
      { details: { port: ports.redisCluster } },
    );
  await assertPortsFree(
    portList.flatMap((p): Array<[string, number]> => [
      [`Redis Cluster node`, p],
      [`Redis Cluster bus`, p + 10000],
    ]),
  );
  fs.mkdirSync(paths.logs, { recursive: true });
  const startedAt = new Date().toISOString();
  const nodes: ClusterState['nodes'] = [];
  for (const port of portList) {
    const dir = path.join(paths.redisClusterData, String(port));
    fs.mkdirSync(dir, { recursive: true });
    const logFile = path.join(paths.logs, `redis-cluster-${port}.log`);
    progress.emit(
      'stack.starting',
      { part: 'redis', port, version },
      `starting cluster node on 127.0.0.1:${port} (AOF in ${dir})`,
    );
    const pid = spawnDetached('redis-server', clusterNodeArgs(port, dir), { logFile });
    nodes.push({ pid, port, logFile, startedAt, ...(version ? { version } : {}) });
  }
  const url = clusterUrl(portList.map((port) => ({ host: '127.0.0.1', port })));
  const state: ClusterState = { url, nodes };
  const logs = nodes.map((n) => n.logFile);
  try {
    const answering = await waitUntil(
      async () => (await Promise.all(portList.map(clusterInfo))).every((i) => i !== undefined),
      timeoutMs,
    );
    if (!answering) throw notReady('a Redis Cluster node did not answer', logs);
    const infos = await Promise.all(portList.map(clusterInfo));
    const assigned = infos.some((i) => Number(i?.get('cluster_slots_assigned') ?? 0) > 0);
    if (!assigned) {
      const res = await run('redis-cli', [
        '--cluster',
        'create',
        ...portList.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(CLUSTER_REPLICAS),
        '--cluster-yes',
      ]);
      if (res.code !== 0)
        throw notReady(
          `redis-cli --cluster create failed: ${(res.stdout + res.stderr).trim().split('\n').slice(-5).join(' | ')}`,
          logs,
        );
      progress.emit(
        'stack.cluster_created',
        { part: 'redis', nodes: CLUSTER_NODES, replicas: CLUSTER_REPLICAS },
        `cluster created: ${CLUSTER_NODES / (CLUSTER_REPLICAS + 1)} primaries, ${CLUSTER_REPLICAS} replica each`,
      );
    }
    if (!(await waitUntil(() => clusterOk(portList), timeoutMs)))
      throw notReady('the Redis Cluster did not reach cluster_state:ok on every node', logs);
  } catch (err) {
    await stopCluster(state);
    throw err;
  }
  progress.emit('stack.ready', { part: 'redis' }, `cluster ok at ${url}`);
  return state;
}
