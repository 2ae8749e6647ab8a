/**
 * In-memory stand-ins for the dead-letter services, for unit tests of the admin API only (the
 * integration tests use the real store over Redis).
 */
import type {
  AuditRecord,
  DeadLetterFilter,
  DeadLetterGroup,
  DeadLetterPayload,
  DeadLetterRecord,
  DeadLetterStore,
  OperatorState,
  DeadLetterSelector,
  ReplayJob,
  ReplayService,
  Tracer,
} from '../../../dlq';
import { auditMatches, type AuditLog } from '../../../dlq';
import { nextOperatorState } from '../../../dlq';

export function letter(id: string, over: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  const [topic, partition, offset] = [id.split(':')[0]!, Number(id.split(':')[1]), id.split(':')[2]!];
  return {
    id,
    topic,
    partition,
    offset,
    kind: 'deliver',
    code: 'CD_E_DELIVERY_REJECTED',
    message: 'the receiver said 400',
    stage: 'deliver.http',
    site: 'us-atl',
    subscriber: 'erp',
    eventType: 'OrderReleased',
    eventId: `ev-${offset}`,
    attempts: 1,
    firstFailedAt: 1000,
    lastFailedAt: 2000,
    original: { topic: 'x.deliver.erp', partition: 0, offset },
    replayCount: 0,
    group: 'g1',
    indexedAt: 3000,
    state: 'new',
    notes: [],
    replays: [],
    updatedAt: 3000,
    updatedBy: 'indexer',
    ...over,
  };
}

const matches = (r: DeadLetterRecord, f: DeadLetterFilter) =>
  (f.subscriber === undefined || r.subscriber === f.subscriber) &&
  (f.site === undefined || r.site === f.site) &&
  (f.code === undefined || r.code === f.code) &&
  (f.eventType === undefined || r.eventType === f.eventType) &&
  (f.state === undefined || r.state === f.state) &&
  (f.group === undefined || r.group === f.group) &&
  (f.since === undefined || r.lastFailedAt >= f.since) &&
  (f.until === undefined || r.lastFailedAt <= f.until);

/** The incident groups of some letters, as the real store keeps them (dlq/store.ts groups). */
function groupsOf(
  records: readonly DeadLetterRecord[],
  filter: { subscriber?: string; site?: string; code?: string; openOnly?: boolean },
): DeadLetterGroup[] {
  const by = new Map<string, DeadLetterGroup>();
  for (const r of records) {
    const open = r.state === 'new' || r.state === 'claimed' ? 1 : 0;
    const g = by.get(r.group);
    if (g) {
      g.count += 1;
      g.open += open;
      g.firstSeen = Math.min(g.firstSeen, r.firstFailedAt);
      g.lastSeen = Math.max(g.lastSeen, r.lastFailedAt);
      continue;
    }
    by.set(r.group, {
      group: r.group,
      code: r.code,
      ...(r.site ? { site: r.site } : {}),
      ...(r.subscriber ? { subscriber: r.subscriber } : {}),
      ...(r.schemaVersion !== undefined ? { schemaVersion: r.schemaVersion } : {}),
      ...(r.eventType ? { eventType: r.eventType } : {}),
      count: 1,
      open,
      firstSeen: r.firstFailedAt,
      lastSeen: r.lastFailedAt,
    });
  }
  return [...by.values()]
    .filter(
      (g) =>
        (filter.subscriber === undefined || g.subscriber === filter.subscriber) &&
        (filter.site === undefined || g.site === filter.site) &&
        (filter.code === undefined || g.code === filter.code) &&
        (!filter.openOnly || g.open > 0),
    )
    .sort((a, b) => b.lastSeen - a.lastSeen || b.count - a.count);
}

export function fakeStore(
  records: DeadLetterRecord[],
  payloads: Record<string, DeadLetterPayload> = {},
): DeadLetterStore {
  const byId = new Map(records.map((r) => [r.id, r]));
  return {
    async index(record, payload) {
      if (byId.has(record.id)) return false;
      byId.set(record.id, record);
      payloads[record.id] = payload;
      return true;
    },
    get: async (id) => byId.get(id),
    payload: async (id) => payloads[id],
    async list(filter, page) {
      const all = [...byId.values()].filter((r) => matches(r, filter));
      const from = page.cursor ? Number(page.cursor) : 0;
      const items = all.slice(from, from + page.limit);
      return {
        items,
        total: all.length,
        ...(from + page.limit < all.length ? { next: String(from + page.limit) } : {}),
      };
    },
    ids: async (filter, max) =>
      [...byId.values()]
        .filter((r) => matches(r, filter))
        .slice(0, max)
        .map((r) => r.id),
    groups: async (filter = {}) => groupsOf([...byId.values()], filter),
    ofEvent: async (eventId) => [...byId.values()].filter((r) => r.eventId === eventId).map((r) => r.id),
    async applyState(id, change) {
      const r = byId.get(id);
      if (!r) return undefined;
      // The real store's state machine (dlq/transitions.ts).
      const next: OperatorState = nextOperatorState(id, r, change);
      delete r.owner;
      delete r.dueAt;
      Object.assign(r, next);
      return next;
    },
    queue: async () => [],
    summary: async () => ({ open: 0, overdue: 0, depth: [] }),
    size: async () => byId.size,
    clear: async () => byId.clear(),
  };
}

export function fakeAudit(): AuditLog & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    records,
    record: async (r) => void records.unshift(r),
    list: async (q) => records.filter((r) => auditMatches(r, q)).slice(0, q.limit),
  };
}

/** What a fake replay service was asked, for tests to check the selector a caller sent. */
export interface FakeReplayCalls {
  dryRuns: DeadLetterSelector[];
  started: DeadLetterSelector[];
  /** Moves a job on (its counts, its state), as the runner would. */
  advance(id: string, patch: Partial<ReplayJob>): void;
}

/**
 * A replay service in memory. Given a store, a filter selects that store's letters (open ones
 * unless the filter names a state, as the real service does); without one, only ids select.
 */
export function fakeReplay(store?: Pick<DeadLetterStore, 'ids' | 'get'>): ReplayService & FakeReplayCalls {
  const jobs = new Map<string, ReplayJob>();
  const dryRuns: DeadLetterSelector[] = [];
  const started: DeadLetterSelector[] = [];
  const job = (id: string): ReplayJob => {
    const j = jobs.get(id);
    if (!j) throw new Error(`no job ${id}`);
    return j;
  };
  const selected = async (selector: DeadLetterSelector): Promise<string[]> => {
    if (selector.ids) return selector.ids;
    if (!store || !selector.filter) return [];
    const ids = await store.ids(selector.filter, 100_000);
    if (selector.filter.state) return ids;
    const open: string[] = [];
    for (const id of ids) {
      const r = await store.get(id);
      if (r && (r.state === 'new' || r.state === 'claimed')) open.push(id);
    }
    return open;
  };
  return {
    dryRuns,
    started,
    advance: (id, patch) => void Object.assign(job(id), patch),
    async dryRun(selector) {
      dryRuns.push(selector);
      return (await selected(selector)).map((id) => ({
        id,
        outcome: 'deliver' as const,
        subscribers: ['erp'],
      }));
    },
    async start(selector, options) {
      started.push(selector);
      const j: ReplayJob = {
        id: `job-${jobs.size + 1}`,
        state: 'running',
        selector,
        ratePerSecond: options.ratePerSecond ?? 50,
        total: (await selected(selector)).length,
        done: 0,
        sent: 0,
        skipped: 0,
        refused: 0,
        createdAt: 1,
        createdBy: options.by,
        updatedAt: 1,
      };
      jobs.set(j.id, j);
      return j;
    },
    get: async (id) => jobs.get(id),
    list: async (limit) => [...jobs.values()].reverse().slice(0, limit),
    pause: async (id) => Object.assign(job(id), { state: 'paused' as const }),
    resume: async (id) => Object.assign(job(id), { state: 'running' as const }),
    cancel: async (id) => Object.assign(job(id), { state: 'cancelled' as const }),
  };
}

export const fakeTracer: Tracer = { trace: async (eventId) => ({ eventId, subscribers: [] }) };
