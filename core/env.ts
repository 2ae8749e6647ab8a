import type { KafkaConnection, RedisConnection, RegistryConnection } from './connection';
import { kafkaConnectionFromEnv, redisConnectionFromEnv, registryConnectionFromEnv } from './connection-env';
import { DEFAULT_TOPIC_PREFIX } from './names/topics';

/**
 * Infrastructure endpoints. Each comes from the environment when set (the user's own Kafka,
 * Confluent-compatible registry or Redis; crossdock then starts nothing for it) and otherwise
 * from the local stack's ports. Secrets also come from the environment, never from the repo.
 */
export const STACK_DEFAULTS = Object.freeze({
  kafkaPort: 19092,
  controllerPort: 19093,
  saslPort: 19094,
  /**
   * `crossdock stack up --brokers 3`: node n (1-3) listens on each Kafka port + (n-1) x this step
   * (19092/19093/19094, 19102/19103/19104, 19112/19113/19114).
   */
  kafkaNodePortStep: 10,
  registryPort: 18081,
  registryManagementPort: 19001,
  redisPort: 16379,
  /** First of the six ports of `crossdock stack up --redis-cluster` (17001-17006; buses +10000). */
  redisClusterPort: 17001,
  registryPath: '/apis/ccompat/v7',
});

export interface StackPorts {
  kafka: number;
  controller: number;
  sasl: number;
  /** Distance between the ports of two Kafka nodes of a multi-broker stack (`up --brokers 3`). */
  kafkaNodeStep: number;
  registry: number;
  registryManagement: number;
  /** The stack's own redis-server (AOF on, loopback only). */
  redis: number;
  /** First port of the stack's Redis Cluster (`stack up --redis-cluster`): six in a row. */
  redisCluster: number;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  return n;
}

/** Local stack ports; each can be moved by an environment variable (tests run a second stack). */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  return {
    kafka: portFrom(env, 'CROSSDOCK_KAFKA_PORT', STACK_DEFAULTS.kafkaPort),
    controller: portFrom(env, 'CROSSDOCK_KAFKA_CONTROLLER_PORT', STACK_DEFAULTS.controllerPort),
    sasl: portFrom(env, 'CROSSDOCK_KAFKA_SASL_PORT', STACK_DEFAULTS.saslPort),
    kafkaNodeStep: portFrom(env, 'CROSSDOCK_KAFKA_NODE_PORT_STEP', STACK_DEFAULTS.kafkaNodePortStep),
    registry: portFrom(env, 'CROSSDOCK_REGISTRY_PORT', STACK_DEFAULTS.registryPort),
    registryManagement: portFrom(
      env,
      'CROSSDOCK_REGISTRY_MANAGEMENT_PORT',
      STACK_DEFAULTS.registryManagementPort,
    ),
    redis: portFrom(env, 'CROSSDOCK_REDIS_PORT', STACK_DEFAULTS.redisPort),
    redisCluster: portFrom(env, 'CROSSDOCK_REDIS_CLUSTER_PORT', STACK_DEFAULTS.redisClusterPort),
  };
}

export interface Endpoints {
  /** How the hub's clients reach Kafka (TLS, SASL: core/connection-env.ts). */
  kafka: KafkaConnection;
  /** How the hub's clients reach the schema registry (auth, CA). */
  registry: RegistryConnection;
  /** How the hub's clients reach Redis (user, password, TLS). */
  redis: RedisConnection;
  /** Kafka bootstrap servers of `kafka`, for display (the local stack: its PLAINTEXT listener). */
  kafkaBrokers: string[];
  /** Kafka SASL_PLAINTEXT bootstrap servers (SCRAM logins for sites); empty when unknown. */
  kafkaSaslBrokers: string[];
  /** Base URL of the Confluent-compatible API, for display (holds no credentials). */
  registryUrl: string;
  /** The Redis URL, for display: never holds a password (it is in `redis.password`). */
  redisUrl: string;
  /** Which endpoints the user supplied (the local stack starts nothing for those). */
  external: { kafka: boolean; registry: boolean; redis: boolean };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Endpoints from the environment, else the local stack's. Redis is the user's only through
 * REDIS_URL; otherwise it is the stack's own redis-server (AOF on) on CROSSDOCK_REDIS_PORT
 * (default 16379), never whatever else may answer on Redis's usual 6379. TLS and credentials
 * come from the variables of core/connection-env.ts; for the local stack there are none
 * (PLAINTEXT on loopback, no auth). `stackKafka` names the stack's brokers when it runs more than
 * one (`stack up --brokers 3`: every node's PLAINTEXT and SASL listener); the variables still win.
 * @throws CrossdockError CD_E_CONNECTION_SETTING_INVALID for a bad or contradictory setting
 */
export function resolveEndpoints(
  env: NodeJS.ProcessEnv = process.env,
  stackKafka?: { brokers: string[]; saslBrokers: string[] },
): Endpoints {
  const ports = stackPorts(env);
  const kafkaGiven = env.CROSSDOCK_KAFKA_BROKERS;
  const registryGiven = env.CROSSDOCK_REGISTRY_URL;
  const redisGiven = env.REDIS_URL;
  const saslEnv = env.CROSSDOCK_KAFKA_SASL_BROKERS;
  const kafka = kafkaConnectionFromEnv(env, stackKafka?.brokers ?? [`127.0.0.1:${ports.kafka}`]);
  const registry = registryConnectionFromEnv(
    env,
    `http://127.0.0.1:${ports.registry}${STACK_DEFAULTS.registryPath}`,
  );
  const redis = redisConnectionFromEnv(env, `redis://127.0.0.1:${ports.redis}`);
  return {
    kafka,
    registry,
    redis,
    kafkaBrokers: [...kafka.brokers],
    kafkaSaslBrokers: saslEnv
      ? list(saslEnv)
      : kafkaGiven
        ? []
        : (stackKafka?.saslBrokers ?? [`127.0.0.1:${ports.sasl}`]),
    registryUrl: registry.url,
    redisUrl: redis.url,
    external: { kafka: Boolean(kafkaGiven), registry: Boolean(registryGiven), redis: Boolean(redisGiven) },
  };
}

/** Topic prefix (docs/design.md: `cd`, configurable): CROSSDOCK_TOPIC_PREFIX, else the default (core/names/topics.ts). */
export function topicPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.CROSSDOCK_TOPIC_PREFIX ?? DEFAULT_TOPIC_PREFIX;
}
