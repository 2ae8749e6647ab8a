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

/** The dead-letter index (dlq/store.ts). Every method throws a retriable error when Redis fails. */
export interface DeadLetterStore {
  /**
   * Adds a dead letter unless its id is indexed already (then nothing changes: the indexer may
   * read a record twice). `operator` restores a state kept on `<prefix>.dlq.state`. Returns
   * whether it was added.
   */
  index(record: DeadLetterRecord): Promise<boolean>;
  get(id: string): Promise<DeadLetterRecord | undefined>;
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
