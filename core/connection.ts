/**
 * How the hub's own clients reach Kafka, the schema registry and Redis: where, over TLS or not,
 * and with which credentials.
 *
 * Contract: these are plain data (strings, arrays, nested plain objects; no functions, no
 * Buffers, no class instances), so a setup holding them is structured-clonable and crosses to
 * worker threads (router/analysis-worker.ts) unchanged. They come from the environment
 * (core/connection-env.ts, the variables listed in docs/configuration.md), never from hub.yaml,
 * and are turned into clients only by core/kafka.ts (createKafka), core/redis.ts (createRedis) and
 * core/registry.ts (registryRequest, createSchemaResolver, createRegistry). Certificates and keys
 * are PEM text (the files' contents, read once at start-up).
 *
 * Secret values (passwords, tokens, private keys) live in these objects and nowhere else: the URLs
 * and broker lists beside them carry none, so those may be shown in logs, errors and `--json`.
 */

/** TLS settings of a client: a CA bundle to trust instead of the system's, and a client certificate. */
export interface TlsSettings {
  /** PEM certificates to trust (each a whole PEM file); absent: the system's CAs. */
  ca?: string[];
  /** PEM client certificate (mutual TLS); set together with `key`. */
  cert?: string;
  /** PEM private key of `cert`. Secret. */
  key?: string;
}

export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** A Kafka cluster as the hub's clients log in to it. */
export interface KafkaConnection {
  /** Bootstrap servers, `host:port`. */
  brokers: string[];
  /** TLS on (SSL, SASL_SSL); absent: plain TCP (PLAINTEXT, SASL_PLAINTEXT). */
  ssl?: TlsSettings;
  /** SASL login (SASL_PLAINTEXT, SASL_SSL); absent: none. */
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/** HTTP authentication towards the schema registry. */
export type RegistryAuth =
  { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

/** A Confluent-compatible schema registry. */
export interface RegistryConnection {
  /** Base URL of the Confluent API (no trailing slash, no credentials). */
  url: string;
  auth?: RegistryAuth;
  /** PEM CA bundle to trust for an https URL instead of the system's. */
  ca?: string;
}

/** A Redis server, or a Redis Cluster (`cluster` set). */
export interface RedisConnection {
  /**
   * redis:// or rediss:// URL, or redis+cluster:// / rediss+cluster:// naming the cluster's seed
   * nodes (core/redis-cluster-url.ts); never holds a password (core/connection-env.ts moves it out).
   */
  url: string;
  /** Set for a Redis Cluster: the seed nodes of `url` (the client finds the others itself). */
  cluster?: { seeds: Array<{ host: string; port: number }> };
  /** ACL user (Redis 6+); absent: `default`. */
  username?: string;
  /** AUTH password. Secret. */
  password?: string;
  /** TLS settings; set (maybe empty) whenever the URL is rediss://. */
  tls?: TlsSettings;
}

/** Whether `value` is a KafkaConnection rather than a bare broker list. */
export function isKafkaConnection(value: unknown): value is KafkaConnection {
  return typeof value === 'object' && value !== null && Array.isArray((value as KafkaConnection).brokers);
}

/** Whether `value` is a RegistryConnection (a plain object with a url) rather than a URL string or a client. */
export function isRegistryConnection(value: unknown): value is RegistryConnection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RegistryConnection).url === 'string' &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The connection for a registry given as a URL (tests, benches) or as a connection. */
export function registryConnection(registry: string | RegistryConnection): RegistryConnection {
  return typeof registry === 'string' ? { url: registry.replace(/\/+$/, '') } : registry;
}

/** The connection for a Redis given as a URL (tests, benches) or as a connection. */
export function redisConnection(redis: string | RedisConnection): RedisConnection {
  return typeof redis === 'string' ? { url: redis } : redis;
}

/**
 * A URL with any user and password taken out, for display (`redis://:secret@host` → `redis://host`).
 * A string that is no URL is returned unchanged.
 */
export function withoutCredentials(url: string): string {
  if (/^rediss?\+cluster:\/\//i.test(url)) return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1');
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url;
  }
}
