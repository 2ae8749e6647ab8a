import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import { resolveEndpoints, stackPorts, type Endpoints } from '../core/env';
import { ensureLoopbackAcls, loopbackAnonymousAcls } from './acls';
import { KAFKA_MARKER, startKafka } from './kafka';
import {
  CLUSTER_BROKERS,
  clusterBrokers,
  nodesAlive,
  startKafkaCluster,
  stopKafkaCluster,
} from './kafka-cluster';
import { stackPaths } from './paths';
import { kafkaAnswers, redisAnswers, registryAnswers } from './probes';
import { isOurProcess, stopPid, tailFile } from './proc';
import { silentProgress, type Progress } from './progress';
import { REDIS_MARKER, startRedis } from './redis';
import { clusterProcessesAlive, startRedisCluster, stopCluster } from './redis-cluster';
import { REGISTRY_MARKER, startRegistry } from './registry';
import { withoutCredentials } from '../core/connection';
import { ADMIN_USER, credentialOf, readCredentials, readState, writeState, type StackState } from './state';

/**
 * The local stack's lifecycle: which parts answer, bringing up what is missing, stopping what this
 * stack started, and reading a part's log.
 */
export type PartName = 'kafka' | 'registry' | 'redis';
export const PARTS: readonly PartName[] = ['kafka', 'registry', 'redis'];

export interface PartStatus {
  part: PartName;
  up: boolean;
  endpoint: string;
  /**
   * 'stack' when this stack started it, 'external' when the environment points elsewhere,
   * 'machine' when something the stack did not start answers on the stack's own port.
   */
  owner: 'stack' | 'external' | 'machine' | 'none';
  pid?: number;
  /**
   * The Redis Cluster's node pids (`stack up --redis-cluster`), or the live brokers' pids of the
   * three-broker Kafka (`stack up --brokers 3`), when the stack runs one.
   */
  pids?: number[];
  /** Kafka: how many brokers the stack runs (1, or 3 with `--brokers 3`). */
  brokers?: number;
  logFile?: string;
  version?: string;
}

export interface UpResult {
  alreadyRunning: boolean;
  endpoints: Endpoints;
  parts: PartStatus[];
  seconds: number;
}

export interface StackOptions {
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
  /** Per-part readiness timeout; default CROSSDOCK_STACK_TIMEOUT_MS or 180 s. */
  timeoutMs?: number;
}

/**
 * The endpoints: the environment's, else the stack's. While the state records the stack's Redis
 * Cluster (`up --redis-cluster`, until `down`), the stack's Redis is that cluster: REDIS_URL
 * unset reads as its redis+cluster:// url, and Redis still counts as the stack's own.
 */
function stackEndpoints(env: NodeJS.ProcessEnv, state: StackState): Endpoints {
  // Likewise Kafka: while the three brokers are recorded (`up --brokers 3`), the stack's bootstrap
  // lists name all three (CROSSDOCK_KAFKA_BROKERS unset).
  const kafka =
    state.kafkaCluster && !env.CROSSDOCK_KAFKA_BROKERS ? clusterBrokers(state.kafkaCluster) : undefined;
  if (env.REDIS_URL || !state.redisCluster) return resolveEndpoints(env, kafka);
  const endpoints = resolveEndpoints({ ...env, REDIS_URL: state.redisCluster.url }, kafka);
  return { ...endpoints, external: { ...endpoints.external, redis: false } };
}

function context(options: StackOptions) {
  const env = options.env ?? process.env;
  const paths = stackPaths(env);
  const state = readState(paths);
  const endpoints = stackEndpoints(env, state);
  return {
    env,
    paths,
    state,
    endpoints,
    ports: stackPorts(env),
    progress: options.progress ?? silentProgress,
  };
}

/** The endpoints to use now: the environment's, or the local stack's as recorded. */
export function currentEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return context({ env }).endpoints;
}

export async function status(options: StackOptions = {}): Promise<PartStatus[]> {
  const { state, endpoints } = context(options);
  const [k, r, d] = await Promise.all([
    kafkaAnswers(endpoints.kafkaBrokers),
    registryAnswers(endpoints.registryUrl),
    redisAnswers(endpoints.redisUrl),
  ]);
  const own = <T extends { pid: number }>(s: T | undefined, marker: string): T | undefined =>
    s && isOurProcess(s.pid, marker) ? s : undefined;
  const kafka = own(state.kafka, KAFKA_MARKER);
  const kafkaCluster = state.kafkaCluster;
  const liveNodes = kafkaCluster?.nodes.filter((_, i) => nodesAlive(kafkaCluster)[i]) ?? [];
  const registry = own(state.registry, REGISTRY_MARKER);
  const redis = own(state.redis, REDIS_MARKER);
  const cluster = clusterProcessesAlive(state.redisCluster) ? state.redisCluster : undefined;
  return [
    {
      part: 'kafka',
      up: k,
      endpoint: endpoints.kafkaBrokers.join(','),
      owner: endpoints.external.kafka ? 'external' : kafka || liveNodes.length ? 'stack' : 'none',
      ...(kafkaCluster && !endpoints.external.kafka
        ? {
            brokers: kafkaCluster.nodes.length,
            pids: liveNodes.map((n) => n.pid),
            logFile: kafkaCluster.nodes[0]?.logFile,
            version: liveNodes[0]?.version,
          }
        : { pid: kafka?.pid, logFile: state.kafka?.logFile, version: kafka?.version }),
    },
    {
      part: 'registry',
      up: r,
      endpoint: endpoints.registryUrl,
      owner: endpoints.external.registry ? 'external' : registry ? 'stack' : 'none',
      pid: registry?.pid,
      logFile: state.registry?.logFile,
      version: registry?.version,
    },
    {
      part: 'redis',
      up: d,
      endpoint: endpoints.redisUrl,
      owner: endpoints.external.redis ? 'external' : redis || cluster ? 'stack' : d ? 'machine' : 'none',
      ...(cluster
        ? {
            pids: cluster.nodes.map((n) => n.pid),
            logFile: cluster.nodes[0]?.logFile,
            version: cluster.nodes[0]?.version,
          }
        : { pid: redis?.pid, logFile: state.redis?.logFile, version: redis?.version }),
    },
  ];
}

export interface UpOptions extends StackOptions {
  /**
   * Run the stack's Redis as a Redis Cluster (3 primaries, 3 replicas on loopback, AOF:
   * stack/redis-cluster.ts) instead of one redis-server; recorded, so later `up`s keep it until
   * `down`. Refused when REDIS_URL is set.
   */
  redisCluster?: boolean;
  /**
   * How many Kafka brokers: 1 (the single combined broker+controller) or 3 (a controller quorum
   * of three: stack/kafka-cluster.ts). Left out: what is recorded (3 once `--brokers 3` ran, until
   * `down`), else 1. Changing it stops the stack's Kafka and registry (each count keeps its own
   * storage) and starts the other. Refused (3) when CROSSDOCK_KAFKA_BROKERS is set.
   */
  brokers?: number;
}

function timeoutOf(options: StackOptions, env: NodeJS.ProcessEnv): number {
  return options.timeoutMs ?? Number(env.CROSSDOCK_STACK_TIMEOUT_MS ?? 180000);
}

/**
 * Stops one part of this stack when the recorded pid is still our process (the part's marker on
 * its command line: a pid reused by something else is left alone), announcing it
 * (`stack.stopping`). True when it stopped something.
 */
async function stopOurPart(
  part: PartName,
  recorded: { pid: number } | undefined,
  marker: string,
  progress: Progress,
): Promise<boolean> {
  if (!recorded || !isOurProcess(recorded.pid, marker)) return false;
  progress.emit('stack.stopping', { part, pid: recorded.pid }, `stopping pid ${recorded.pid}`);
  await stopPid(recorded.pid);
  return true;
}

/**
 * The Redis part of `up --redis-cluster` alone (the integration tests of test/integration/scale
 * run it on a home and ports of their own): leaves a recorded cluster that answers alone, else
 * stops what is left of it and starts it (its nodes' data and nodes.conf are reused), and records
 * it. Returns the endpoints, which then name the cluster.
 * @throws CrossdockError CD_E_STACK_REDIS_CLUSTER_EXTERNAL when REDIS_URL is set; those of
 *   startRedisCluster
 */
export async function upRedisCluster(
  options: StackOptions = {},
): Promise<{ endpoints: Endpoints; started: boolean; url: string }> {
  const { env, paths, state, ports, progress } = context(options);
  if (env.REDIS_URL)
    throw new CrossdockError(
      'CD_E_STACK_REDIS_CLUSTER_EXTERNAL',
      `--redis-cluster starts the stack's own Redis Cluster, but REDIS_URL=${withoutCredentials(env.REDIS_URL)} names a Redis of yours; unset REDIS_URL or leave out --redis-cluster.`,
    );
  fs.mkdirSync(paths.stackDir, { recursive: true });
  const recorded = state.redisCluster;
  if (recorded && clusterProcessesAlive(recorded) && (await redisAnswers(recorded.url))) {
    progress.emit('stack.answering', { part: 'redis', endpoint: recorded.url }, `answers at ${recorded.url}`);
    return { endpoints: stackEndpoints(env, state), started: false, url: recorded.url };
  }
  await stopCluster(recorded, progress);
  await stopOurPart('redis', state.redis, REDIS_MARKER, progress);
  const cluster = await startRedisCluster(paths, ports, progress, timeoutOf(options, env));
  const next: StackState = { ...state, redisCluster: cluster };
  delete next.redis;
  writeState(paths, next);
  return { endpoints: stackEndpoints(env, next), started: true, url: cluster.url };
}

/**
 * Brings up what is missing: the stack's own redis-server (AOF on, its data in the stack folder;
 * none when REDIS_URL is set), Kafka fetched, formatted once and started, then the registry (its
 * storage lives in that Kafka).
 * A part that already answers is left alone; a part the environment points elsewhere is never
 * started.
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const started = Date.now();
  const ctx = context(options);
  const { env, paths, progress } = ctx;
  let state: StackState = { ...ctx.state };
  const brokers = brokerCount(options.brokers, state, env);
  fs.mkdirSync(paths.stackDir, { recursive: true });
  if (!env.CROSSDOCK_KAFKA_BROKERS) state = await switchBrokers(state, brokers, ctx.paths, progress);
  let endpoints = stackEndpoints(env, state);
  let startedSomething = false;

  // Redis: the stack's Redis Cluster when asked for (or recorded), else the one redis-server.
  if (options.redisCluster || (state.redisCluster && !env.REDIS_URL)) {
    const res = await upRedisCluster(options);
    state = readState(paths);
    endpoints = res.endpoints;
    startedSomething = res.started;
  } else if (!(await redisAnswers(endpoints.redisUrl))) {
    if (endpoints.external.redis) {
      throw new CrossdockError(
        'CD_E_STACK_NO_REDIS',
        `Nothing answers at REDIS_URL=${endpoints.redisUrl} (set by you, so the stack starts no Redis).`,
      );
    }
    if (state.redis && isOurProcess(state.redis.pid, REDIS_MARKER)) await stopPid(state.redis.pid);
    state.redis = await startRedis(paths, ctx.ports, progress, timeoutOf(options, env));
    writeState(paths, state);
    startedSomething = true;
  } else {
    progress.emit(
      'stack.answering',
      { part: 'redis', endpoint: endpoints.redisUrl },
      `answers at ${endpoints.redisUrl}`,
    );
  }

  // Kafka
  let kafkaStarted = false;
  if (brokers === CLUSTER_BROKERS) {
    const recorded = state.kafkaCluster;
    if (
      recorded &&
      nodesAlive(recorded).every(Boolean) &&
      (await kafkaAnswers(endpoints.kafkaBrokers, 3000, CLUSTER_BROKERS))
    ) {
      const endpoint = endpoints.kafkaBrokers.join(',');
      progress.emit('stack.answering', { part: 'kafka', endpoint }, `answers at ${endpoint}`);
    } else {
      state.kafkaCluster = await startKafkaCluster(
        paths,
        ctx.ports,
        progress,
        timeoutOf(options, env),
        recorded,
      );
      writeState(paths, state);
      endpoints = stackEndpoints(env, state);
      startedSomething = true;
      kafkaStarted = true;
    }
  } else if (!(await kafkaAnswers(endpoints.kafkaBrokers))) {
    if (endpoints.external.kafka) {
      throw new CrossdockError(
        'CD_E_STACK_NOT_READY',
        `Kafka at CROSSDOCK_KAFKA_BROKERS=${endpoints.kafkaBrokers.join(',')} does not answer (set by you, so the stack starts none).`,
        { retriable: true },
      );
    }
    if (state.kafka && isOurProcess(state.kafka.pid, KAFKA_MARKER)) await stopPid(state.kafka.pid);
    state.kafka = await startKafka(paths, ctx.ports, progress, timeoutOf(options, env));
    writeState(paths, state);
    startedSomething = true;
    kafkaStarted = true;
  } else {
    const endpoint = endpoints.kafkaBrokers.join(',');
    progress.emit('stack.answering', { part: 'kafka', endpoint }, `answers at ${endpoint}`);
  }

  // Registry
  const registryUp = await registryAnswers(endpoints.registryUrl);
  // ANONYMOUS (PLAINTEXT) is no super user: its loopback ACLs must exist before the registry's
  // kafkasql client and the tests use that listener. Made whenever this run started Kafka (fresh or
  // reused storage) or must start the registry (an earlier `up` may have stopped in between).
  if (!endpoints.external.kafka && (kafkaStarted || !registryUp)) {
    const creds = readCredentials(paths);
    if (creds) {
      await ensureLoopbackAcls(
        endpoints.kafkaSaslBrokers,
        credentialOf(creds, ADMIN_USER, paths.credentialsFile),
      );
      progress.emit(
        'stack.acls_ensured',
        { part: 'kafka', acls: loopbackAnonymousAcls().length },
        'PLAINTEXT rights for ANONYMOUS from 127.0.0.1 only (ACLs)',
      );
    }
  }
  if (!registryUp) {
    if (endpoints.external.registry) {
      throw new CrossdockError(
        'CD_E_STACK_NOT_READY',
        `The registry at CROSSDOCK_REGISTRY_URL=${endpoints.registryUrl} does not answer (set by you, so the stack starts none).`,
        { retriable: true },
      );
    }
    if (state.registry && isOurProcess(state.registry.pid, REGISTRY_MARKER))
      await stopPid(state.registry.pid);
    state.registry = await startRegistry(
      paths,
      ctx.ports,
      endpoints.kafkaBrokers,
      progress,
      timeoutOf(options, env),
      brokers,
    );
    writeState(paths, state);
    startedSomething = true;
  } else {
    progress.emit(
      'stack.answering',
      { part: 'registry', endpoint: endpoints.registryUrl },
      `answers at ${endpoints.registryUrl}`,
    );
  }

  const parts = await status({ env });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  progress.emit(
    'stack.up',
    { seconds, started: startedSomething },
    startedSomething ? `up in ${seconds}s` : 'already running; nothing to start',
  );
  return { alreadyRunning: !startedSomething, endpoints, parts, seconds };
}

/**
 * The broker count of this `up`: the one asked for, else the recorded one, else 1.
 * @throws CrossdockError CD_E_STACK_BROKERS_INVALID for a count other than 1 or 3,
 *   CD_E_STACK_BROKERS_EXTERNAL for 3 while CROSSDOCK_KAFKA_BROKERS is set
 */
export function brokerCount(asked: number | undefined, state: StackState, env: NodeJS.ProcessEnv): number {
  if (asked !== undefined && asked !== 1 && asked !== CLUSTER_BROKERS)
    throw new CrossdockError(
      'CD_E_STACK_BROKERS_INVALID',
      `--brokers ${asked}: the stack runs 1 broker or ${CLUSTER_BROKERS}.`,
      { details: { brokers: asked } },
    );
  if (asked === CLUSTER_BROKERS && env.CROSSDOCK_KAFKA_BROKERS)
    throw new CrossdockError(
      'CD_E_STACK_BROKERS_EXTERNAL',
      `--brokers ${asked} starts the stack's own brokers, but CROSSDOCK_KAFKA_BROKERS=${env.CROSSDOCK_KAFKA_BROKERS} names a Kafka of yours; unset it or leave out --brokers.`,
    );
  return asked ?? (state.kafkaCluster ? CLUSTER_BROKERS : 1);
}

/**
 * Going from one broker to three or back: the stack's Kafka of the other count and the registry
 * (its storage lives in that Kafka) are stopped and forgotten; their data stays (kafka-data/ for
 * one broker, kafka-cluster/ for three), so going back finds it again.
 */
async function switchBrokers(
  state: StackState,
  brokers: number,
  paths: ReturnType<typeof stackPaths>,
  progress: Progress,
): Promise<StackState> {
  const other =
    brokers === CLUSTER_BROKERS
      ? Boolean(state.kafka && isOurProcess(state.kafka.pid, KAFKA_MARKER))
      : nodesAlive(state.kafkaCluster).some(Boolean);
  const next = { ...state };
  const changed = other || (brokers === CLUSTER_BROKERS ? Boolean(state.kafka) : Boolean(state.kafkaCluster));
  if (!changed) return state;
  if (other) {
    await stopOurPart('registry', state.registry, REGISTRY_MARKER, progress);
    delete next.registry;
  }
  if (brokers === CLUSTER_BROKERS) {
    await stopOurPart('kafka', state.kafka, KAFKA_MARKER, progress);
    delete next.kafka;
  } else if (state.kafkaCluster) {
    await stopKafkaCluster(state.kafkaCluster, progress);
    delete next.kafkaCluster;
  }
  writeState(paths, next);
  return next;
}

export interface DownResult {
  stopped: PartName[];
  purged: boolean;
}

/** Stops only what this stack started (by recorded pid); `purge` also removes its data. */
export async function down(options: StackOptions & { purge?: boolean } = {}): Promise<DownResult> {
  const { paths, state, progress } = context(options);
  const stopped: PartName[] = [];
  const order: Array<[PartName, { pid: number } | undefined, string]> = [
    ['registry', state.registry, REGISTRY_MARKER],
    ['kafka', state.kafka, KAFKA_MARKER],
    ['redis', state.redis, REDIS_MARKER],
  ];
  for (const [part, s, marker] of order) if (await stopOurPart(part, s, marker, progress)) stopped.push(part);
  if ((await stopCluster(state.redisCluster, progress)).length > 0 && !stopped.includes('redis'))
    stopped.push('redis');
  if ((await stopKafkaCluster(state.kafkaCluster, progress)).length > 0 && !stopped.includes('kafka'))
    stopped.push('kafka');
  writeState(paths, {});
  if (options.purge) {
    progress.emit('stack.purging', { dir: paths.stackDir }, `removing ${paths.stackDir}`);
    fs.rmSync(paths.stackDir, { recursive: true, force: true });
  }
  return { stopped, purged: Boolean(options.purge) };
}

export function logTail(part: string, lines: number, options: StackOptions = {}): string {
  if (!(PARTS as readonly string[]).includes(part)) {
    throw new CrossdockError(
      'CD_E_STACK_UNKNOWN_PART',
      `Unknown part "${part}"; the parts are ${PARTS.join(', ')}.`,
    );
  }
  const { paths, state } = context(options);
  if (part === 'kafka' && state.kafkaCluster)
    return state.kafkaCluster.nodes
      .map((n) => `== broker ${n.id} (${n.logFile})\n${tailFile(n.logFile, lines)}`)
      .join('\n');
  if (part === 'redis' && state.redisCluster)
    return state.redisCluster.nodes
      .map((n) => `== node ${n.port} (${n.logFile})\n${tailFile(n.logFile, lines)}`)
      .join('\n');
  return tailFile(path.join(paths.logs, `${part}.log`), lines);
}
