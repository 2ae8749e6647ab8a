/**
 * The compiled, frozen hub configuration: defaults applied, cross-references checked, indexes
 * built. Everything that reads the configuration reads this shape, never the raw YAML.
 */

export type Scalar = string | number | boolean;

/** One test on a value; exactly one operator is set. */
export interface Condition {
  equals?: Scalar;
  in?: readonly Scalar[];
  prefix?: string;
  exists?: boolean;
  range?: { gt?: number; gte?: number; lt?: number; lte?: number };
}
export interface FieldCondition extends Condition {
  field: string;
}
export interface HeaderCondition extends Condition {
  header: string;
}

export interface RouteMatch {
  eventTypes?: readonly string[];
  sites?: readonly string[];
  countries?: readonly string[];
  groups?: readonly string[];
  headers?: readonly HeaderCondition[];
  fields?: readonly FieldCondition[];
}

export interface RouteConfig {
  name: string;
  description?: string;
  match: RouteMatch;
  to: readonly string[];
}

export interface SiteConfig {
  id: string;
  name: string;
  country: string;
  timezone?: string;
  groups: readonly string[];
  /** The source connector's section; its shape belongs to connectors/sources. */
  connector: Readonly<Record<string, unknown>> & { kind: string };
}

export interface SubscriberConfig {
  id: string;
  description?: string;
  /** The sink's section; its shape belongs to connectors/sinks. */
  sink: Readonly<Record<string, unknown>> & { kind: string };
  /** The delivery section; its shape belongs to retry/. */
  delivery?: Readonly<Record<string, unknown>>;
}

export interface RuleConfig {
  name: string;
  description?: string;
  schema: Readonly<Record<string, unknown>>;
}

export interface RouterSettings {
  groupId: string;
  sendUnrouted: boolean;
  maxEventBytes: number;
  maxFutureSkewMs: number;
  /** ms an event of a schema the catalog does not know yet waits for a catalog push. */
  unknownVersionGraceMs: number;
  duplicateWindowSeconds: number;
  partitionsConsumedConcurrently: number;
  validationThreads: number;
  maxWaitTimeInMs: number;
  topicRefreshMs: number;
  retry: { initialMs: number; maxMs: number };
}

export interface HubSettings {
  topicPrefix: string;
  topics: { partitions: number; replicationFactor?: number };
  router: RouterSettings;
  ingest: IngestSettings;
  /** `hub.kafka`: which Kafka client each component runs on (core/kafka-client/choose.ts). */
  kafka: {
    clients: {
      ingest: KafkaClientSettingValue;
      router: KafkaClientSettingValue;
      connectors: KafkaClientSettingValue;
    };
  };
  health: { host: string; port: number; probeIntervalMs: number; probeTimeoutMs: number; tokenEnv?: string };
  admin: AdminSettings;
}

/** A role of the admin API (docs/operations.md, Dead-letter operations). */
export type AdminRole = 'viewer' | 'operator' | 'admin';

/** `hub.admin`: the admin HTTP API's address and who may use it. */
export interface AdminSettings {
  host: string;
  port: number;
  tokens: ReadonlyArray<{ name: string; role: AdminRole; sha256: string }>;
}

/** `deadLetters`: service levels of the work queue and the limits of replay. */
export interface DeadLetterSettings {
  serviceLevels: ReadonlyArray<{
    code?: string;
    eventType?: string;
    subscriber?: string;
    withinHours: number;
  }>;
  defaultWithinHours: number;
  replay: { ratePerSecond: number; maxReplays: number; maxSelection: number };
}

/**
 * How one event names the flow instance it belongs to: its `metadata.correlationId`, or the value
 * of one field (a dot path into the decoded event, e.g. `orderId`, `transferId`).
 */
export type FlowKeySource = { kind: 'correlationId' } | { kind: 'field'; field: string };

/**
 * One step of a compiled flow (`flows[].steps[]`). The shape belongs to the flows part's contract
 * (flows/contract.ts re-exports it); it is declared here because HubConfig carries it and core
 * names no part.
 */
export interface FlowStep {
  /** Index in the flow, 0-based. Step 0 starts an instance. */
  index: number;
  eventType: string;
  /** The key of this step's events; the flow's key unless the step overrides it. */
  key: FlowKeySource;
  /**
   * How long after the previous step's event (its occurredAt) this step is due, in ms; by site
   * group where sites legitimately differ (the first group of the instance's site that has an
   * entry wins, in the site's `groups` order). Step 0 has none (0).
   */
  withinMs: number;
  withinBySiteGroup: Readonly<Record<string, number>>;
  /** Conditions every one of which the decoded event must meet to count as this step. */
  where: readonly FieldCondition[];
}

/** A compiled flow (`flows[]`): durations in ms, defaults applied. */
export interface FlowDefinition {
  name: string;
  description?: string;
  steps: readonly FlowStep[];
  /**
   * How long an instance is kept after its first event (ms). An instance not complete by then is
   * counted incomplete (a FLOW_INCOMPLETE alert) and its state expires.
   */
  expireAfterMs: number;
}

/** `hub.ingest`: the bound of the ingress publisher shared by HTTP ingest and the CSV drop folder. */
export interface IngestSettings {
  maxQueuedEvents: number;
  maxQueuedBytes: number;
  publishTimeoutMs: number;
  retryAfterSeconds: number;
}

/** The `redis` section (core/config/schema.ts REDIS_SECTION_SCHEMA). */
export interface RedisSettings {
  durability: 'required' | 'declared' | 'none';
  /** Replicas a finish waits for (Redis WAIT); 0 = no WAIT. */
  waitReplicas: number;
  /** How long one WAIT may block, ms. */
  waitTimeoutMs: number;
}

export interface HubConfig {
  /** The file it was loaded from, when it came from one. */
  readonly file?: string;
  readonly hub: HubSettings;
  readonly redis: RedisSettings;
  readonly deadLetters: DeadLetterSettings;
  readonly sites: readonly SiteConfig[];
  readonly subscribers: readonly SubscriberConfig[];
  readonly routes: readonly RouteConfig[];
  /** Event type → its data rules. */
  readonly rules: Readonly<Record<string, readonly RuleConfig[]>>;
  /** The business flows the flow tracker follows (`flows:`, compiled by the flows part). */
  readonly flows: readonly FlowDefinition[];
  readonly siteById: Readonly<Record<string, SiteConfig>>;
  readonly subscriberById: Readonly<Record<string, SubscriberConfig>>;
}

/** One configuration problem: where (a path like `routes[2].to[0]`, with the YAML line when known) and why. */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  /** Column of `line` (1-based), when known. */
  column?: number;
  /** The file the problem is in, when it is not the configuration (a site mapping). */
  file?: string;
  /** The offending line with a caret under the column (syntax errors). */
  snippet?: string;
  /** A warning does not fail the check (`crossdock config check` prints it). @defaultValue 'error' */
  severity?: 'error' | 'warning';
  /** The environment variable the problem is about (a secret that is not set), when there is one. */
  variable?: string;
}

/** A `hub.kafka.clients.<component>` value (core/kafka-client/choose.ts). */
export type KafkaClientSettingValue = 'auto' | 'kafkajs' | 'librdkafka';
