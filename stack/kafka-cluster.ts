import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import type { StackPorts } from '../core/env';
import { fetchKafka } from './fetch';
import { findJava, type JavaRuntime } from './java';
import { assertPortsFree, formatStorage, KAFKA_MARKER, reusedCredentials, writePrivateFile } from './kafka';
import {
  brokerProperties,
  kafkaNodes,
  log4j2Properties,
  newClusterId,
  renderProperties,
  type KafkaNode,
} from './kafka-config';
import type { StackPaths } from './paths';
import { kafkaAnswers } from './probes';
import { isOurProcess, spawnDetached, stopPid, tailFile, waitUntil } from './proc';
import type { Progress } from './progress';
import { ADMIN_USER, credentialOf, loadOrCreateCredentials, SUPER_USERS, type StackState } from './state';
import { JAVA_MIN, KAFKA_VERSION } from './versions';

/**
 * The stack's Kafka as three brokers (`crossdock stack up --brokers 3`): three KRaft nodes on
 * loopback, each broker and controller (a controller quorum of three: `controller.quorum.voters`
 * lists all), each with its own storage `<home>/stack/kafka-cluster/node-<id>`, its own
 * server.properties (0600) and log `logs/kafka-<id>.log`. Node 1 listens on the single broker's
 * ports, node k on each + (k-1) x CROSSDOCK_KAFKA_NODE_PORT_STEP. Every node has the single
 * broker's three listeners and security (PLAINTEXT for ANONYMOUS with loopback ACLs, SCRAM on
 * SASL_PLAINTEXT, the controller listener with PLAIN for `admin`; inter-broker traffic as `admin`
 * with SCRAM-SHA-512), and THREE_NODE_DEFAULTS (replication 3, min.insync.replicas 2). The three
 * storages are formatted once with one cluster id and the same SCRAM users; a later start reuses
 * them, and a node that died is started again alone on its own storage.
 */

export const CLUSTER_BROKERS = 3;

export type KafkaClusterState = NonNullable<StackState['kafkaCluster']>;
export type KafkaClusterNode = KafkaClusterState['nodes'][number];

/** The nodes of the stack's three-broker Kafka for these ports. */
export function clusterNodes(ports: StackPorts, n = CLUSTER_BROKERS): KafkaNode[] {
  return kafkaNodes(
    { plaintext: ports.kafka, controller: ports.controller, sasl: ports.sasl },
    n,
    ports.kafkaNodeStep,
  );
}

/** Bootstrap lists of a recorded cluster: every node's PLAINTEXT and SASL listener. */
export function clusterBrokers(state: KafkaClusterState): { brokers: string[]; saslBrokers: string[] } {
  return {
    brokers: state.nodes.map((n) => `127.0.0.1:${n.plaintext}`),
    saslBrokers: state.nodes.map((n) => `127.0.0.1:${n.sasl}`),
  };
}

/** Whether each recorded node is still the process this stack started. */
export function nodesAlive(state: KafkaClusterState | undefined): boolean[] {
  return (state?.nodes ?? []).map((n) => isOurProcess(n.pid, KAFKA_MARKER));
}

/** Stops the recorded nodes this stack started, all at once (each flushes its logs on SIGTERM). */
export async function stopKafkaCluster(
  state: KafkaClusterState | undefined,
  progress?: Progress,
): Promise<number[]> {
  const ours = (state?.nodes ?? []).filter((n) => isOurProcess(n.pid, KAFKA_MARKER));
  for (const n of ours)
    progress?.emit('stack.stopping', { part: 'kafka', pid: n.pid }, `stopping broker ${n.id} (pid ${n.pid})`);
  await Promise.all(ours.map((n) => stopPid(n.pid)));
  return ours.map((n) => n.pid);
}

interface Prepared {
  java: JavaRuntime;
  classpath: string;
  logOpt: string;
  nodes: KafkaNode[];
  clusterId: string;
}

function nodeDir(paths: StackPaths, id: number): string {
  return path.join(paths.kafkaClusterData, `node-${id}`);
}

function nodePropsFile(paths: StackPaths, id: number): string {
  return path.join(paths.kafkaClusterData, `node-${id}.properties`);
}

export function nodeLogFile(paths: StackPaths, id: number): string {
  return path.join(paths.logs, `kafka-${id}.log`);
}

function clusterIdOf(dir: string): string | undefined {
  try {
    return /cluster\.id=(.+)/.exec(fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Writes every node's server.properties (rewritten on each start, like the single broker's) and
 * formats the storages not formatted yet with the cluster id the others have (a new one on the
 * first start).
 */
async function prepare(paths: StackPaths, ports: StackPorts, progress: Progress): Promise<Prepared> {
  const [java, dir] = await Promise.all([
    findJava(JAVA_MIN.kafka, 'Kafka', 'CROSSDOCK_KAFKA_JAVA_HOME'),
    fetchKafka(paths, progress),
  ]);
  const classpath = path.join(dir, 'libs', '*');
  fs.mkdirSync(paths.logs, { recursive: true });
  fs.mkdirSync(paths.kafkaClusterData, { recursive: true, mode: 0o700 });
  const nodes = clusterNodes(ports);
  const ids = nodes.map((n) => clusterIdOf(nodeDir(paths, n.id)));
  const known = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  if (known.length > 1)
    throw new CrossdockError(
      'CD_E_STACK_FORMAT_FAILED',
      `The three brokers' storages in ${paths.kafkaClusterData} belong to different clusters (${known.join(', ')}); \`crossdock stack down --purge\` starts clean.`,
    );
  const creds = known.length
    ? reusedCredentials(paths, paths.kafkaClusterData)
    : loadOrCreateCredentials(paths);
  const internalUser = credentialOf(creds, ADMIN_USER, paths.credentialsFile);
  const log4jFile = path.join(paths.kafkaClusterData, 'kafka-log4j2.properties');
  fs.writeFileSync(log4jFile, log4j2Properties());
  const logOpt = `-Dlog4j2.configurationFile=${log4jFile}`;
  const clusterId = known[0] ?? newClusterId();
  if (known.length)
    progress.emit(
      'stack.storage_reused',
      { part: 'kafka', clusterId },
      `reusing formatted storage (cluster ${clusterId})`,
    );
  for (const [i, node] of nodes.entries()) {
    const file = nodePropsFile(paths, node.id);
    writePrivateFile(
      file,
      renderProperties(
        brokerProperties(
          node.ports,
          nodeDir(paths, node.id),
          { superUsers: [...SUPER_USERS], internalUser },
          { nodeId: node.id, nodes },
        ),
      ),
    );
    if (ids[i]) continue;
    progress.emit(
      'stack.storage_formatting',
      { part: 'kafka', users: creds.users.length },
      `formatting KRaft storage of broker ${node.id} (cluster ${clusterId}) with ${creds.users.length} SCRAM users`,
    );
    await formatStorage(java.bin, classpath, logOpt, clusterId, file, creds, paths.kafkaClusterData);
  }
  return { java, classpath, logOpt, nodes, clusterId };
}

function spawnNode(paths: StackPaths, p: Prepared, node: KafkaNode, progress: Progress): KafkaClusterNode {
  const logFile = nodeLogFile(paths, node.id);
  progress.emit(
    'stack.starting',
    { part: 'kafka', version: KAFKA_VERSION, port: node.ports.plaintext, javaMajor: p.java.major },
    `starting broker ${node.id} ${KAFKA_VERSION} on 127.0.0.1:${node.ports.plaintext} (java ${p.java.major})`,
  );
  // Three JVMs on a small machine: a smaller heap than the single broker's.
  const heap = process.env.CROSSDOCK_KAFKA_NODE_HEAP ?? '-Xms128m -Xmx384m';
  const pid = spawnDetached(
    p.java.bin,
    [
      ...heap.split(/\s+/).filter(Boolean),
      '-XX:+UseG1GC',
      `-Dcrossdock.part=${KAFKA_MARKER}`,
      `-Dcrossdock.node=${node.id}`,
      p.logOpt,
      '-cp',
      p.classpath,
      'kafka.Kafka',
      nodePropsFile(paths, node.id),
    ],
    { logFile },
  );
  return {
    pid,
    logFile,
    startedAt: new Date().toISOString(),
    version: KAFKA_VERSION,
    id: node.id,
    ...node.ports,
  };
}

/**
 * Starts the nodes of the three-broker Kafka that are not running (all on a first start; after a
 * crash, only the dead ones), formatting storages on the first start, and waits until the cluster
 * answers with all three brokers registered.
 * @param recorded the recorded cluster: its live nodes are kept
 * @throws CrossdockError CD_E_STACK_PORT_IN_USE, CD_E_STACK_FORMAT_FAILED, CD_E_STACK_NO_CREDENTIALS,
 *   CD_E_STACK_NOT_READY (with the log tails of the nodes)
 */
export async function startKafkaCluster(
  paths: StackPaths,
  ports: StackPorts,
  progress: Progress,
  timeoutMs: number,
  recorded?: KafkaClusterState,
): Promise<KafkaClusterState> {
  const alive = new Map<number, KafkaClusterNode>();
  for (const n of recorded?.nodes ?? []) if (isOurProcess(n.pid, KAFKA_MARKER)) alive.set(n.id, n);
  const wanted = clusterNodes(ports);
  const toStart = wanted.filter((n) => !alive.has(n.id));
  await assertPortsFree(
    toStart.flatMap((n): Array<[string, number]> => [
      [`Kafka broker ${n.id} PLAINTEXT`, n.ports.plaintext],
      [`Kafka broker ${n.id} controller`, n.ports.controller],
      [`Kafka broker ${n.id} SASL`, n.ports.sasl],
    ]),
  );
  const prepared = await prepare(paths, ports, progress);
  const started = toStart.map((n) => spawnNode(paths, prepared, n, progress));
  const nodes = wanted.map((n) => alive.get(n.id) ?? started.find((s) => s.id === n.id)!);
  const state: KafkaClusterState = { clusterId: prepared.clusterId, nodes };
  const { brokers } = clusterBrokers(state);
  if (!(await waitUntil(() => kafkaAnswers(brokers, 3000, CLUSTER_BROKERS), timeoutMs, 500))) {
    const tails = nodes.map((n) => `${path.basename(n.logFile)}:\n${tailFile(n.logFile, 8)}`).join('\n');
    // Nothing half-started is left behind: the nodes this call started are stopped.
    await Promise.all(started.map((n) => stopPid(n.pid)));
    throw new CrossdockError(
      'CD_E_STACK_NOT_READY',
      `Kafka's ${CLUSTER_BROKERS} brokers did not all answer at ${brokers.join(',')} within ${timeoutMs / 1000}s. Log tails:\n${tails}`,
      { retriable: true, details: { part: 'kafka', logFiles: nodes.map((n) => n.logFile) } },
    );
  }
  progress.emit(
    'stack.ready',
    { part: 'kafka' },
    `ready: ${CLUSTER_BROKERS} brokers at ${brokers.join(',')}`,
  );
  return state;
}
