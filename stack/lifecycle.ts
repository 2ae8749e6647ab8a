import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import { resolveEndpoints, stackPorts, type Endpoints } from '../core/env';
import { ensureLoopbackAcls, loopbackAnonymousAcls } from './acls';
import { KAFKA_MARKER, startKafka } from './kafka';
import { stackPaths } from './paths';
import { kafkaAnswers, redisAnswers, registryAnswers } from './probes';
import { isOurProcess, stopPid, tailFile } from './proc';
import { silentProgress, type Progress } from './progress';
import { REDIS_MARKER, startRedis } from './redis';
import { REGISTRY_MARKER, startRegistry } from './registry';
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

function context(options: StackOptions) {
  const env = options.env ?? process.env;
  const paths = stackPaths(env);
  const state = readState(paths);
  const endpoints = resolveEndpoints(env);
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
  const registry = own(state.registry, REGISTRY_MARKER);
  const redis = own(state.redis, REDIS_MARKER);
  return [
    {
      part: 'kafka',
      up: k,
      endpoint: endpoints.kafkaBrokers.join(','),
      owner: endpoints.external.kafka ? 'external' : kafka ? 'stack' : 'none',
      pid: kafka?.pid,
      logFile: state.kafka?.logFile,
      version: kafka?.version,
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
      owner: endpoints.external.redis ? 'external' : redis ? 'stack' : d ? 'machine' : 'none',
      pid: redis?.pid,
      logFile: state.redis?.logFile,
      version: redis?.version,
    },
  ];
}

/**
 * Brings up what is missing: the stack's own redis-server (AOF on, its data in the stack folder;
 * none when REDIS_URL is set), Kafka fetched, formatted once and started, then the registry (its
 * storage lives in that Kafka).
 * A part that already answers is left alone; a part the environment points elsewhere is never
 * started.
 */
export async function up(options: StackOptions = {}): Promise<UpResult> {
  const started = Date.now();
  const ctx = context(options);
  const { env, paths, ports, progress } = ctx;
  const state: StackState = { ...ctx.state };
  const timeoutMs = options.timeoutMs ?? Number(env.CROSSDOCK_STACK_TIMEOUT_MS ?? 180000);
  fs.mkdirSync(paths.stackDir, { recursive: true });
  const endpoints = ctx.endpoints;
  let startedSomething = false;

  // Redis
  if (!(await redisAnswers(endpoints.redisUrl))) {
    if (endpoints.external.redis) {
      throw new CrossdockError(
        'CD_E_STACK_NO_REDIS',
        `Nothing answers at REDIS_URL=${endpoints.redisUrl} (set by you, so the stack starts no Redis).`,
      );
    }
    if (state.redis && isOurProcess(state.redis.pid, REDIS_MARKER)) await stopPid(state.redis.pid);
    state.redis = await startRedis(paths, ports, progress, timeoutMs);
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
  if (!(await kafkaAnswers(endpoints.kafkaBrokers))) {
    if (endpoints.external.kafka) {
      throw new CrossdockError(
        'CD_E_STACK_NOT_READY',
        `Kafka at CROSSDOCK_KAFKA_BROKERS=${endpoints.kafkaBrokers.join(',')} does not answer (set by you, so the stack starts none).`,
        { retriable: true },
      );
    }
    if (state.kafka && isOurProcess(state.kafka.pid, KAFKA_MARKER)) await stopPid(state.kafka.pid);
    state.kafka = await startKafka(paths, ports, progress, timeoutMs);
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
    state.registry = await startRegistry(paths, ports, endpoints.kafkaBrokers, progress, timeoutMs);
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
  for (const [part, s, marker] of order) {
    if (s && isOurProcess(s.pid, marker)) {
      progress.emit('stack.stopping', { part, pid: s.pid }, `stopping pid ${s.pid}`);
      await stopPid(s.pid);
      stopped.push(part);
    }
  }
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
  const { paths } = context(options);
  return tailFile(path.join(paths.logs, `${part}.log`), lines);
}
