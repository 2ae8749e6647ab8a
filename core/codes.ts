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
  CD_E_KAFKAJS_UNPATCHED: {
    meaning:
      "kafkajs was loaded before crossdock's fix of its read_committed filter (core/kafkajs-patch.ts), so records of aborted transactions could reach this process; it refuses to start.",
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
});
