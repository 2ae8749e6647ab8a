import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveEndpoints, type Endpoints } from '../../core/env';
import { stackPaths } from '../../stack';
import { freePort, isPidAlive } from '../../stack/proc';
import { redisAnswers } from '../../stack/probes';
import { readState } from '../../stack/state';
import { redisServerArgs } from '../../stack/redis';
import { CROSSDOCK_BIN, exited, killAndWait, runLogged, sleep, spawnLogged, tail } from './procs';

/**
 * The soak's own stack: a temporary CROSSDOCK_HOME with its own Kafka and registry on free ports
 * (`crossdock stack up`, reusing the shared downloads in ~/.crossdock/cache) and its own
 * redis-server with AOF (`appendfsync everysec`) in that home. The shared stack is never touched.
 */
export interface ChaosInfra {
  home: string;
  logs: string;
  endpoints: Endpoints;
  /** Environment for hub processes: every endpoint given explicitly, so they never start a stack. */
  hubEnv: NodeJS.ProcessEnv;
  /** Brings Kafka and the registry up (whatever of them is not running). */
  stackUp(): Promise<void>;
  /** Stops Kafka or the registry with `signal`; resolves once the process is gone. */
  stopPart(part: 'kafka' | 'registry', signal: NodeJS.Signals): Promise<void>;
  startRedis(): Promise<void>;
  killRedis(): Promise<void>;
  /** The soak's redis-server is running (it was not killed, or was started again). */
  redisRunning(): boolean;
  /** Stops everything and (unless keep) removes the home. */
  teardown(keep: boolean): Promise<void>;
}

export interface InfraOptions {
  /** JVM heap of the chaos broker. */
  kafkaHeap: string;
  registryHeap: string;
  log: (line: string) => void;
}

export async function createInfra(options: InfraOptions): Promise<ChaosInfra> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-chaos-'));
  const logs = path.join(home, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const redisDir = path.join(home, 'redis');
  fs.mkdirSync(redisDir, { recursive: true });
  const [kafka, controller, sasl, registry, management, redisPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const stackEnv: NodeJS.ProcessEnv = {
    ...process.env,
    CROSSDOCK_HOME: home,
    CROSSDOCK_CACHE_DIR: process.env.CROSSDOCK_CACHE_DIR ?? stackPaths().cache,
    CROSSDOCK_KAFKA_PORT: String(kafka),
    CROSSDOCK_KAFKA_CONTROLLER_PORT: String(controller),
    CROSSDOCK_KAFKA_SASL_PORT: String(sasl),
    CROSSDOCK_REGISTRY_PORT: String(registry),
    CROSSDOCK_REGISTRY_MANAGEMENT_PORT: String(management),
    CROSSDOCK_KAFKA_HEAP: options.kafkaHeap,
    CROSSDOCK_REGISTRY_HEAP: options.registryHeap,
    REDIS_URL: redisUrl,
  };
  delete stackEnv.CROSSDOCK_KAFKA_BROKERS;
  delete stackEnv.CROSSDOCK_REGISTRY_URL;
  delete stackEnv.CROSSDOCK_KAFKA_SASL_BROKERS;
  const endpoints = resolveEndpoints(stackEnv);
  const hubEnv: NodeJS.ProcessEnv = {
    ...stackEnv,
    CROSSDOCK_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    CROSSDOCK_REGISTRY_URL: endpoints.registryUrl,
  };
  const paths = stackPaths(stackEnv);
  let redis: ChildProcess | undefined;

  const infra: ChaosInfra = {
    home,
    logs,
    endpoints,
    hubEnv,
    async stackUp() {
      for (let attempt = 1; ; attempt++) {
        const code = await runLogged(
          process.execPath,
          [CROSSDOCK_BIN, 'stack', 'up'],
          stackEnv,
          path.join(logs, 'stack-up.log'),
        );
        if (code === 0) return;
        if (attempt >= 3)
          throw new Error(
            `crossdock stack up failed (exit ${code}):\n${tail(path.join(logs, 'stack-up.log'))}`,
          );
        options.log(`stack up failed (exit ${code}); trying again`);
        await sleep(3000);
      }
    },
    async stopPart(part, signal) {
      const pid = readState(paths)[part]?.pid;
      if (pid && isPidAlive(pid)) await killAndWait(pid, signal);
    },
    async startRedis() {
      redis = spawnLogged(
        'redis-server',
        redisServerArgs(redisPort!, redisDir),
        process.env,
        path.join(logs, 'redis.log'),
      );
      const deadline = Date.now() + 60000;
      while (!(await redisAnswers(redisUrl))) {
        if (Date.now() > deadline || redis.exitCode !== null)
          throw new Error(
            `redis-server did not answer at ${redisUrl}:\n${tail(path.join(logs, 'redis.log'))}`,
          );
        await sleep(100);
      }
    },
    async killRedis() {
      if (!redis) return;
      redis.kill('SIGKILL');
      await exited(redis);
      redis = undefined;
    },
    redisRunning: () => redis !== undefined && redis.exitCode === null && redis.signalCode === null,
    async teardown(keep) {
      await runLogged(
        process.execPath,
        [CROSSDOCK_BIN, 'stack', 'down', ...(keep ? [] : ['--purge'])],
        stackEnv,
        path.join(logs, 'stack-down.log'),
      );
      if (redis) {
        redis.kill('SIGTERM');
        await exited(redis);
      }
      if (!keep) fs.rmSync(home, { recursive: true, force: true });
    },
  };
  return infra;
}
