import { CrossdockError } from '../errors';
import { DEFAULT_TOPIC_PREFIX } from './topics';

/**
 * Every Redis key crossdock uses, built here and nowhere else.
 *
 * One hub's keys all start with its Redis prefix `<P>`, derived from its topic prefix by
 * {@link redisPrefixFor} (`cd:` for the default topic prefix `cd`), so two hubs, or a hub and the
 * test suite, share one Redis without seeing each other's state. Tests pass an explicit prefix
 * (option `redisPrefix` wherever a part takes one) to stay apart from each other.
 *
 * Every key that one Lua script or MULTI touches shares a hash tag (one Redis Cluster slot), and
 * the tag begins with the same prefix, so no two hubs share a tag either. With `<P>` = `cd:`:
 *
 * | part | tag | keys |
 * |---|---|---|
 * | delivery (one subscriber) | `{cd:<subscriberId>}` | `cd:{cd:<sub>}:due`, `:held`, `:bucket`, `:slots`, `:entry:<eventId>`, `:q:<businessKey>`, `:idem:<eventId>`, `:entries` |
 * | router duplicate marks | `{cd:router:seen:<b>}` (b = first hex digit of the eventId) | `cd:{cd:router:seen:<b>}:<eventId>` |
 * | router partition fence (one consumer group) | `{cd:router:fence:<groupId>}` | `cd:{cd:router:fence:<group>}:owner:<topic/partition>`, `:mark:…`, `:committed:…` |
 * | HTTP ingest (one site) | `{cd:ingest:<siteId>}` | `cd:{cd:ingest:<site>}:replay:<signature>`, `:quota`, `:idem:<Idempotency-Key>`, `:unconfirmed:<body sha256>` |
 * | CSV drop folder (one site) | `{cd:csv:<siteId>}` | `cd:{cd:csv:<site>}:file:<sha256>` |
 * | dead-letter index and replay jobs | `{cd:dlq}` | `cd:{cd:dlq}:rec:<id>`, `:all`, `:by:<field>:<value>`, `:due`, `:groups`, `:group:<group>`, `:event:<eventId>`, `:values:<field>`, `:tmp:<name>`, `:job:<jobId>`, `:job:<jobId>:items`, `:jobs` |
 * | audit trail (recent operations) | `{cd:audit}` | `cd:{cd:audit}:log` |
 * | flow tracker and site scorecards | `{cd:flows}` | `cd:{cd:flows}:i:<flow>:<key>`, `:deadlines`, `:alerts:pending`, `:applied`, `:site:<site>:h:<hourStart>`, `:sites`, `:open:<flow>`, `:overdue`, `:overdue:<flow>` |
 *
 * Subscriber and site ids hold no `:` (configuration schema), so a delivery tag never equals a
 * router, ingest or csv tag. Lua scripts never build keys: callers pass every key in KEYS.
 */

/** The one derivation of a hub's Redis prefix from its topic prefix: `<topicPrefix>:`. */
export function redisPrefixFor(topicPrefix: string): string {
  return checkRedisPrefix(`${topicPrefix}:`, 'topic prefix');
}

/**
 * The Redis prefix a part uses: `redisPrefix` when given (tests keep apart with it), else the one
 * derived from `topicPrefix` (the default topic prefix when that is absent too).
 */
export function resolveRedisPrefix(options: { topicPrefix?: string; redisPrefix?: string }): string {
  if (options.redisPrefix !== undefined) return checkRedisPrefix(options.redisPrefix, 'redisPrefix');
  return redisPrefixFor(options.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
}

/**
 * A Redis prefix is non-empty, ends with `:` and holds no `{` or `}` (those would move the hash
 * tag). Throws CD_E_REDIS_PREFIX_INVALID naming `where` the value came from.
 */
export function checkRedisPrefix(prefix: string, where = 'redisPrefix'): string {
  if (!/^[^{}\s]+:$/.test(prefix))
    throw new CrossdockError(
      'CD_E_REDIS_PREFIX_INVALID',
      `${where}: Redis key prefix ${JSON.stringify(prefix)} must be non-empty, end with ':' and hold no '{', '}' or spaces`,
      { details: { prefix, where } },
    );
  return prefix;
}

/** `<P>{<P><name>}`: the start of every key of one tag. */
function tagged(prefix: string, name: string): string {
  const p = checkRedisPrefix(prefix);
  return `${p}{${p}${name}}`;
}

/** Keys of one subscriber's delivery state (retry, ordering, rate limit, idempotency). */
export interface DeliveryKeys {
  readonly subscriberId: string;
  /** Sorted set: retry entry id → due time (ms). Only entries that may run now or later are here. */
  readonly due: string;
  /** Set of business keys whose queue is held after its head was dead-lettered (ordering `hold`). */
  readonly held: string;
  /** Token bucket hash (tokens, ts) shared by all instances. */
  readonly bucket: string;
  /** Sorted set of in-flight delivery slots (token → lease expiry), the shared concurrency cap. */
  readonly slots: string;
  /** String: how many retry entries exist (in retry or parked), the delivery.capacity counter. */
  readonly entries: string;
  /** Hash: one retry entry (original bytes, headers, attempts, first failure...). */
  entry(eventId: string): string;
  /** List: retry entry ids waiting for business key `key`, head first (per-key ordering). */
  keyQueue(key: string): string;
  /** String: the idempotency record of one event (`done` or the lease owner). */
  idempotency(eventId: string): string;
}

export function deliveryKeys(redisPrefix: string, subscriberId: string): DeliveryKeys {
  const base = tagged(redisPrefix, subscriberId);
  return Object.freeze({
    subscriberId,
    due: `${base}:due`,
    held: `${base}:held`,
    bucket: `${base}:bucket`,
    slots: `${base}:slots`,
    entries: `${base}:entries`,
    entry: (eventId: string) => `${base}:entry:${eventId}`,
    keyQueue: (key: string) => `${base}:q:${key}`,
    idempotency: (eventId: string) => `${base}:idem:${eventId}`,
  });
}

/**
 * Keys of the router's duplicate marks. Marks are checked a whole batch at a time, one script
 * call per hash tag, so the keys of one call must share a tag. The tag is a bucket taken from the
 * eventId's first hex digit: a batch of hundreds of events costs at most 16 script calls (one
 * round trip), and on a Redis Cluster the marks still spread over 16 slots. The eventId is a
 * validated UUID (random in practice) by the time it is looked up, so the buckets fill evenly.
 */
export interface RouterKeys {
  /** The duplicate mark of one eventId. */
  seen(eventId: string): string;
  /** The bucket of seen(eventId): marks with the same bucket go to Redis in one script call. */
  seenGroup(eventId: string): string;
}

/** Bucket of an eventId: its first character, lower-cased (a hex digit for a UUID). */
function bucketOf(eventId: string): string {
  return (eventId[0] ?? '_').toLowerCase();
}

export function routerKeys(redisPrefix: string): RouterKeys {
  const p = checkRedisPrefix(redisPrefix);
  const bases = new Map<string, string>();
  const baseOf = (bucket: string) => {
    let base = bases.get(bucket);
    if (base === undefined) {
      base = tagged(p, `router:seen:${bucket}`);
      bases.set(bucket, base);
    }
    return base;
  };
  return Object.freeze({
    seen: (eventId: string) => `${baseOf(bucketOf(eventId))}:${eventId}`,
    seenGroup: (eventId: string) => bucketOf(eventId),
  });
}

/** Keys of the router's partition fence for one consumer group (router/fence.ts). */
export interface FenceKeys {
  /** The claim token of whoever may commit the partition (`<topic>/<partition>`). */
  owner(partition: string): string;
  /** Set while a transaction of the partition commits. */
  mark(partition: string): string;
  /** The offset the last commit of the partition recorded. */
  committed(partition: string): string;
}

export function fenceKeys(redisPrefix: string, groupId: string): FenceKeys {
  const base = tagged(redisPrefix, `router:fence:${groupId}`);
  return Object.freeze({
    owner: (partition: string) => `${base}:owner:${partition}`,
    mark: (partition: string) => `${base}:mark:${partition}`,
    committed: (partition: string) => `${base}:committed:${partition}`,
  });
}

/** Keys of one site's HTTP ingest state: replay marks, quota window, Idempotency-Key records. */
export interface IngestKeys {
  replay(signature: string): string;
  quota(): string;
  idempotency(key: string): string;
  /** The eventIds of a request without Idempotency-Key whose publish timed out, by body hash. */
  unconfirmed(bodySha256: string): string;
}

export function ingestKeys(redisPrefix: string, siteId: string): IngestKeys {
  const base = tagged(redisPrefix, `ingest:${siteId}`);
  return Object.freeze({
    replay: (signature: string) => `${base}:replay:${signature}`,
    quota: () => `${base}:quota`,
    idempotency: (key: string) => `${base}:idem:${key}`,
    unconfirmed: (bodySha256: string) => `${base}:unconfirmed:${bodySha256}`,
  });
}

/** Keys of one site's CSV drop folder: the progress record of each file, by content hash. */
export interface CsvKeys {
  file(sha256: string): string;
}

export function csvKeys(redisPrefix: string, siteId: string): CsvKeys {
  const base = tagged(redisPrefix, `csv:${siteId}`);
  return Object.freeze({ file: (sha256: string) => `${base}:file:${sha256}` });
}

/** The fields the dead-letter index can filter and group by (each value keeps a sorted set). */
export type DlqIndexField = 'subscriber' | 'site' | 'code' | 'type' | 'state' | 'group';

/**
 * Keys of the dead-letter index and of replay jobs (dlq/). One hash tag for all of them: an index
 * update touches the record, its field sets and its group in one script. The index is operators'
 * traffic, not the event path, so one slot is no hot spot.
 */
export interface DlqKeys {
  /** Hash: one dead letter's record (dlq/contract.ts DeadLetterRecord, as fields). */
  record(id: string): string;
  /** Sorted set: every indexed dead-letter id → its last failure time (ms). */
  readonly all: string;
  /** Sorted set: the ids whose `field` is `value` → last failure time (ms). */
  by(field: DlqIndexField, value: string): string;
  /** Sorted set: open dead letters (new, claimed) → due time (ms). */
  readonly due: string;
  /** Set of group keys (code × site × subscriber × schema version). */
  readonly groups: string;
  /** Hash: one group's counters (count, open, first, last) and its dimensions. */
  group(groupKey: string): string;
  /** Set: the dead-letter ids of one eventId (trace, replay of an event). */
  event(eventId: string): string;
  /** Set: the values `field` has taken (for listing filters and metrics). */
  values(field: DlqIndexField): string;
  /** A temporary key for one query (intersections), removed by its user. */
  scratch(name: string): string;
  /** Hash: one replay job (selector, state, cursor, counts). */
  job(jobId: string): string;
  /** List: the dead-letter ids one replay job works through, in order. */
  jobItems(jobId: string): string;
  /** Sorted set: replay job id → creation time (ms). */
  readonly jobs: string;
}

export function dlqKeys(redisPrefix: string): DlqKeys {
  const base = tagged(redisPrefix, 'dlq');
  return Object.freeze({
    record: (id: string) => `${base}:rec:${id}`,
    all: `${base}:all`,
    by: (field: DlqIndexField, value: string) => `${base}:by:${field}:${value}`,
    due: `${base}:due`,
    groups: `${base}:groups`,
    group: (groupKey: string) => `${base}:group:${groupKey}`,
    event: (eventId: string) => `${base}:event:${eventId}`,
    values: (field: DlqIndexField) => `${base}:values:${field}`,
    scratch: (name: string) => `${base}:tmp:${name}`,
    job: (jobId: string) => `${base}:job:${jobId}`,
    jobItems: (jobId: string) => `${base}:job:${jobId}:items`,
    jobs: `${base}:jobs`,
  });
}

/**
 * Keys of the flow tracker and the site scorecards (flows/): one tag, so one Lua script can move a
 * flow instance, its deadline and the scorecard figures it changes together (docs/flows.md).
 */
export interface FlowKeys {
  /** Hash: one flow instance (flows/engine). `key` is the instance's key value. */
  instance(flow: string, key: string): string;
  /** Sorted set: `<flow>\u0000<key>` → the instance's next deadline or expiry (ms). */
  readonly deadlines: string;
  /** Hash: alertId → alert JSON, claimed and not yet known to be on `<prefix>.flow.alerts`. */
  readonly pendingAlerts: string;
  /** Hash: `<topic>/<partition>` → the last ingress offset the scorecard counted (feed idempotency). */
  readonly applied: string;
  /** Hash: one site's scorecard figures of one UTC hour (`hourStart` in ms); fields in flows/contract.ts. */
  siteHour(siteId: string, hourStart: number): string;
  /** Set: the site ids with any scorecard figures. */
  readonly sites: string;
  /** String: open instance count per flow is `openCount(flow)`. */
  openCount(flow: string): string;
  /**
   * Sorted set: `<flow>\u0000<key>` → due time (ms) of the instances whose first missing step
   * has had its STEP_LATE alert (observed missing) and is still missing (flows/engine).
   */
  readonly overdue: string;
  /** String: how many of `overdue` belong to `flow`. */
  overdueCount(flow: string): string;
}

export function flowKeys(redisPrefix: string): FlowKeys {
  const base = tagged(redisPrefix, 'flows');
  return Object.freeze({
    instance: (flow: string, key: string) => `${base}:i:${flow}:${key}`,
    deadlines: `${base}:deadlines`,
    pendingAlerts: `${base}:alerts:pending`,
    applied: `${base}:applied`,
    siteHour: (siteId: string, hourStart: number) => `${base}:site:${siteId}:h:${hourStart}`,
    sites: `${base}:sites`,
    openCount: (flow: string) => `${base}:open:${flow}`,
    overdue: `${base}:overdue`,
    overdueCount: (flow: string) => `${base}:overdue:${flow}`,
  });
}

/** Keys of the audit trail's recent copy in Redis (the topic `<prefix>.audit` is the record). */
export interface AuditKeys {
  /** List: recent audit records (JSON), newest first, capped. */
  readonly log: string;
}

export function auditKeys(redisPrefix: string): AuditKeys {
  return Object.freeze({ log: `${tagged(redisPrefix, 'audit')}:log` });
}

/**
 * The SCAN pattern of every key of one hub (all start with its Redis prefix): what a run with a
 * prefix of its own (`crossdock demo`) deletes when it cleans up.
 */
export function hubKeyPattern(redisPrefix: string): string {
  return `${checkRedisPrefix(redisPrefix)}*`;
}
