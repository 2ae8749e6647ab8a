import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackPorts, type Endpoints } from '../../core/env';
import { currentEndpoints, down, silentProgress, stackPaths, up } from '../../stack';
import { CLUSTER_BROKERS, startKafkaCluster } from '../../stack/kafka-cluster';
import { freePort, isPidAlive, isPortOpen } from '../../stack/proc';
import { readState, writeState } from '../../stack/state';

/**
 * A stack of a test's own with three Kafka brokers (`crossdock stack up --brokers 3` through the
 * stack's own code), never the shared one: a temporary CROSSDOCK_HOME (so its own state.json, data
 * and credentials), free loopback ports for the three nodes (node k on base + 10 x (k-1): a base is
 * drawn until all nine Kafka ports are free), the registry and its own redis-server, and the
 * shared downloads (CROSSDOCK_CACHE_DIR). With `registry: false` and `redis: false` only the
 * brokers run (REDIS_URL / CROSSDOCK_REGISTRY_URL then point at nothing and are not started).
 *
 * Contract: start resolves once every part answers with all three brokers registered; stop() ends
 * everything it started (by recorded pid) and removes the home; it is safe to call twice.
 */
export interface ThreeBrokerStack {
  home: string;
  /** The environment of this stack (pass it to `up`, `status`, `down` or a child process). */
  env: NodeJS.ProcessEnv;
  endpoints: Endpoints;
  /** Every broker's PLAINTEXT listener, node 1 first. */
  brokers: string[];
  /** The broker (node.id) listening on a `host:port` of `brokers`. */
  nodeOf(broker: string): number;
  /** The pid of a node, from the stack's state.json. */
  pidOf(nodeId: number): number;
  /** kill -9 of one node; resolves once the process is gone. */
  kill(nodeId: number): Promise<void>;
  /** `up` again on this stack: starts the nodes that died (on their storage) and waits for all three. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const STEP = 10;

async function kafkaBase(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freePort();
    if (base + 2 * STEP + 2 > 65535) continue;
    const ports = [0, 1, 2].flatMap((k) => [0, 1, 2].map((i) => base + k * STEP + i));
    const open = await Promise.all(ports.map((p) => isPortOpen(p)));
    if (!open.some(Boolean)) return base;
  }
  throw new Error('no run of free ports for three brokers on loopback');
}

export async function startThreeBrokerStack(
  options: { registry?: boolean; redis?: boolean; timeoutMs?: number } = {},
): Promise<ThreeBrokerStack> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-brokers-'));
  const base = await kafkaBase();
  const [registry, management, redis] = await Promise.all([freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CROSSDOCK_HOME: home,
    CROSSDOCK_CACHE_DIR: stackPaths().cache,
    CROSSDOCK_KAFKA_PORT: String(base),
    CROSSDOCK_KAFKA_CONTROLLER_PORT: String(base + 1),
    CROSSDOCK_KAFKA_SASL_PORT: String(base + 2),
    CROSSDOCK_KAFKA_NODE_PORT_STEP: String(STEP),
    CROSSDOCK_REGISTRY_PORT: String(registry),
    CROSSDOCK_REGISTRY_MANAGEMENT_PORT: String(management),
    CROSSDOCK_REDIS_PORT: String(redis),
  };
  for (const k of ['JAVA_HOME', 'CROSSDOCK_REGISTRY_JAVA_HOME', 'CROSSDOCK_KAFKA_JAVA_HOME', 'CROSSDOCK_MVN'])
    if (process.env[k]) env[k] = process.env[k];
  // Parts left out are "external" (the stack starts nothing for them) and never asked.
  if (options.redis === false) env.REDIS_URL = 'redis://127.0.0.1:1';
  if (options.registry === false) env.CROSSDOCK_REGISTRY_URL = 'http://127.0.0.1:1';
  const paths = stackPaths(env);
  const timeoutMs = options.timeoutMs ?? 180_000;
  const stop = async () => {
    await down({ env, purge: true }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  };
  let endpoints: Endpoints;
  try {
    if (options.registry === false || options.redis === false) {
      // up() refuses a part the environment names that does not answer: start the brokers alone.
      fs.mkdirSync(paths.stackDir, { recursive: true });
      const cluster = await startKafkaCluster(paths, stackPorts(env), silentProgress, timeoutMs);
      writeState(paths, { ...readState(paths), kafkaCluster: cluster });
      endpoints = currentEndpoints(env);
    } else {
      endpoints = (await up({ env, brokers: CLUSTER_BROKERS, timeoutMs })).endpoints;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const nodes = () => readState(paths).kafkaCluster?.nodes ?? [];
  const pidOf = (id: number) => {
    const n = nodes().find((x) => x.id === id);
    if (!n) throw new Error(`no broker ${id} recorded in ${paths.stateFile}`);
    return n.pid;
  };
  return {
    home,
    env,
    endpoints,
    brokers: [...endpoints.kafkaBrokers],
    nodeOf(broker) {
      const port = Number(broker.split(':').pop());
      const n = nodes().find((x) => x.plaintext === port);
      if (!n) throw new Error(`no broker listens on ${broker}`);
      return n.id;
    },
    pidOf,
    async kill(id) {
      const pid = pidOf(id);
      process.kill(pid, 'SIGKILL');
      while (isPidAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    },
    async restart() {
      if (options.registry === false || options.redis === false) {
        const state = readState(paths);
        const cluster = await startKafkaCluster(
          paths,
          stackPorts(env),
          silentProgress,
          timeoutMs,
          state.kafkaCluster,
        );
        writeState(paths, { ...state, kafkaCluster: cluster });
      } else {
        await up({ env, timeoutMs });
      }
    },
    stop,
  };
}
