import { withoutCredentials } from './connection';
import { CrossdockError } from './errors';
import { kafkaUnreachable } from './kafka-errors';

/**
 * Connection failures that no retry will mend, turned into coded errors naming the endpoint and
 * the variables to check (never a secret): a refused login and a failed TLS handshake, for Kafka,
 * the schema registry and Redis. Each recognises its client's errors by name, code and message,
 * so reporting them (cli/output.ts) loads neither kafkajs nor ioredis.
 *
 * Contract: each returns undefined for any other error (the caller keeps its own mapping, e.g.
 * CD_E_KAFKA_UNREACHABLE). They are meant for the first connection (hub start-up, a CLI command):
 * while the hub runs, a registry 401 stays a retriable CD_E_REGISTRY_UNAVAILABLE (core/registry.ts).
 */

/** Node's TLS error codes (and OpenSSL's) that say the handshake or the verification failed. */
const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|EPROTO$)/;
const TLS_MESSAGES =
  /self[- ]signed certificate|unable to (verify|get local issuer)|certificate (has expired|is not yet valid|signature failure)|does not match certificate's altnames|wrong version number|before secure TLS connection was established|SSL routines|tlsv1 alert|handshake failure|packet length too long/i;

/** The error and its causes (cause, originalError), outermost first, at most 8 deep. */
interface Link {
  name?: string;
  code?: unknown;
  type?: unknown;
  broker?: unknown;
  message: string;
}

function chain(err: unknown): Link[] {
  const out: Link[] = [];
  let e: unknown = err;
  while (e !== null && typeof e === 'object' && out.length < 8) {
    const x = e as { name?: string; code?: unknown; type?: unknown; broker?: unknown; message?: unknown };
    out.push({
      name: x.name,
      code: x.code,
      type: x.type,
      broker: x.broker,
      message: String(x.message ?? ''),
    });
    const next = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
    if (next === e) break;
    e = next;
  }
  return out;
}

/** Whether `err` (or one of its causes) is a failed TLS handshake or certificate verification. */
export function isTlsFailure(err: unknown): boolean {
  return chain(err).some(
    (e) => (typeof e.code === 'string' && TLS_CODES.test(e.code)) || TLS_MESSAGES.test(e.message),
  );
}

/** The first TLS error code in `err`'s chain (for details), if any. */
function tlsCode(err: unknown): string | undefined {
  const found = chain(err).find((e) => typeof e.code === 'string' && TLS_CODES.test(e.code));
  return found ? String(found.code) : undefined;
}

const KAFKA_SASL_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** Whether a kafkajs error says the SASL login was refused. */
export function isKafkaAuthFailure(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      e.name === 'KafkaJSSASLAuthenticationError' ||
      (typeof e.type === 'string' && KAFKA_SASL_TYPES.has(e.type)),
  );
}

function firstLine(err: unknown): string {
  const deepest = chain(err).at(-1);
  return (deepest?.message ?? String(err)).split('\n')[0]!.slice(0, 300);
}

/**
 * A kafkajs error that is a refused SASL login (CD_E_KAFKA_AUTH_FAILED) or a failed TLS handshake
 * (CD_E_KAFKA_TLS_FAILED), else undefined. `brokers` is shown as is (it holds no secret).
 */
export function kafkaConnectionFailure(err: unknown, brokers?: string): CrossdockError | undefined {
  const where = brokers ? `Kafka at ${brokers}` : 'Kafka';
  if (isKafkaAuthFailure(err))
    return new CrossdockError(
      'CD_E_KAFKA_AUTH_FAILED',
      `${where} refused the hub's SASL login (${firstLine(err)}); check CROSSDOCK_KAFKA_USERNAME, CROSSDOCK_KAFKA_PASSWORD or CROSSDOCK_KAFKA_PASSWORD_FILE, and CROSSDOCK_KAFKA_SASL_MECHANISM`,
      { cause: err, details: { ...(brokers ? { brokers } : {}) } },
    );
  if (isTlsFailure(err)) {
    const code = tlsCode(err);
    return new CrossdockError(
      'CD_E_KAFKA_TLS_FAILED',
      `TLS with ${where} failed (${firstLine(err)}); check CROSSDOCK_KAFKA_CA_FILE, the host names in CROSSDOCK_KAFKA_BROKERS and CROSSDOCK_KAFKA_SECURITY_PROTOCOL`,
      { cause: err, details: { ...(brokers ? { brokers } : {}), ...(code ? { tlsCode: code } : {}) } },
    );
  }
  return undefined;
}

/** Whether a Redis error says the login was refused or is missing (WRONGPASS, NOAUTH, AUTH errors). */
export function isRedisAuthFailure(err: unknown): boolean {
  return chain(err).some((e) =>
    /\b(WRONGPASS|NOAUTH)\b|\bERR (AUTH\b|invalid password|Client sent AUTH)/.test(e.message),
  );
}

/**
 * A Redis error that is a refused login (CD_E_REDIS_AUTH_FAILED) or a failed TLS handshake
 * (CD_E_REDIS_TLS_FAILED), else undefined. `url` must hold no password (RedisConnection.url).
 */
export function redisConnectionFailure(err: unknown, url?: string): CrossdockError | undefined {
  const where = url ? `Redis at ${url}` : 'Redis';
  if (isRedisAuthFailure(err))
    return new CrossdockError(
      'CD_E_REDIS_AUTH_FAILED',
      `${where} refused the hub's login (${/WRONGPASS|NOAUTH/.exec(firstLine(err))?.[0] ?? 'AUTH'}); check CROSSDOCK_REDIS_USERNAME and CROSSDOCK_REDIS_PASSWORD or CROSSDOCK_REDIS_PASSWORD_FILE (or the password in REDIS_URL)`,
      { cause: err, details: { ...(url ? { url } : {}) } },
    );
  if (isTlsFailure(err)) {
    const code = tlsCode(err);
    return new CrossdockError(
      'CD_E_REDIS_TLS_FAILED',
      `TLS with ${where} failed (${firstLine(err)}); check CROSSDOCK_REDIS_CA_FILE, the host name in REDIS_URL, and that a rediss:// URL points at a TLS port`,
      { cause: err, details: { ...(url ? { url } : {}), ...(code ? { tlsCode: code } : {}) } },
    );
  }
  return undefined;
}

/**
 * A registry failure at start-up: a 401/403 reply (CD_E_REGISTRY_AUTH_FAILED) or a failed TLS
 * handshake (CD_E_REGISTRY_TLS_FAILED), else undefined. `status` is the reply's status when
 * there was one; `err` the error of a call that got none.
 */
export function registryConnectionFailure(
  url: string,
  failure: { status: number } | { error: unknown },
): CrossdockError | undefined {
  if ('status' in failure) {
    if (failure.status !== 401 && failure.status !== 403) return undefined;
    return new CrossdockError(
      'CD_E_REGISTRY_AUTH_FAILED',
      `the schema registry at ${url} answered ${failure.status} (${failure.status === 401 ? 'credentials missing or refused' : 'forbidden'}); check CROSSDOCK_REGISTRY_USERNAME with CROSSDOCK_REGISTRY_PASSWORD(_FILE), or CROSSDOCK_REGISTRY_TOKEN(_FILE)`,
      { details: { url, status: failure.status } },
    );
  }
  if (!isTlsFailure(failure.error)) return undefined;
  const code = tlsCode(failure.error);
  return new CrossdockError(
    'CD_E_REGISTRY_TLS_FAILED',
    `TLS with the schema registry at ${url} failed (${firstLine(failure.error)}); check CROSSDOCK_REGISTRY_CA_FILE and the host name in CROSSDOCK_REGISTRY_URL`,
    { cause: failure.error, details: { url, ...(code ? { tlsCode: code } : {}) } },
  );
}

/**
 * The CLI's mapping of a client error nobody coded (cli/output.ts): a refused Kafka login or TLS
 * handshake, a refused Redis login or TLS handshake, else a Kafka that cannot be reached
 * (CD_E_KAFKA_UNREACHABLE, core/kafka-errors.ts); undefined for anything else. The endpoints
 * named are the environment's, without credentials.
 */
export function clientConnectionError(
  err: unknown,
  env: NodeJS.ProcessEnv = process.env,
): CrossdockError | undefined {
  const broker = chain(err)
    .map((e) => e.broker)
    .find((b): b is string => typeof b === 'string');
  const brokers = env.CROSSDOCK_KAFKA_BROKERS || broker;
  const redisUrl = env.REDIS_URL ? withoutCredentials(env.REDIS_URL) : undefined;
  return (
    kafkaConnectionFailure(err, brokers) ?? redisConnectionFailure(err, redisUrl) ?? kafkaUnreachable(err)
  );
}
