import { defineCodes } from './errors';

/** Codes that belong to no single part. */
export const CORE_CODES = defineCodes({
  CD_E_INTERNAL: {
    meaning: 'An unexpected internal error (a bug in crossdock).',
    action: 'Run again with CROSSDOCK_DEBUG=1 to see the stack trace, and report it with the log.',
    retriable: false,
  },
  CD_E_METRICS_UNAUTHORIZED: {
    meaning:
      'The health server refused a request for /metrics or /status: a token is required (hub.health.tokenEnv or CROSSDOCK_METRICS_TOKEN) and the request carried none or another one. /healthz and /readyz need no token.',
    action:
      'Send `Authorization: Bearer <token>` with the token of the variable the hub reads (Prometheus: `authorization: { type: Bearer, credentials_file: … }` in the scrape job).',
    retriable: false,
  },
  CD_E_TOPIC_REPLICATION_TOO_HIGH: {
    meaning:
      "A topic was to be created with more replicas than the Kafka cluster has brokers running (hub.topics.replicationFactor, or a sink's topic settings, above the broker count); nothing was created.",
    action:
      "Set hub.topics.replicationFactor to at most the number of brokers (1 on the default local stack, 3 with `crossdock stack up --brokers 3`), or leave it unset (the brokers' default.replication.factor), or bring the missing brokers back, then start again.",
    retriable: false,
  },
  CD_E_USAGE: {
    meaning: 'A command was called with missing or invalid arguments.',
    action: 'Read `crossdock <command> --help`.',
    retriable: false,
  },
  CD_E_KAFKA_UNREACHABLE: {
    meaning:
      "No Kafka broker could be reached (connection refused, no answer within the client's retries) while a command started or ran; the message keeps the client's own words.",
    action:
      'Check that Kafka runs (`crossdock stack status`) and that CROSSDOCK_KAFKA_BROKERS names it; a supervisor may simply start the command again.',
    retriable: true,
  },
  CD_E_CONNECTION_SETTING_INVALID: {
    meaning:
      'A connection setting in the environment is unusable: a file named by a *_FILE variable is missing, unreadable, empty or holds no PEM certificate/key, a value is not one the variable takes (protocol, mechanism, URL scheme), or settings contradict each other (credentials with a protocol that has no SASL, a CA file for a plain-TCP URL, a value and its _FILE variant both set). The message names the variable and the file, never a secret.',
    action:
      'Fix the variable the message names (docs/configuration.md lists each one and what it takes), then start again.',
    retriable: false,
  },
  CD_E_KAFKA_AUTH_FAILED: {
    meaning:
      'Kafka refused the SASL login of the hub (wrong user or password, unknown user, or a mechanism the listener does not enable).',
    action:
      'Check CROSSDOCK_KAFKA_USERNAME, CROSSDOCK_KAFKA_PASSWORD (or CROSSDOCK_KAFKA_PASSWORD_FILE) and CROSSDOCK_KAFKA_SASL_MECHANISM against the user on the cluster; nothing was consumed or dead-lettered, start again once fixed.',
    retriable: false,
  },
  CD_E_KAFKA_TLS_FAILED: {
    meaning:
      'The TLS handshake with a Kafka broker failed: its certificate is not signed by a CA the hub trusts (self-signed, wrong CA), names another host, has expired, or the listener speaks no TLS.',
    action:
      "Point CROSSDOCK_KAFKA_CA_FILE at the CA that signed the brokers' certificates, check that CROSSDOCK_KAFKA_BROKERS uses the names in those certificates and that CROSSDOCK_KAFKA_SECURITY_PROTOCOL matches the listener (SSL/SASL_SSL for TLS).",
    retriable: false,
  },
  CD_E_REGISTRY_AUTH_FAILED: {
    meaning:
      'At start-up the schema registry answered 401 or 403: it wants credentials the hub did not send, or refused those it sent. (While the hub runs, a 401/403 is a retriable CD_E_REGISTRY_UNAVAILABLE instead: events wait, none is dead-lettered.)',
    action:
      'Check CROSSDOCK_REGISTRY_USERNAME with CROSSDOCK_REGISTRY_PASSWORD(_FILE), or CROSSDOCK_REGISTRY_TOKEN(_FILE), and the rights of that user on the registry.',
    retriable: false,
  },
  CD_E_REGISTRY_TLS_FAILED: {
    meaning:
      'The TLS handshake with the schema registry failed: its certificate is not signed by a CA the hub trusts, names another host, or has expired.',
    action:
      "Point CROSSDOCK_REGISTRY_CA_FILE at the CA that signed the registry's certificate and check that CROSSDOCK_REGISTRY_URL uses the host name in it.",
    retriable: false,
  },
  CD_E_REDIS_AUTH_FAILED: {
    meaning:
      'Redis refused the login (WRONGPASS: wrong user or password) or wants one the hub did not send (NOAUTH).',
    action:
      'Check CROSSDOCK_REDIS_USERNAME and CROSSDOCK_REDIS_PASSWORD (or CROSSDOCK_REDIS_PASSWORD_FILE, or the password inside REDIS_URL) against the Redis user.',
    retriable: false,
  },
  CD_E_REDIS_TLS_FAILED: {
    meaning:
      'The TLS handshake with Redis failed: its certificate is not signed by a CA the hub trusts, names another host, has expired, or the server speaks no TLS.',
    action:
      'Point CROSSDOCK_REDIS_CA_FILE at the CA that signed the Redis certificate, check the host name in REDIS_URL, and use rediss:// only for a TLS port.',
    retriable: false,
  },
  CD_E_KAFKAJS_UNPATCHED: {
    meaning:
      "kafkajs was loaded before crossdock's fixes of it (core/kafkajs-patch.ts): its read_committed filter, without which records of aborted transactions could reach this process, or its producer's retry (core/kafkajs-send-fix.ts), without which a send retried while another broker answered could write records twice; it refuses to start.",
    action:
      'Start crossdock through bin/crossdock.js, or import core/kafka (or core/kafkajs-patch) before anything that imports kafkajs.',
    retriable: false,
  },
  CD_E_REDIS_PREFIX_INVALID: {
    meaning:
      "A Redis key prefix (derived from the topic prefix, or a part's `redisPrefix` option) is empty, does not end with ':' or holds '{', '}' or spaces, so its keys could not keep their hash tags.",
    action:
      'Use a topic prefix of letters, digits, - and _ (hub.topicPrefix), or pass a redisPrefix such as `mytest:`.',
    retriable: false,
  },
  CD_E_REDIS_NOT_DURABLE: {
    meaning:
      'The Redis the hub would keep its state in could lose it silently: it writes no append-only file (no persistence, or RDB snapshots only, which lose every write since the last one) or its maxmemory-policy evicts keys. Retries, parked events and idempotency records that Kafka offsets were committed against would vanish with a restart or under memory pressure; the hub refuses to start.',
    action:
      "Turn on the append-only file and stop eviction (the message names each setting: `CONFIG SET appendonly yes`, `CONFIG SET maxmemory-policy noeviction`, then `CONFIG REWRITE`, or the same flags on redis-server), use the local stack's Redis (unset REDIS_URL), or, for a throwaway setup only, set `redis.durability: none` in the configuration.",
    retriable: false,
  },
  CD_E_REDIS_DURABILITY_UNKNOWN: {
    meaning:
      "The hub could not read the Redis's persistence settings (CONFIG GET is refused or renamed, as on many managed Redis services), so it cannot tell whether its state would survive a restart.",
    action:
      "Check in your provider's settings that the Redis persists with an append-only file and uses maxmemory-policy noeviction, then set `redis.durability: declared` in the configuration (or `none` for a throwaway setup).",
    retriable: false,
  },
  CD_E_LUA_SCRIPT_INVALID: {
    meaning:
      'A Lua script file lacks its contract header (KEYS, ARGV and Returns) or uses KEYS its header does not declare; crossdock refuses to load it.',
    action: 'Fix the header of the file named in the message (see core/lua.ts for the contract).',
    retriable: false,
  },
  CD_E_REDIS_CLUSTER_URL_INVALID: {
    meaning:
      'REDIS_URL starts with redis+cluster:// or rediss+cluster:// but is malformed: no node, an empty or malformed host:port, a port outside 1-65535, a node listed twice, a database other than 0, or a query string. The message names what is wrong and shows the URL without its password.',
    action:
      'Write it as `redis+cluster://[user:password@]host:port,host:port,...` (`rediss+cluster://` for TLS; docs/scaling.md), then start again.',
    retriable: false,
  },
  CD_E_REDIS_CROSS_SLOT: {
    meaning:
      'A Lua script (or MULTI) would touch keys in two Redis Cluster hash slots, which a cluster refuses; crossdock checks the keys before sending and refuses first, naming the script and two keys in different slots. A bug in how the caller builds its keys (core/names/redis-keys.ts gives each group one hash tag).',
    action: 'Report it with the message; the keys named must share one `{hash tag}`.',
    retriable: false,
  },
  CD_E_REDIS_CLUSTER_UNSUPPORTED: {
    meaning:
      'The operation cannot run on a Redis Cluster (REDIS_URL is redis+cluster://): the message names it. docs/scaling.md lists what a cluster cannot serve yet.',
    action: 'Run that operation against a standalone Redis, or leave it out on a cluster (docs/scaling.md).',
    retriable: false,
  },
});
