/**
 * The dead-letter index: what one indexed dead letter is, how it is found, grouped and worked.
 *
 * The topics are the truth (`<prefix>.dlq.router`, `<prefix>.dlq.deliver.<subscriber>`): the
 * index (dlq/store.ts, in Redis under core/names/redis-keys.ts dlqKeys) is built by consuming them
 * (dlq/indexer.ts) and can be rebuilt from them (`crossdock dlq reindex`). What operators change
 * (state, owner, notes) is also written to the compacted `<prefix>.dlq.state` (dlq/state-log.ts),
 * keyed by dead-letter id, so a reindex restores it too.
 */

/**
 * Where a dead letter is in the operators' work:
 * - `new`: indexed, nobody has taken it;
 * - `claimed`: an operator owns it (claim, assign);
 * - `replaying`: a replay job has it and has not sent it yet;
 * - `replayed`: its replay was sent (a new failure of the replay is a new dead letter);
 * - `discarded`: an operator decided it needs no delivery (with a reason);
 * - `resolved`: fixed another way (with a note).
 * `new` and `claimed` are open: they count in the work queue and its service levels.
 */
export type DeadLetterState = 'new' | 'claimed' | 'replaying' | 'replayed' | 'discarded' | 'resolved';

export const DEAD_LETTER_STATES: readonly DeadLetterState[] = Object.freeze([
  'new',
  'claimed',
  'replaying',
  'replayed',
  'discarded',
  'resolved',
]);

export const OPEN_STATES: readonly DeadLetterState[] = Object.freeze(['new', 'claimed']);

/** One operator's note on a dead letter. */
export interface DeadLetterNote {
  /** Epoch ms. */
  at: number;
  /** Who wrote it (the token's name). */
  by: string;
  text: string;
}

/** What operators changed of a dead letter: the record on `<prefix>.dlq.state` (key = id). */
export interface OperatorState {
  state: DeadLetterState;
  owner?: string;
  /** Epoch ms; set by an operator, else from the service levels. */
  dueAt?: number;
  notes: DeadLetterNote[];
  /** Replay jobs that sent it (newest last). */
  replays: string[];
  /** Epoch ms of the change, and who made it. */
  updatedAt: number;
  updatedBy: string;
}

/** Which dead-letter topic a record was read from. */
export type DeadLetterKind = 'router' | 'deliver';

/** One indexed dead letter: the headers' reason and origin, the event's identity, and its work state. */
export interface DeadLetterRecord extends OperatorState {
  /** `<topic>:<partition>:<offset>` of the dead letter: stable, and the selector of one letter. */
  id: string;
  topic: string;
  partition: number;
  offset: string;
  kind: DeadLetterKind;
  /** cd-error-code (CD_E_…); `CD_E_DLQ_NO_REASON` when the record carries none. */
  code: string;
  message: string;
  stage: string;
  /** The site the event came from (metadata siteId, else the original ingress topic). */
  site?: string;
  /** The subscriber that failed (delivery dead letters). */
  subscriber?: string;
  /** Canonical event type (ce_type, else the metadata's eventType). */
  eventType?: string;
  /** The registry's schema id in the value's framing, and that schema's version in its subject. */
  schemaId?: number;
  schemaVersion?: number;
  eventId?: string;
  correlationId?: string;
  attempts: number;
  /** Epoch ms. */
  firstFailedAt: number;
  lastFailedAt: number;
  /** Where the event was read when it failed. */
  original: { topic: string; partition: number; offset: string };
  /** cd-replay-of / cd-replay-count of the failed event: this dead letter is a failed replay. */
  replayOf?: string;
  replayCount: number;
  /** Group key: code × site × subscriber × schema version (dlq/record.ts groupKeyOf). */
  group: string;
  /** Epoch ms the indexer first saw it. */
  indexedAt: number;
}

/** Filters of `dlq list` (every given one must hold). */
export interface DeadLetterFilter {
  subscriber?: string;
  site?: string;
  code?: string;
  eventType?: string;
  state?: DeadLetterState;
  group?: string;
  /** Last failure at or after / before (epoch ms). */
  since?: number;
  until?: number;
}

/** A page of `dlq list`: newest last failure first. */
export interface DeadLetterPage {
  items: DeadLetterRecord[];
  /** How many match the filter. */
  total: number;
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** One incident: dead letters sharing code × site × subscriber × schema version. */
export interface DeadLetterGroup {
  group: string;
  code: string;
  site?: string;
  subscriber?: string;
  schemaVersion?: number;
  eventType?: string;
  /** Every dead letter of the group, and those still open (new, claimed). */
  count: number;
  open: number;
  /** Epoch ms of the first and the last failure. */
  firstSeen: number;
  lastSeen: number;
}

/** One open item of the work queue, oldest due first. */
export interface WorkItem {
  id: string;
  dueAt: number;
  overdue: boolean;
  state: DeadLetterState;
  owner?: string;
  code: string;
  subscriber?: string;
  site?: string;
  eventType?: string;
  lastFailedAt: number;
}

/** Depth and age of the open dead letters, for `dlq queue` and the metrics. */
export interface QueueSummary {
  open: number;
  overdue: number;
  /** Epoch ms of the oldest open dead letter's last failure, if any. */
  oldestOpenAt?: number;
  /** Open dead letters by subscriber (router dead letters under `router`) and code. */
  depth: Array<{ subscriber: string; code: string; open: number }>;
}

/** A state change asked for by an operator (dlq/store.ts applyState). */
export interface StateChange {
  state?: DeadLetterState;
  /** A new owner ('' clears it). */
  owner?: string;
  dueAt?: number;
  note?: string;
  /** A replay job that sent it. */
  replay?: string;
  by: string;
  at: number;
}

/**
 * The bytes of a dead letter as it was written: the original key and value, untouched, and its
 * headers (as strings). Kept in the index so `show` and replay need no Kafka read by offset.
 */
export interface DeadLetterPayload {
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** The dead-letter index (dlq/store.ts). Every method throws a retriable error when Redis fails. */
export interface DeadLetterStore {
  /**
   * Adds a dead letter unless its id is indexed already (then nothing changes: the indexer may
   * read a record twice). The record's operator fields (state, owner, notes…) may come from
   * `<prefix>.dlq.state` (a reindex restores them). Returns whether it was added.
   */
  index(record: DeadLetterRecord, payload: DeadLetterPayload): Promise<boolean>;
  get(id: string): Promise<DeadLetterRecord | undefined>;
  /** The dead letter's bytes (for show, dry run and replay). */
  payload(id: string): Promise<DeadLetterPayload | undefined>;
  /** Page through the letters matching `filter`, newest last failure first. */
  list(filter: DeadLetterFilter, page: { limit: number; cursor?: string }): Promise<DeadLetterPage>;
  /** Every id matching `filter` (for replay and discard selectors), newest first, at most `max`. */
  ids(filter: DeadLetterFilter, max: number): Promise<string[]>;
  groups(filter?: {
    subscriber?: string;
    site?: string;
    code?: string;
    openOnly?: boolean;
  }): Promise<DeadLetterGroup[]>;
  /** The dead-letter ids of one eventId. */
  ofEvent(eventId: string): Promise<string[]>;
  /** Applies an operator's change; returns the new operator state, or undefined for an unknown id. */
  applyState(id: string, change: StateChange): Promise<OperatorState | undefined>;
  /** Open items by due time (oldest due first). */
  queue(options: { limit: number; now: number; owner?: string; subscriber?: string }): Promise<WorkItem[]>;
  summary(now: number): Promise<QueueSummary>;
  /** How many letters are indexed. */
  size(): Promise<number>;
  /** Removes the whole index (reindex starts with this). Replay jobs are kept. */
  clear(): Promise<void>;
}

/* ------------------------------------------------------------------------------------------------
 * Replay (dlq/replay/): what a dry run predicts, and the jobs that send.
 * --------------------------------------------------------------------------------------------- */

/**
 * What replaying one dead letter would do now, against the running configuration:
 * - `deliver`: a delivery dead letter goes back to its one subscriber (`subscribers` = [it]);
 * - `route`: a router dead letter now passes the router and reaches `subscribers` (by `routes`);
 * - `unrouted`: it now passes the router but no route selects it;
 * - `skip`: its effect already happened (the subscriber's idempotency record is done; a router
 *   duplicate): sending it changes nothing;
 * - `fail`: it would fail again (`code`, `message`: e.g. the schema is still unknown);
 * - `refused`: it is not sent at all (`code`: loop guard, state, subscriber no longer configured).
 */
export type ReplayOutcome = 'deliver' | 'route' | 'unrouted' | 'skip' | 'fail' | 'refused';

export interface ReplayPrediction {
  id: string;
  eventId?: string;
  outcome: ReplayOutcome;
  subscribers: string[];
  /** Subscriber → the route that selects it (router dead letters). */
  routes?: Record<string, string>;
  code?: string;
  message?: string;
}

/** Which dead letters an operation applies to: ids, or a filter (with the group as a filter). */
export interface DeadLetterSelector {
  ids?: string[];
  filter?: DeadLetterFilter;
}

export type ReplayJobState = 'running' | 'paused' | 'cancelled' | 'done' | 'failed';

export interface ReplayJob {
  id: string;
  state: ReplayJobState;
  selector: DeadLetterSelector;
  /** Events per second it sends. */
  ratePerSecond: number;
  total: number;
  /** Items handled so far (sent + skipped + refused); the cursor into the job's list. */
  done: number;
  sent: number;
  skipped: number;
  refused: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  /** Why it failed, when state is failed. */
  error?: string;
}

/** Replay as the admin API and the CLI use it (dlq/replay/). */
export interface ReplayService {
  /** Predicts each selected dead letter's replay; changes nothing anywhere. */
  dryRun(selector: DeadLetterSelector): Promise<ReplayPrediction[]>;
  /** Creates a job over the selection (snapshot of ids) and returns it; the job runner sends. */
  start(selector: DeadLetterSelector, options: { by: string; ratePerSecond?: number }): Promise<ReplayJob>;
  get(jobId: string): Promise<ReplayJob | undefined>;
  list(limit: number): Promise<ReplayJob[]>;
  pause(jobId: string, by: string): Promise<ReplayJob>;
  resume(jobId: string, by: string): Promise<ReplayJob>;
  cancel(jobId: string, by: string): Promise<ReplayJob>;
}

/* ------------------------------------------------------------------------------------------------
 * Trace (dlq/trace.ts): where one event is.
 * --------------------------------------------------------------------------------------------- */

export type SubscriberTraceState =
  'delivered' | 'in-retry' | 'parked' | 'dead-lettered' | 'replayed' | 'pending' | 'unknown';

/** Where one event is (dlq/trace.ts). */
export interface Tracer {
  /** The event's path; an event nobody has seen has no `accepted`, no `routed` and no subscribers. */
  trace(eventId: string): Promise<EventTrace>;
}

export interface EventTrace {
  eventId: string;
  /** Accepted by the router: where it was read and when (absent when the router never saw it). */
  accepted?: { site?: string; topic: string; partition: number; offset: string; at?: number };
  /** The subscribers the router sent it to, with the route that selected each. */
  routed?: Array<{ subscriber: string; route?: string }>;
  /** Router dead letters of this event. */
  rejected?: Array<{ id: string; code: string; at: number; state: DeadLetterState }>;
  subscribers: Array<{
    subscriber: string;
    state: SubscriberTraceState;
    /** in-retry: attempts so far, next attempt (epoch ms), last code. */
    attempts?: number;
    nextAttemptAt?: number;
    lastCode?: string;
    /** dead-lettered / replayed: the dead letters of this event for this subscriber. */
    deadLetters?: Array<{ id: string; code: string; at: number; state: DeadLetterState }>;
    /**
     * parked (per-key ordering): its business key; `held` when that key is held after its head
     * was dead-lettered with `ordering.onDeadLetter: hold` (`crossdock connector <sub>
     * --release-key <key>` lets it go on); `waitingBehind`: the eventId at the head of the key's
     * queue. (Added with dlq/trace.ts: a parked event's reason was not in the first contract.)
     */
    orderKey?: string;
    held?: boolean;
    waitingBehind?: string;
  }>;
}

/* ------------------------------------------------------------------------------------------------
 * Audit (dlq/audit.ts): who did what.
 * --------------------------------------------------------------------------------------------- */

export interface AuditRecord {
  /** Epoch ms. */
  at: number;
  /** The token's name (`local-admin` for the local token; `anonymous` when none was given). */
  who: string;
  role?: 'viewer' | 'operator' | 'admin';
  /** The operation, e.g. `dlq.replay`, `dlq.discard`, `dlq.list`. */
  op: string;
  /** The selector or the id the operation named, as JSON. */
  selector?: unknown;
  /** How many dead letters it concerned (for a change: how many it changed). */
  count?: number;
  /**
   * Added with the admin API: of the letters a change selected, how many were refused one by
   * one (an unknown id, a state that does not allow the change) while the others were changed.
   */
  refused?: number;
  /** ok, refused (401/403) or failed (with code). */
  result: 'ok' | 'refused' | 'failed';
  code?: string;
}
