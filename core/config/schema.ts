import { DEFAULT_TOPIC_PREFIX } from '../names/topics';
import { ROUTE_SCHEMA } from './route-schema';

/**
 * The plumbing sections of the hub configuration's JSON Schema (hub settings, sites, subscribers,
 * routes, rules) and the function that places the parts' fragments in them. The `connector`,
 * `sink` and `delivery` fragments belong to the parts that read them and are handed in by the
 * composition root (hub/config.ts), so core knows no part and the fragments can grow without a
 * change here. Defaults live in the schema (`default`), are applied by ajv (`useDefaults`) and are
 * documented from it in docs/configuration.md.
 */

/** A JSON Schema (draft-07) object, as the parts declare their fragments. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The fragments the parts own, placed by `composeHubConfigSchema`. */
export interface PartConfigFragments {
  /** `sites[].connector`: the source connector's section (connectors/sources). */
  readonly source: JsonSchema;
  /** `subscribers[].sink`: the sink's section (connectors/sinks). */
  readonly sink: JsonSchema;
  /** `subscribers[].delivery`: retries, ordering, breaker, idempotency (retry/). */
  readonly delivery: JsonSchema;
  /**
   * `flows`: the business flows the flow tracker follows (flows/config-schema.ts), a top-level
   * section. Absent: the configuration has no `flows` section.
   */
  readonly flows?: JsonSchema;
}

/**
 * Ids (sites, subscribers, groups) become parts of topic names and Redis keys: keep them to what
 * both accept. HTTP ingest checks the site id of its URL against the same pattern.
 */
export const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
const ID = { type: 'string', pattern: ID_PATTERN } as const;

export const HUB_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'Settings of the hub as a whole.',
  properties: {
    topicPrefix: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      default: DEFAULT_TOPIC_PREFIX,
      description: 'Prefix of every topic name (`<prefix>.ingress.<siteId>`, …).',
    },
    topics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How the topics the hub creates are made (existing topics are left as they are).',
      properties: {
        partitions: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 6,
          description: 'Partitions of each ingress and deliver topic (the unit of parallelism).',
        },
        replicationFactor: {
          type: 'integer',
          minimum: 1,
          maximum: 7,
          description:
            "Replicas of each topic the hub creates (ingress, deliver, dead-letter, catalog; `crossdock site add` and `schemas push` too). Unset: the brokers' `default.replication.factor` (KIP-464), so the topics follow the cluster: 1 on the local stack, 3 with `crossdock stack up --brokers 3`, whatever a production cluster sets. A number is used as it is and refused above the brokers running (CD_E_TOPIC_REPLICATION_TOO_HIGH).",
        },
      },
    },
    router: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The router: consume every ingress topic, validate, route, fan out in one transaction.',
      properties: {
        groupId: {
          type: 'string',
          minLength: 1,
          default: 'cd-router',
          description: 'Consumer group shared by every router instance.',
        },
        sendUnrouted: {
          type: 'boolean',
          default: true,
          description:
            'Send a valid event that no route matches to `<prefix>.unrouted` (it is always counted by type and site; never silently dropped).',
        },
        maxEventBytes: {
          type: 'integer',
          minimum: 64,
          default: 262144,
          description: 'An ingress record larger than this goes to the DLQ as CD_E_EVENT_TOO_LARGE.',
        },
        maxFutureSkewMs: {
          type: 'integer',
          minimum: 0,
          default: 300000,
          description: 'occurredAt may be at most this far ahead of the router clock (ms).',
        },
        unknownVersionGraceMs: {
          type: 'integer',
          minimum: 0,
          default: 30000,
          description:
            'How long an event whose schema names no version (or subject) of the catalog in force is held and retried before it is dead-lettered (CD_E_UNKNOWN_SCHEMA_VERSION or CD_E_UNKNOWN_EVENT_TYPE): `schemas push` registers first and publishes the catalog after, so the catalog may still be on its way (ms, counted from when the router first met the schema id; its partition waits meanwhile, other partitions go on; 0 dead-letters at once).',
        },
        duplicateWindowSeconds: {
          type: 'integer',
          minimum: 60,
          default: 604800,
          description: 'How long an eventId is remembered for duplicate detection (seconds; default 7 days).',
        },
        partitionsConsumedConcurrently: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 3,
          description:
            'Partitions one instance processes at the same time; their batches share one transaction (group commit), so validating one overlaps committing another.',
        },
        maxWaitTimeInMs: {
          type: 'integer',
          minimum: 10,
          maximum: 10000,
          default: 100,
          description: 'Longest a fetch waits for data (ms).',
        },
        topicRefreshMs: {
          type: 'integer',
          minimum: 1000,
          maximum: 600000,
          default: 10000,
          description:
            'How often the router looks for ingress topics created since it subscribed (a site added with `crossdock site add`) and starts consuming them (ms): the longest a new site waits before it is routed.',
        },
        validationThreads: {
          type: 'integer',
          minimum: 0,
          maximum: 16,
          default: 1,
          description:
            'Worker threads that decode, validate and route ingress events, so that work overlaps the Kafka I/O, the duplicate check and the transactions, which stay on the main thread. 0: everything on the main thread.',
        },
        retry: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            'Backoff while the registry or Redis is down: the partition pauses and the batch is retried after min(maxMs, initialMs × 2^attempt) with full jitter, without end, dead-lettering nothing.',
          properties: {
            initialMs: { type: 'integer', minimum: 10, default: 200, description: 'First backoff (ms).' },
            maxMs: { type: 'integer', minimum: 100, default: 10000, description: 'Backoff cap (ms).' },
          },
        },
      },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Back-pressure of the ingress publisher that HTTP ingest and the CSV drop folder share (docs/operations.md, Back-pressure). Events wait in its queue until Kafka acknowledged them; past the bound HTTP ingest answers 503 + Retry-After (CD_E_INGEST_BUSY) and the drop folder waits for room.',
      properties: {
        maxQueuedEvents: {
          type: 'integer',
          minimum: 1,
          default: 10000,
          description:
            'Most events waiting for Kafka (queued and in flight). One request larger than the bound is still taken when the queue is empty.',
        },
        maxQueuedBytes: {
          type: 'integer',
          minimum: 1024,
          default: 33554432,
          description: 'Most bytes (encoded values, keys and headers) waiting for Kafka. Default 32 MiB.',
        },
        publishTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 10000,
          description:
            'Longest an HTTP request waits for Kafka to acknowledge its events; then it answers 503 (CD_E_KAFKA_UNAVAILABLE) and Retry-After.',
        },
        retryAfterSeconds: {
          type: 'integer',
          minimum: 1,
          default: 5,
          description: 'The Retry-After of those 503 answers (seconds).',
        },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Which Kafka client each component runs on: kafkajs, or the native librdkafka client (@confluentinc/kafka-javascript) that `npm install` builds into the cache (docs/kafka-client.md; the decision and its figures: docs/adr/0003-kafka-client.md).',
      properties: {
        clients: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            ingest: {
              enum: ['auto', 'kafkajs', 'librdkafka'],
              default: 'auto',
              description:
                'The ingress publisher of HTTP ingest and the CSV drop folder. `auto`: the client the decision record adopted for it (kafkajs: librdkafka measured under the 1.3× its rule asks); `librdkafka`: the native client, or no start (CD_E_KAFKA_NATIVE_UNAVAILABLE) when it cannot be loaded; `kafkajs`: kafkajs.',
            },
            router: {
              enum: ['auto', 'kafkajs', 'librdkafka'],
              default: 'auto',
              description:
                "The router's consumer and transactional producers (its admin and catalog reader stay on kafkajs). `auto`: the client the decision record adopted for it (docs/adr/0003-kafka-client.md); `librdkafka`: the native client, whose transactions commit offsets with the consumer's group generation (KIP-447), or no start (CD_E_KAFKA_NATIVE_UNAVAILABLE) when it cannot be loaded; `kafkajs`: kafkajs.",
            },
            connectors: {
              enum: ['auto', 'kafkajs', 'librdkafka'],
              default: 'auto',
              description:
                "The sink connectors' consumer, which commits an offset once every event before it is settled (their dead-letter and Kafka-sink producers and their admin stay on kafkajs). `auto`: the client the decision record kept for it (kafkajs: librdkafka measured slower for this pattern, docs/adr/0003-kafka-client.md); `librdkafka`: the native client, or no start (CD_E_KAFKA_NATIVE_UNAVAILABLE) when it cannot be loaded; `kafkajs`: kafkajs.",
            },
          },
        },
      },
    },
    health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'The process health server (`/healthz`, `/readyz`, `/status`, `/metrics`; docs/operations.md, Readiness and status).',
      properties: {
        host: { type: 'string', default: '127.0.0.1', description: 'Address to listen on.' },
        port: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          default: 9400,
          description: 'Port to listen on (0: any free port).',
        },
        probeIntervalMs: {
          type: 'integer',
          minimum: 100,
          default: 5000,
          description:
            'How often `crossdock start` checks that Kafka, Redis and the schema registry answer (for /readyz and /status).',
        },
        probeTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 3000,
          description: 'A dependency that does not answer a check within this time counts as unreachable.',
        },
        tokenEnv: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description:
            'Name of the environment variable holding the bearer token that `/metrics` and `/status` require (Prometheus: `authorization: { credentials_file: … }`). Unset here: $CROSSDOCK_METRICS_TOKEN when set, else no token. Named here but unset or empty where the hub runs: start-up refuses. `/healthz` and `/readyz` stay open for probes (docs/operations.md, Readiness and status).',
        },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'The admin HTTP API (dead letters, replay, trace, audit; OpenAPI at /api/v1/openapi.json), served by `crossdock start` on its own port. Every request needs a bearer token with a role (docs/operations.md, Dead-letter operations).',
      properties: {
        host: {
          type: 'string',
          default: '127.0.0.1',
          description:
            'Address to listen on. On a loopback address `crossdock start` also makes a local admin token in the crossdock home (readable by its user only) for the CLI on the same machine; on any other address only the tokens below are accepted.',
        },
        port: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          default: 9401,
          description: 'Port to listen on (0: any free port).',
        },
        tokens: {
          type: 'array',
          default: [],
          description:
            'Who may use the API: a name, a role and the SHA-256 of the token (hex). `crossdock admin token create --name <n> --role <r>` makes a token and prints this entry; the token itself is never stored.',
          items: {
            type: 'object',
            required: ['name', 'role', 'sha256'],
            additionalProperties: false,
            properties: {
              name: { ...ID, description: 'Who holds the token: written to the audit trail.' },
              role: {
                enum: ['viewer', 'operator', 'admin'],
                description:
                  'viewer: read (personal fields masked); operator: also claim, assign, note, replay, discard, resolve; admin: everything, unmasked.',
              },
              sha256: {
                type: 'string',
                pattern: '^[0-9a-f]{64}$',
                description: 'SHA-256 of the token, lower-case hex.',
              },
            },
          },
        },
      },
    },
  },
} as const;

/** `deadLetters.serviceLevels[]`: how soon an open dead letter of a kind must be dealt with. */
const SERVICE_LEVEL_SCHEMA = {
  type: 'object',
  required: ['withinHours'],
  additionalProperties: false,
  properties: {
    code: {
      type: 'string',
      pattern: '^[A-Z0-9_*]+$',
      description: 'Error code, `*` as a wildcard (`CD_E_DELIVERY_*`). Absent: any code.',
    },
    eventType: {
      type: 'string',
      minLength: 1,
      description: 'Event type (short name or full name), `*` as a wildcard. Absent: any type.',
    },
    subscriber: { ...ID, description: 'Only dead letters of this subscriber. Absent: any.' },
    withinHours: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'Due this many hours after the failure.',
    },
  },
} as const;

/** The `deadLetters` section: the work queue's service levels and the limits of replay. */
export const DEAD_LETTERS_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'Dead-letter operations: when an open dead letter is due, and how replays are bounded (docs/operations.md, Dead-letter operations). Takes effect while the hub runs.',
  properties: {
    serviceLevels: {
      type: 'array',
      default: [],
      description:
        'Due times by error code, event type and subscriber; the first entry that matches a dead letter sets its due time.',
      items: SERVICE_LEVEL_SCHEMA,
    },
    defaultWithinHours: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 24,
      description: 'Due time of a dead letter no service level matches, in hours after the failure.',
    },
    replay: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Limits of replay jobs.',
      properties: {
        ratePerSecond: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 50,
          description:
            'Events a replay job sends per second unless the request asks for fewer (headroom for live traffic).',
        },
        maxReplays: {
          type: 'integer',
          minimum: 1,
          default: 3,
          description:
            'Loop guard: an event already replayed this many times (its cd-replay-count) is not replayed again.',
        },
        maxSelection: {
          type: 'integer',
          minimum: 1,
          default: 100000,
          description: 'Most dead letters one replay or discard may select.',
        },
      },
    },
  },
} as const;

/** `sites[]` with the source part's `connector` fragment in place. */
export function siteSchema(connector: JsonSchema) {
  return {
    type: 'object',
    required: ['id', 'name', 'country', 'connector'],
    additionalProperties: false,
    properties: {
      id: {
        ...ID,
        description:
          'Site id: the ingress topic is `<prefix>.ingress.<id>` and events must carry it as `siteId`.',
      },
      name: { type: 'string', minLength: 1, description: 'Human name of the site.' },
      country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code.' },
      timezone: { type: 'string', description: 'IANA time zone of the site (for people and reports).' },
      groups: {
        type: 'array',
        uniqueItems: true,
        default: [],
        description: 'Site groups that routes can select (`match.groups`).',
        items: ID,
      },
      connector,
    },
  } as const;
}

/** `subscribers[]` with the sink part's `sink` and the retry part's `delivery` fragments in place. */
export function subscriberSchema(sink: JsonSchema, delivery: JsonSchema) {
  return {
    type: 'object',
    required: ['id', 'sink'],
    additionalProperties: false,
    properties: {
      id: { ...ID, description: 'Subscriber id: its topic is `<prefix>.deliver.<id>`.' },
      description: { type: 'string' },
      sink,
      delivery,
    },
  } as const;
}

export const RULE_SCHEMA = {
  type: 'object',
  required: ['name', 'schema'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]*$',
      description: 'Rule name; a violation is dead-lettered as CD_E_RULE_VIOLATION naming it and the field.',
    },
    description: { type: 'string' },
    schema: {
      type: 'object',
      description:
        'A JSON Schema (draft-07) evaluated by ajv over the decoded event (decimals as strings, timestamps as ISO strings).',
    },
  },
} as const;

/** The `redis` section: what the hub demands of the Redis it keeps its state in. */
export const REDIS_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    "The Redis the hub keeps retries, parked events and idempotency records in (REDIS_URL, else the local stack's). See docs/operations.md.",
  properties: {
    durability: {
      enum: ['required', 'declared', 'none'],
      default: 'required',
      description:
        "At start the hub reads the Redis's persistence (CONFIG GET appendonly, save, maxmemory-policy). 'required': refuse to start (CD_E_REDIS_NOT_DURABLE) unless it writes an append-only file and never evicts, and refuse when CONFIG cannot be read (CD_E_REDIS_DURABILITY_UNKNOWN). 'declared': you vouch for a managed Redis whose CONFIG is disabled (refused still when CONFIG can be read and shows otherwise). 'none': a throwaway setup; start whatever it finds, with a loud warning (hub.redis_not_durable): a Redis restart may lose events.",
    },
    waitReplicas: {
      type: 'integer',
      minimum: 0,
      maximum: 5,
      default: 0,
      description:
        "After recording deliveries as done, each sink connector waits (Redis WAIT, on the primary that holds the subscriber's slot) until this many replicas have the records, at most waitTimeoutMs. Redis replicates asynchronously: without it a record the primary acknowledged and lost in a failover lets the event be delivered again (the subscriber's Idempotency-Key header lets it drop the repeat). With it a record acknowledged by a replica survives a failover that promotes that replica. Events put into retry or parked behind their key wait the same way before the connector settles them, and a shortfall there leaves them unsettled (CD_E_REDIS_REPLICA_SHORT: the partition is read again), so a failover loses none of them; without it, those written in the replication window are lost with the primary. It does not make Redis strongly consistent. A shortfall on done-records does not stop delivery; it is counted in crossdock_delivery_replica_ack_short_total. 0: no WAIT. See docs/scaling.md 'What a failover can cost'.",
    },
    waitTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 100,
      description:
        "How long one WAIT (redis.waitReplicas) may block the connector's connection to that primary. While no replica is in sync each batch of finished deliveries waits this long, and the subscriber's other Redis commands wait behind it.",
    },
  },
} as const;

/** The whole hub configuration's JSON Schema: core's sections with the parts' fragments placed. */
export function composeHubConfigSchema(fragments: PartConfigFragments) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://crossdock.dev/schemas/hub.schema.json',
    title: 'crossdock hub configuration',
    type: 'object',
    required: ['sites', 'subscribers', 'routes'],
    additionalProperties: false,
    properties: {
      $schema: {
        type: 'string',
        description: 'Path or URL of this schema, for editors (e.g. `../core/config/hub.schema.json`).',
      },
      hub: HUB_SECTION_SCHEMA,
      redis: REDIS_SECTION_SCHEMA,
      deadLetters: DEAD_LETTERS_SECTION_SCHEMA,
      sites: {
        type: 'array',
        minItems: 1,
        description: 'The sites that publish events, one ingress topic each.',
        items: siteSchema(fragments.source),
      },
      subscribers: {
        type: 'array',
        minItems: 1,
        description: 'Downstream systems, one deliver topic each.',
        items: subscriberSchema(fragments.sink, fragments.delivery),
      },
      routes: {
        type: 'array',
        description:
          'Which subscribers receive which events. An event goes to the union of the subscribers of every route it matches.',
        items: ROUTE_SCHEMA,
      },
      rules: {
        type: 'object',
        default: {},
        description:
          'Data rules per event type: event type → list of rules, each a JSON Schema the decoded event must satisfy.',
        additionalProperties: { type: 'array', items: RULE_SCHEMA },
      },
      ...(fragments.flows ? { flows: fragments.flows } : {}),
    },
  } as const;
}
