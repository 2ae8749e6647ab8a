import fs from 'node:fs';
import { CrossdockError } from './errors';
import type {
  KafkaConnection,
  KafkaSaslMechanism,
  RedisConnection,
  RegistryAuth,
  RegistryConnection,
  TlsSettings,
} from './connection';
import { isClusterUrl, parseClusterUrl } from './redis-cluster-url';

/**
 * The hub's connection settings from the environment (the contract of docs/configuration.md).
 *
 * Contract: secrets (passwords, tokens, private keys) come only from environment variables or
 * from files named by `<NAME>_FILE` variables, never from hub.yaml. A value and its `_FILE`
 * variant together, a file that is missing, unreadable or empty, a certificate or key that is no
 * PEM, an unknown protocol or mechanism, or settings that contradict each other (credentials for
 * a protocol without SASL, a CA for a plain-TCP URL) throw CD_E_CONNECTION_SETTING_INVALID naming
 * the variable (and the file's path), never a secret value. An empty variable counts as unset.
 */

/** The variables whose values are secrets: redact them wherever a value could be shown. */
export const SECRET_ENV_NAMES = Object.freeze([
  'CROSSDOCK_KAFKA_PASSWORD',
  'CROSSDOCK_REGISTRY_PASSWORD',
  'CROSSDOCK_REGISTRY_TOKEN',
  'CROSSDOCK_REDIS_PASSWORD',
] as const);

/** The variables naming files whose contents are secrets (the path itself is not). */
export const SECRET_FILE_ENV_NAMES = Object.freeze([
  'CROSSDOCK_KAFKA_PASSWORD_FILE',
  'CROSSDOCK_KAFKA_KEY_FILE',
  'CROSSDOCK_REGISTRY_PASSWORD_FILE',
  'CROSSDOCK_REGISTRY_TOKEN_FILE',
  'CROSSDOCK_REDIS_PASSWORD_FILE',
  'CROSSDOCK_REDIS_KEY_FILE',
] as const);

/** REDIS_URL may hold a password (redis://user:password@host): read it with its password moved out. */
export const REDIS_URL_ENV_NAME = 'REDIS_URL';

type Env = NodeJS.ProcessEnv;

function invalid(variable: string, message: string, details: Record<string, unknown> = {}): CrossdockError {
  return new CrossdockError('CD_E_CONNECTION_SETTING_INVALID', `${variable}: ${message}`, {
    details: { variable, ...details },
  });
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** The contents of the file `name` names; undefined when the variable is unset. */
function fileContents(env: Env, name: string): string | undefined {
  const path = value(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw invalid(name, `cannot read the file ${path} (${why})`, { path });
  }
  if (text.trim() === '') throw invalid(name, `the file ${path} is empty`, { path });
  return text;
}

/**
 * A secret from `name` or the file `name_FILE` names (one trailing newline of the file dropped).
 * Both set is an error: which one is meant cannot be told.
 */
function secret(env: Env, name: string): string | undefined {
  const direct = value(env, name);
  const fileVar = `${name}_FILE`;
  if (direct !== undefined && value(env, fileVar) !== undefined)
    throw invalid(name, `both ${name} and ${fileVar} are set; set one of them`);
  if (direct !== undefined) return direct;
  return fileContents(env, fileVar)?.replace(/\r?\n$/, '');
}

function pem(env: Env, name: string, kind: 'certificate' | 'key'): string | undefined {
  const text = fileContents(env, name);
  if (text === undefined) return undefined;
  const ok =
    kind === 'certificate'
      ? text.includes('-----BEGIN CERTIFICATE-----')
      : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  if (!ok)
    throw invalid(
      name,
      `the file ${value(env, name)} holds no PEM ${kind === 'key' ? 'private key' : 'certificate'}`,
      { path: value(env, name) },
    );
  return text;
}

/** TLS settings from `<prefix>_CA_FILE`, `_CERT_FILE`, `_KEY_FILE` (cert and key go together). */
function tlsFiles(env: Env, prefix: string, withClientCert: boolean): TlsSettings {
  const ca = pem(env, `${prefix}_CA_FILE`, 'certificate');
  const tls: TlsSettings = ca ? { ca: [ca] } : {};
  if (!withClientCert) return tls;
  const cert = pem(env, `${prefix}_CERT_FILE`, 'certificate');
  const key = pem(env, `${prefix}_KEY_FILE`, 'key');
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? `${prefix}_CERT_FILE` : `${prefix}_KEY_FILE`;
    throw invalid(missing, `a client certificate needs both ${prefix}_CERT_FILE and ${prefix}_KEY_FILE`);
  }
  return { ...tls, ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
}

function tlsVariablesSet(env: Env, prefix: string): string[] {
  return ['CA_FILE', 'CERT_FILE', 'KEY_FILE']
    .map((s) => `${prefix}_${s}`)
    .filter((n) => value(env, n) !== undefined);
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS: Record<string, KafkaSaslMechanism> = {
  'SCRAM-SHA-512': 'scram-sha-512',
  'SCRAM-SHA-256': 'scram-sha-256',
  PLAIN: 'plain',
};

/**
 * Kafka: CROSSDOCK_KAFKA_BROKERS (else `defaultBrokers`, the local stack's PLAINTEXT listener),
 * CROSSDOCK_KAFKA_SECURITY_PROTOCOL (PLAINTEXT by default), CROSSDOCK_KAFKA_SASL_MECHANISM
 * (SCRAM-SHA-512 by default), CROSSDOCK_KAFKA_USERNAME, CROSSDOCK_KAFKA_PASSWORD(_FILE),
 * CROSSDOCK_KAFKA_CA_FILE, CROSSDOCK_KAFKA_CERT_FILE, CROSSDOCK_KAFKA_KEY_FILE.
 */
export function kafkaConnectionFromEnv(env: Env, defaultBrokers: string[]): KafkaConnection {
  const rawProtocol = value(env, 'CROSSDOCK_KAFKA_SECURITY_PROTOCOL') ?? 'PLAINTEXT';
  const protocol = rawProtocol.toUpperCase() as (typeof PROTOCOLS)[number];
  if (!PROTOCOLS.includes(protocol))
    throw invalid(
      'CROSSDOCK_KAFKA_SECURITY_PROTOCOL',
      `${JSON.stringify(rawProtocol)} is not one of ${PROTOCOLS.join(', ')}`,
    );
  const brokersRaw = value(env, 'CROSSDOCK_KAFKA_BROKERS');
  if (brokersRaw === undefined && protocol !== 'PLAINTEXT')
    throw invalid(
      'CROSSDOCK_KAFKA_BROKERS',
      `is needed with CROSSDOCK_KAFKA_SECURITY_PROTOCOL=${protocol} (the local stack's default listener is PLAINTEXT)`,
    );
  const brokers = brokersRaw === undefined ? defaultBrokers : list(brokersRaw);
  if (brokers.length === 0) throw invalid('CROSSDOCK_KAFKA_BROKERS', 'names no broker');
  const bad = brokers.find((b) => !/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[^\]]+\]:\d{1,5}$/.test(b));
  if (bad !== undefined)
    throw invalid('CROSSDOCK_KAFKA_BROKERS', `${JSON.stringify(bad)} is not host:port`, { broker: bad });

  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const connection: KafkaConnection = { brokers };

  const username = value(env, 'CROSSDOCK_KAFKA_USERNAME');
  const password = secret(env, 'CROSSDOCK_KAFKA_PASSWORD');
  if (sasl) {
    const rawMechanism = value(env, 'CROSSDOCK_KAFKA_SASL_MECHANISM') ?? 'SCRAM-SHA-512';
    const mechanism = MECHANISMS[rawMechanism.toUpperCase()];
    if (!mechanism)
      throw invalid(
        'CROSSDOCK_KAFKA_SASL_MECHANISM',
        `${JSON.stringify(rawMechanism)} is not one of ${Object.keys(MECHANISMS).join(', ')}`,
      );
    if (username === undefined)
      throw invalid(
        'CROSSDOCK_KAFKA_USERNAME',
        `is needed with CROSSDOCK_KAFKA_SECURITY_PROTOCOL=${protocol}`,
      );
    if (password === undefined)
      throw invalid(
        'CROSSDOCK_KAFKA_PASSWORD',
        `CROSSDOCK_KAFKA_PASSWORD or CROSSDOCK_KAFKA_PASSWORD_FILE is needed with CROSSDOCK_KAFKA_SECURITY_PROTOCOL=${protocol}`,
      );
    connection.sasl = { mechanism, username, password };
  } else {
    const set = ['CROSSDOCK_KAFKA_USERNAME', 'CROSSDOCK_KAFKA_SASL_MECHANISM'].filter(
      (n) => value(env, n) !== undefined,
    );
    if (password !== undefined) set.push('CROSSDOCK_KAFKA_PASSWORD');
    if (set.length)
      throw invalid(
        set[0]!,
        `is set but CROSSDOCK_KAFKA_SECURITY_PROTOCOL is ${protocol}, which logs in with no SASL; set SASL_SSL (or SASL_PLAINTEXT) to use it`,
      );
  }
  if (tls) connection.ssl = tlsFiles(env, 'CROSSDOCK_KAFKA', true);
  else {
    const set = tlsVariablesSet(env, 'CROSSDOCK_KAFKA');
    if (set.length)
      throw invalid(
        set[0]!,
        `is set but CROSSDOCK_KAFKA_SECURITY_PROTOCOL is ${protocol}, which uses no TLS; set SSL or SASL_SSL to use it`,
      );
  }
  return connection;
}

function parseUrl(variable: string, raw: string, schemes: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(variable, `is not a URL`);
  }
  if (!schemes.includes(url.protocol))
    throw invalid(
      variable,
      `must start with ${schemes.map((s) => `${s}//`).join(' or ')} (found ${url.protocol}//)`,
    );
  return url;
}

/**
 * The registry: CROSSDOCK_REGISTRY_URL (else `defaultUrl`), basic auth from
 * CROSSDOCK_REGISTRY_USERNAME + CROSSDOCK_REGISTRY_PASSWORD(_FILE) or a bearer token from
 * CROSSDOCK_REGISTRY_TOKEN(_FILE), and CROSSDOCK_REGISTRY_CA_FILE for an https URL.
 */
export function registryConnectionFromEnv(env: Env, defaultUrl: string): RegistryConnection {
  const given = value(env, 'CROSSDOCK_REGISTRY_URL');
  const raw = (given ?? defaultUrl).replace(/\/+$/, '');
  const url = parseUrl('CROSSDOCK_REGISTRY_URL', raw, ['http:', 'https:']);
  if (url.username || url.password)
    throw invalid(
      'CROSSDOCK_REGISTRY_URL',
      'holds a user or password; put them in CROSSDOCK_REGISTRY_USERNAME and CROSSDOCK_REGISTRY_PASSWORD(_FILE) instead',
    );
  const connection: RegistryConnection = { url: raw };
  const username = value(env, 'CROSSDOCK_REGISTRY_USERNAME');
  const password = secret(env, 'CROSSDOCK_REGISTRY_PASSWORD');
  const token = secret(env, 'CROSSDOCK_REGISTRY_TOKEN');
  if (token !== undefined && (username !== undefined || password !== undefined))
    throw invalid(
      'CROSSDOCK_REGISTRY_TOKEN',
      'is set together with CROSSDOCK_REGISTRY_USERNAME/PASSWORD; use either a bearer token or basic auth',
    );
  let auth: RegistryAuth | undefined;
  if (token !== undefined) auth = { kind: 'bearer', token };
  else if (username !== undefined || password !== undefined) {
    if (username === undefined)
      throw invalid('CROSSDOCK_REGISTRY_USERNAME', 'is needed with CROSSDOCK_REGISTRY_PASSWORD');
    if (password === undefined)
      throw invalid(
        'CROSSDOCK_REGISTRY_PASSWORD',
        'CROSSDOCK_REGISTRY_PASSWORD or CROSSDOCK_REGISTRY_PASSWORD_FILE is needed with CROSSDOCK_REGISTRY_USERNAME',
      );
    auth = { kind: 'basic', username, password };
  }
  if (auth) connection.auth = auth;
  const ca = pem(env, 'CROSSDOCK_REGISTRY_CA_FILE', 'certificate');
  if (ca !== undefined) {
    if (url.protocol !== 'https:')
      throw invalid(
        'CROSSDOCK_REGISTRY_CA_FILE',
        'is set but CROSSDOCK_REGISTRY_URL is http://; use an https:// URL',
      );
    connection.ca = ca;
  }
  return connection;
}

/**
 * Redis: REDIS_URL (redis:// or rediss://, or redis+cluster:// / rediss+cluster:// for a Redis
 * Cluster; else `defaultUrl`), CROSSDOCK_REDIS_USERNAME,
 * CROSSDOCK_REDIS_PASSWORD(_FILE), CROSSDOCK_REDIS_CA_FILE, CROSSDOCK_REDIS_CERT_FILE,
 * CROSSDOCK_REDIS_KEY_FILE (rediss:// only). A user or password inside REDIS_URL is moved into
 * the connection, so its `url` holds none.
 */
export function redisConnectionFromEnv(env: Env, defaultUrl: string): RedisConnection {
  const raw = value(env, 'REDIS_URL') ?? defaultUrl;
  const { connection, inUrl, tls } = isClusterUrl(raw) ? clusterTarget(raw) : serverTarget(raw);
  const username = value(env, 'CROSSDOCK_REDIS_USERNAME');
  const password = secret(env, 'CROSSDOCK_REDIS_PASSWORD');
  if (username !== undefined && inUrl.username !== undefined)
    throw invalid('CROSSDOCK_REDIS_USERNAME', 'is set and REDIS_URL holds a user too; keep one of them');
  if (password !== undefined && inUrl.password !== undefined)
    throw invalid('CROSSDOCK_REDIS_PASSWORD', 'is set and REDIS_URL holds a password too; keep one of them');
  const user = username ?? inUrl.username;
  const pass = password ?? inUrl.password;
  if (user !== undefined) connection.username = user;
  if (pass !== undefined) connection.password = pass;
  if (tls) connection.tls = tlsFiles(env, 'CROSSDOCK_REDIS', true);
  else {
    const set = tlsVariablesSet(env, 'CROSSDOCK_REDIS');
    if (set.length) throw invalid(set[0]!, 'is set but REDIS_URL is redis://; use rediss:// for TLS');
  }
  return connection;
}

interface RedisTarget {
  connection: RedisConnection;
  inUrl: { username?: string; password?: string };
  tls: boolean;
}

/** A redis:// or rediss:// URL: one server. */
function serverTarget(raw: string): RedisTarget {
  const url = parseUrl('REDIS_URL', raw, ['redis:', 'rediss:']);
  const inUrl = {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
  url.username = '';
  url.password = '';
  return { connection: { url: url.toString() }, inUrl, tls: url.protocol === 'rediss:' };
}

/** A redis+cluster:// or rediss+cluster:// URL: a Redis Cluster by its seed nodes. */
function clusterTarget(raw: string): RedisTarget {
  const parsed = parseClusterUrl(raw);
  return {
    connection: { url: parsed.display, cluster: { seeds: parsed.seeds.map((s) => ({ ...s })) } },
    inUrl: { username: parsed.username, password: parsed.password },
    tls: parsed.tls,
  };
}

/**
 * Every connection variable and what it does (docs/configuration.md is generated from this list;
 * `secret`: the value is a secret, `secretFile`: the file it names holds one).
 */
export const CONNECTION_ENV_VARIABLES: ReadonlyArray<{
  name: string;
  meaning: string;
  secret?: boolean;
  secretFile?: boolean;
}> = Object.freeze([
  {
    name: 'CROSSDOCK_KAFKA_BROKERS',
    meaning:
      "Bootstrap servers, `host:port,host:port`. Unset: the local stack's PLAINTEXT listener on 127.0.0.1 (the stack then starts Kafka).",
  },
  {
    name: 'CROSSDOCK_KAFKA_SECURITY_PROTOCOL',
    meaning:
      '`PLAINTEXT` (default), `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, as the listener speaks. Any but PLAINTEXT needs CROSSDOCK_KAFKA_BROKERS.',
  },
  {
    name: 'CROSSDOCK_KAFKA_SASL_MECHANISM',
    meaning:
      '`SCRAM-SHA-512` (default), `SCRAM-SHA-256` or `PLAIN` (PLAIN only over SASL_SSL: it sends the password as is).',
  },
  {
    name: 'CROSSDOCK_KAFKA_USERNAME',
    meaning: "The hub's SASL user (SASL_* protocols; required there, refused otherwise).",
  },
  { name: 'CROSSDOCK_KAFKA_PASSWORD', meaning: 'Its password.', secret: true },
  {
    name: 'CROSSDOCK_KAFKA_PASSWORD_FILE',
    meaning:
      'A file holding the password instead (one trailing newline ignored); not with CROSSDOCK_KAFKA_PASSWORD.',
    secretFile: true,
  },
  {
    name: 'CROSSDOCK_KAFKA_CA_FILE',
    meaning: "PEM CA bundle that signed the brokers' certificates (SSL, SASL_SSL). Unset: the system's CAs.",
  },
  {
    name: 'CROSSDOCK_KAFKA_CERT_FILE',
    meaning: 'PEM client certificate for mutual TLS (with CROSSDOCK_KAFKA_KEY_FILE).',
  },
  { name: 'CROSSDOCK_KAFKA_KEY_FILE', meaning: 'PEM private key of that certificate.', secretFile: true },
  {
    name: 'CROSSDOCK_REGISTRY_URL',
    meaning:
      "Base URL of the Confluent API (`http://host:8081`, Apicurio's `…/apis/ccompat/v7`), without credentials. Unset: the local stack's.",
  },
  { name: 'CROSSDOCK_REGISTRY_USERNAME', meaning: 'Basic-auth user (with CROSSDOCK_REGISTRY_PASSWORD).' },
  { name: 'CROSSDOCK_REGISTRY_PASSWORD', meaning: 'Basic-auth password.', secret: true },
  { name: 'CROSSDOCK_REGISTRY_PASSWORD_FILE', meaning: 'A file holding it instead.', secretFile: true },
  {
    name: 'CROSSDOCK_REGISTRY_TOKEN',
    meaning: 'A bearer token (`Authorization: Bearer …`) instead of basic auth.',
    secret: true,
  },
  { name: 'CROSSDOCK_REGISTRY_TOKEN_FILE', meaning: 'A file holding the token instead.', secretFile: true },
  {
    name: 'CROSSDOCK_REGISTRY_CA_FILE',
    meaning: "PEM CA bundle for an https registry URL. Unset: the system's CAs.",
  },
  {
    name: 'REDIS_URL',
    meaning:
      "`redis://host:port[/db]` or `rediss://` for TLS; a Redis Cluster as `redis+cluster://host:port,host:port,...` (seed nodes; `rediss+cluster://` for TLS; docs/scaling.md). Unset: the local stack's Redis. A user and password inside still work; they are moved out, so the URL shown anywhere holds none.",
  },
  { name: 'CROSSDOCK_REDIS_USERNAME', meaning: 'Redis ACL user (Redis 6+). Unset: `default`.' },
  { name: 'CROSSDOCK_REDIS_PASSWORD', meaning: 'AUTH password.', secret: true },
  { name: 'CROSSDOCK_REDIS_PASSWORD_FILE', meaning: 'A file holding it instead.', secretFile: true },
  { name: 'CROSSDOCK_REDIS_CA_FILE', meaning: "PEM CA bundle for rediss:// (unset: the system's CAs)." },
  {
    name: 'CROSSDOCK_REDIS_CERT_FILE',
    meaning: 'PEM client certificate (with CROSSDOCK_REDIS_KEY_FILE), rediss:// only.',
  },
  { name: 'CROSSDOCK_REDIS_KEY_FILE', meaning: 'PEM private key of that certificate.', secretFile: true },
]);
