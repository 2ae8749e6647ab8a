import crypto from 'node:crypto';
import path from 'node:path';
import { CrossdockError, isCrossdockError } from '../core/errors';
import { assertKeysShareSlot, loadLuaScript, luaRunner } from '../core/lua';
import { dlqKeys, resolveRedisPrefix, type DlqIndexField } from '../core/names/redis-keys';
import { isCluster, type Redis } from '../core/redis';
import { scanMatching, unlinkFound } from '../core/redis-scan';
import type {
  DeadLetterFilter,
  DeadLetterGroup,
  DeadLetterPayload,
  DeadLetterRecord,
  DeadLetterStore,
  OperatorState,
  QueueSummary,
  WorkItem,
} from './contract';
import { DEAD_LETTER_STATES, OPEN_STATES } from './contract';
import { isOpen, nextOperatorState } from './transitions';

/**
 * The dead-letter index in Redis (dlq/contract.ts DeadLetterStore). Layout (keys from
 * core/names/redis-keys.ts dlqKeys, one hash tag):
 * - `rec:<id>`: hash — `r` the record's immutable part (JSON), `lf` its last failure (ms), the
 *   operator fields `state`, `owner`, `dueAt`, `notes` (JSON), `replays` (JSON), `updatedAt`,
 *   `updatedBy`, and the bytes `k`, `v` (base64) and `h` (headers, JSON);
 * - `all` and `by:<field>:<value>`: sorted sets of ids by last failure, the filters of `list`;
 * - `due`: open letters by due time (the work queue); `group:<key>`: each incident's counters;
 *   `event:<eventId>`: the letters of one event.
 * Adding a letter and changing a state are one script each (dlq/lua/index.lua, state.lua), so
 * the sets and counters never disagree with the records.
 */

const INDEX = loadLuaScript(path.join(__dirname, 'lua', 'index.lua'), 16);
const STATE = loadLuaScript(path.join(__dirname, 'lua', 'state.lua'), 5);

/** What the store writes a state change to before Redis (dlq/state-log.ts), so a reindex restores it. */
export interface StateSink {
  write(id: string, state: OperatorState): Promise<void>;
}

export interface DeadLetterStoreOptions {
  redis: Redis;
  /** The hub's Redis prefix; or derive it from `topicPrefix` (core/names/redis-keys.ts). */
  redisPrefix?: string;
  topicPrefix?: string;
  /** Where operator changes are kept for a reindex; none: Redis only (tests of the index alone). */
  stateLog?: StateSink;
}

const IMMUTABLE_KEYS = [
  'id',
  'topic',
  'partition',
  'offset',
  'kind',
  'code',
  'message',
  'stage',
  'site',
  'subscriber',
  'eventType',
  'schemaId',
  'schemaVersion',
  'eventId',
  'correlationId',
  'attempts',
  'firstFailedAt',
  'lastFailedAt',
  'original',
  'replayOf',
  'replayCount',
  'group',
  'indexedAt',
] as const;

const OPERATOR_FIELDS = ['state', 'owner', 'dueAt', 'notes', 'replays', 'updatedAt', 'updatedBy'] as const;

type Immutable = Pick<DeadLetterRecord, (typeof IMMUTABLE_KEYS)[number]>;

function operatorFields(s: OperatorState): string[] {
  return [
    'state',
    s.state,
    'owner',
    s.owner ?? '',
    'dueAt',
    String(s.dueAt ?? ''),
    'notes',
    JSON.stringify(s.notes),
    'replays',
    JSON.stringify(s.replays),
    'updatedAt',
    String(s.updatedAt),
    'updatedBy',
    s.updatedBy,
  ];
}

function operatorOf(h: Record<string, string>): OperatorState {
  const state = DEAD_LETTER_STATES.includes(h.state as DeadLetterState)
    ? (h.state as DeadLetterState)
    : 'new';
  const list = <T>(s: string | undefined): T[] => {
    try {
      const v = JSON.parse(s ?? '[]') as unknown;
      return Array.isArray(v) ? (v as T[]) : [];
    } catch {
      return [];
    }
  };
  return {
    state,
    ...(h.owner ? { owner: h.owner } : {}),
    ...(h.dueAt ? { dueAt: Number(h.dueAt) } : {}),
    notes: list(h.notes),
    replays: list(h.replays),
    updatedAt: Number(h.updatedAt ?? 0),
    updatedBy: h.updatedBy ?? '',
  };
}

type DeadLetterState = DeadLetterRecord['state'];

function recordOf(h: Record<string, string>): DeadLetterRecord | undefined {
  if (!h.r) return undefined;
  return { ...(JSON.parse(h.r) as Immutable), ...operatorOf(h) };
}

/** Redis failed: a retriable coded error (the CLI says so; the API answers 503). */
function unavailable(err: unknown): CrossdockError {
  if (isCrossdockError(err)) return err;
  return new CrossdockError(
    'CD_E_DLQ_INDEX_UNAVAILABLE',
    `the dead-letter index (Redis) failed: ${err instanceof Error ? err.message : String(err)}`,
    { retriable: true, cause: err },
  );
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw unavailable(err);
  }
}

const FIELD_OF: ReadonlyArray<[keyof DeadLetterFilter, DlqIndexField]> = [
  ['subscriber', 'subscriber'],
  ['site', 'site'],
  ['code', 'code'],
  ['eventType', 'type'],
  ['state', 'state'],
  ['group', 'group'],
];

/** Most items one `list` page holds. */
export const MAX_PAGE = 1000;

export function createDeadLetterStore(options: DeadLetterStoreOptions): DeadLetterStore {
  const { redis } = options;
  const keys = dlqKeys(resolveRedisPrefix(options));
  // On a cluster its scripts and MULTIs run on one slot: refuse at start when its keys do not.
  if (isCluster(redis))
    assertKeysShareSlot('the dead-letter index', [
      keys.all,
      keys.record('r'),
      keys.by('code', 'c'),
      keys.due,
      keys.groups,
      keys.group('g'),
      keys.event('e'),
      keys.values('code'),
      keys.scratch('t'),
      keys.job('j'),
      keys.jobItems('j'),
      keys.jobs,
    ]);
  const lua = luaRunner(redis, [INDEX, STATE]);

  async function getHash(id: string): Promise<Record<string, string>> {
    return redis.hgetall(keys.record(id));
  }

  async function records(ids: readonly string[]): Promise<DeadLetterRecord[]> {
    if (ids.length === 0) return [];
    const p = redis.pipeline();
    for (const id of ids) p.hmget(keys.record(id), 'r', ...OPERATOR_FIELDS);
    const res = (await p.exec()) ?? [];
    const out: DeadLetterRecord[] = [];
    res.forEach(([err, values]) => {
      if (err) throw err;
      const v = values as Array<string | null>;
      if (!v[0]) return;
      const h: Record<string, string> = { r: v[0] };
      OPERATOR_FIELDS.forEach((f, i) => {
        if (v[i + 1] !== null && v[i + 1] !== undefined) h[f] = v[i + 1]!;
      });
      const r = recordOf(h);
      if (r) out.push(r);
    });
    return out;
  }

  /**
   * The sorted set that answers a filter: one index set, or the intersection of several in a
   * scratch key (scores: the first set's, i.e. the last failure). `release` removes the scratch.
   */
  async function matching(filter: DeadLetterFilter): Promise<{ key: string; release: () => Promise<void> }> {
    const sets = FIELD_OF.filter(([f]) => filter[f] !== undefined).map(([f, field]) =>
      keys.by(field, String(filter[f])),
    );
    if (sets.length === 0) return { key: keys.all, release: async () => undefined };
    if (sets.length === 1) return { key: sets[0]!, release: async () => undefined };
    const scratch = keys.scratch(crypto.randomBytes(6).toString('hex'));
    await redis
      .multi()
      .zinterstore(scratch, sets.length, ...sets, 'WEIGHTS', 1, ...sets.slice(1).map(() => 0))
      .pexpire(scratch, 30_000)
      .exec();
    return { key: scratch, release: async () => void (await redis.del(scratch)) };
  }

  const range = (filter: DeadLetterFilter) => ({
    max: filter.until !== undefined ? String(filter.until) : '+inf',
    min: filter.since !== undefined ? String(filter.since) : '-inf',
  });

  const store: DeadLetterStore = {
    index: (record, payload) =>
      guarded(async () => {
        const immutable = Object.fromEntries(
          IMMUTABLE_KEYS.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]),
        );
        const fields = [
          'r',
          JSON.stringify(immutable),
          'lf',
          String(record.lastFailedAt),
          ...operatorFields(record),
          'v',
          payload.value.toString('base64'),
          'h',
          JSON.stringify(payload.headers),
          ...(payload.key ? ['k', payload.key.toString('base64')] : []),
        ];
        const any = keys.all;
        const added = await lua.run(
          INDEX,
          [
            keys.record(record.id),
            keys.all,
            record.subscriber ? keys.by('subscriber', record.subscriber) : any,
            record.site ? keys.by('site', record.site) : any,
            keys.by('code', record.code),
            record.eventType ? keys.by('type', record.eventType) : any,
            keys.by('state', record.state),
            keys.by('group', record.group),
            keys.due,
            keys.groups,
            keys.group(record.group),
            record.eventId ? keys.event(record.eventId) : any,
            keys.values('subscriber'),
            keys.values('site'),
            keys.values('code'),
            keys.values('type'),
          ],
          [
            record.id,
            record.lastFailedAt,
            record.state,
            record.dueAt ?? record.lastFailedAt,
            isOpen(record.state) ? '1' : '0',
            record.subscriber ?? '',
            record.site ?? '',
            record.code,
            record.eventType ?? '',
            record.group,
            record.eventId ?? '',
            record.firstFailedAt,
            record.schemaVersion ?? '',
            ...fields,
          ],
        );
        return Number(added) === 1;
      }),

    get: (id) => guarded(async () => recordOf(await getHash(id))),

    payload: (id) =>
      guarded(async () => {
        const [v, h, k] = await redis.hmget(keys.record(id), 'v', 'h', 'k');
        if (v === null || v === undefined) return undefined;
        return {
          key: k ? Buffer.from(k, 'base64') : null,
          value: Buffer.from(v, 'base64'),
          headers: JSON.parse(h ?? '{}') as Record<string, string>,
        } satisfies DeadLetterPayload;
      }),

    list: (filter, page) =>
      guarded(async () => {
        const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(page.limit)));
        const offset = page.cursor !== undefined ? Number(page.cursor) : 0;
        if (!Number.isInteger(offset) || offset < 0)
          throw new CrossdockError(
            'CD_E_DLQ_SELECTOR_INVALID',
            `cursor ${JSON.stringify(page.cursor)} is not one this list gave`,
          );
        const { key, release } = await matching(filter);
        try {
          const { max, min } = range(filter);
          const [ids, total] = await Promise.all([
            redis.zrevrangebyscore(key, max, min, 'LIMIT', offset, limit),
            redis.zcount(key, min, max),
          ]);
          const items = await records(ids);
          const next = offset + ids.length;
          return { items, total, ...(next < total && ids.length > 0 ? { next: String(next) } : {}) };
        } finally {
          await release();
        }
      }),

    ids: (filter, max) =>
      guarded(async () => {
        const { key, release } = await matching(filter);
        try {
          const r = range(filter);
          return await redis.zrevrangebyscore(key, r.max, r.min, 'LIMIT', 0, Math.max(0, Math.floor(max)));
        } finally {
          await release();
        }
      }),

    groups: (filter = {}) =>
      guarded(async () => {
        const gks = await redis.smembers(keys.groups);
        if (gks.length === 0) return [];
        const p = redis.pipeline();
        for (const g of gks) p.hgetall(keys.group(g));
        const res = (await p.exec()) ?? [];
        const out: DeadLetterGroup[] = [];
        res.forEach(([err, value]) => {
          if (err) throw err;
          const h = value as Record<string, string>;
          if (!h.group) return;
          const g: DeadLetterGroup = {
            group: h.group,
            code: h.code ?? '',
            ...(h.site ? { site: h.site } : {}),
            ...(h.subscriber ? { subscriber: h.subscriber } : {}),
            ...(h.schemaVersion ? { schemaVersion: Number(h.schemaVersion) } : {}),
            ...(h.eventType ? { eventType: h.eventType } : {}),
            count: Number(h.count ?? 0),
            open: Number(h.open ?? 0),
            firstSeen: Number(h.firstSeen ?? 0),
            lastSeen: Number(h.lastSeen ?? 0),
          };
          if (filter.subscriber !== undefined && g.subscriber !== filter.subscriber) return;
          if (filter.site !== undefined && g.site !== filter.site) return;
          if (filter.code !== undefined && g.code !== filter.code) return;
          if (filter.openOnly && g.open === 0) return;
          out.push(g);
        });
        return out.sort((a, b) => b.lastSeen - a.lastSeen || b.count - a.count);
      }),

    ofEvent: (eventId) => guarded(async () => (await redis.smembers(keys.event(eventId))).sort()),

    applyState: (id, change) =>
      guarded(async () => {
        for (let attempt = 0; attempt < 10; attempt++) {
          const h = await getHash(id);
          if (!h.r) return undefined;
          const current = operatorOf(h);
          const next = nextOperatorState(id, current, change);
          await options.stateLog?.write(id, next);
          const group = (JSON.parse(h.r) as Immutable).group;
          const applied = Number(
            await lua.run(
              STATE,
              [
                keys.record(id),
                keys.by('state', current.state),
                keys.by('state', next.state),
                keys.due,
                keys.group(group),
              ],
              [
                id,
                current.state,
                next.state,
                isOpen(next.state) ? '1' : '0',
                isOpen(current.state) ? '1' : '0',
                ...operatorFields(next),
              ],
            ),
          );
          if (applied === 1) return next;
          if (applied === -1) return undefined;
        }
        throw new CrossdockError(
          'CD_E_DLQ_STATE_INVALID',
          `dead letter ${id} kept changing while this change was applied; try again`,
          { retriable: true },
        );
      }),

    queue: ({ limit, now, owner, subscriber }) =>
      guarded(async () => {
        const want = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
        const items: WorkItem[] = [];
        // Owner and subscriber are checked on the records: read the due set in slices until enough.
        for (let start = 0; items.length < want; start += 500) {
          const ids = await redis.zrange(keys.due, start, start + 499);
          if (ids.length === 0) break;
          for (const r of await records(ids)) {
            if (owner !== undefined && r.owner !== owner) continue;
            if (subscriber !== undefined && r.subscriber !== subscriber) continue;
            const dueAt = r.dueAt ?? r.lastFailedAt;
            items.push({
              id: r.id,
              dueAt,
              overdue: dueAt < now,
              state: r.state,
              ...(r.owner ? { owner: r.owner } : {}),
              code: r.code,
              ...(r.subscriber ? { subscriber: r.subscriber } : {}),
              ...(r.site ? { site: r.site } : {}),
              ...(r.eventType ? { eventType: r.eventType } : {}),
              lastFailedAt: r.lastFailedAt,
            });
            if (items.length === want) break;
          }
        }
        return items;
      }),

    summary: (now) =>
      guarded(async () => {
        const [open, overdue, ...oldest] = await Promise.all([
          redis.zcard(keys.due),
          redis.zcount(keys.due, '-inf', `(${now}`),
          ...OPEN_STATES.map((s) => redis.zrange(keys.by('state', s), 0, 0, 'WITHSCORES')),
        ]);
        const firsts = (oldest as string[][]).filter((o) => o.length === 2).map((o) => Number(o[1]));
        const depth = new Map<string, { subscriber: string; code: string; open: number }>();
        for (const g of await store.groups({ openOnly: true })) {
          const subscriber = g.subscriber ?? 'router';
          const k = `${subscriber}|${g.code}`;
          const d = depth.get(k) ?? { subscriber, code: g.code, open: 0 };
          d.open += g.open;
          depth.set(k, d);
        }
        return {
          open: open as number,
          overdue: overdue as number,
          ...(firsts.length ? { oldestOpenAt: Math.min(...firsts) } : {}),
          depth: [...depth.values()].sort((a, b) => b.open - a.open),
        } satisfies QueueSummary;
      }),

    size: () => guarded(() => redis.zcard(keys.all)),

    clear: () =>
      guarded(async () => {
        // Every index key, not the replay jobs: SCAN the tag's keys and delete in batches.
        const base = keys.all.slice(0, -':all'.length);
        const jobs = `${base}:job`;
        // One tag, so one slot: on a cluster only its primary finds any (core/redis-scan.ts).
        await scanMatching(redis, `${escapeGlob(base)}:*`, async (found, node) => {
          const doomed = found.filter((k) => !k.startsWith(jobs));
          if (doomed.length) await unlinkFound(redis, node, doomed);
        });
      }),
  };
  return store;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
