/**
 * Selectors of dead letters as people and programs write them: ids
 * (`<topic>:<partition>:<offset>`), filters (subscriber, site, code, event type, state, group, a
 * time range), and the times in them. Used by the admin API (which checks every request with
 * these) and by the CLI (which checks its flags before a request leaves the machine).
 *
 * Every refusal is CD_E_DLQ_SELECTOR_INVALID, naming where the bad value was (`where`) and why.
 */
import { CrossdockError, isCrossdockError } from '../core/errors';
import {
  DEAD_LETTER_STATES,
  type DeadLetterFilter,
  type DeadLetterSelector,
  type DeadLetterState,
} from './contract';
import { parseDeadLetterId } from './record';

function invalid(where: string, message: string, value?: unknown): CrossdockError {
  return new CrossdockError('CD_E_DLQ_SELECTOR_INVALID', `${where}: ${message}`, {
    details: { where, ...(value !== undefined ? { value } : {}) },
  });
}

/** A dead-letter id, taken apart. */
export type DeadLetterId = ReturnType<typeof parseDeadLetterId>;

/**
 * `<topic>:<partition>:<offset>` → its parts (dlq/record.ts parseDeadLetterId), the refusal
 * naming `where` the id was given.
 * @throws CrossdockError CD_E_DLQ_SELECTOR_INVALID naming `where`
 */
export function checkDeadLetterId(id: string, where = 'id'): DeadLetterId {
  try {
    return parseDeadLetterId(id);
  } catch (err) {
    if (isCrossdockError(err)) throw invalid(where, err.message, id);
    throw err;
  }
}

/** Units of relative times: `90s`, `15m`, `2h`, `7d` before `now`. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as epoch ms from: an ISO 8601 date or date-time (`2026-03-02`,
 * `2026-03-02T15:00:00Z`), epoch milliseconds (a number, or digits), or a duration before `now`
 * (`30m`, `2h`, `7d`).
 * @throws CrossdockError CD_E_DLQ_SELECTOR_INVALID naming `where`
 */
export function parseTime(value: string | number, where: string, now: number = Date.now()): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw invalid(where, `${value} is not a time (epoch milliseconds, an ISO date or 2h/7d ago)`, value);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseTime(Number(text), where, now);
  const rel = /^(\d+)([smhd])$/.exec(text);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  throw invalid(
    where,
    `${JSON.stringify(value)} is not a time: give an ISO date (2026-03-02, 2026-03-02T15:00:00Z), epoch milliseconds, or a duration ago (30m, 2h, 7d)`,
    value,
  );
}

/** A filter as it comes from a query string, a JSON body or CLI flags (times not parsed yet). */
export interface FilterInput {
  subscriber?: string;
  site?: string;
  code?: string;
  eventType?: string;
  state?: string;
  group?: string;
  since?: string | number;
  until?: string | number;
}

/** The keys of a filter, in the order they are shown. */
export const FILTER_KEYS = Object.freeze([
  'subscriber',
  'site',
  'code',
  'eventType',
  'state',
  'group',
  'since',
  'until',
] as const);

/**
 * Checks a filter and turns its times into epoch ms. Empty strings count as absent.
 * @throws CrossdockError CD_E_DLQ_SELECTOR_INVALID naming `where`.<field>
 */
export function parseFilter(
  input: FilterInput,
  where = 'filter',
  now: number = Date.now(),
): DeadLetterFilter {
  const out: DeadLetterFilter = {};
  const text = (k: 'subscriber' | 'site' | 'code' | 'eventType' | 'group') => {
    const v = input[k];
    if (v === undefined || v === '') return;
    if (typeof v !== 'string') throw invalid(`${where}.${k}`, 'must be a string', v);
    out[k] = v;
  };
  text('subscriber');
  text('site');
  text('code');
  text('eventType');
  text('group');
  if (input.state !== undefined && input.state !== '') {
    if (!DEAD_LETTER_STATES.includes(input.state as DeadLetterState))
      throw invalid(
        `${where}.state`,
        `${JSON.stringify(input.state)} is not a state (${DEAD_LETTER_STATES.join(', ')})`,
        input.state,
      );
    out.state = input.state as DeadLetterState;
  }
  if (input.since !== undefined && input.since !== '')
    out.since = parseTime(input.since, `${where}.since`, now);
  if (input.until !== undefined && input.until !== '')
    out.until = parseTime(input.until, `${where}.until`, now);
  if (out.since !== undefined && out.until !== undefined && out.since > out.until)
    throw invalid(
      where,
      `since (${new Date(out.since).toISOString()}) is after until (${new Date(out.until).toISOString()})`,
    );
  return out;
}

/** True when the filter holds at least one condition. */
export function filterIsEmpty(filter: DeadLetterFilter): boolean {
  return FILTER_KEYS.every((k) => filter[k] === undefined);
}

/**
 * Checks a selector of an operation that changes dead letters (claim, discard, replay…): ids, or
 * a filter with at least one condition, not both, and never nothing (a selector that names
 * nothing would otherwise mean "everything"). Ids are checked and de-duplicated in order.
 * @throws CrossdockError CD_E_DLQ_SELECTOR_INVALID naming `where`
 */
export function parseSelector(
  input: { ids?: readonly string[]; filter?: FilterInput },
  where = 'selector',
  now: number = Date.now(),
): DeadLetterSelector {
  const hasIds = input.ids !== undefined;
  const hasFilter = input.filter !== undefined;
  if (hasIds && hasFilter) throw invalid(where, 'give ids or a filter, not both');
  if (hasIds) {
    if (!Array.isArray(input.ids) || input.ids.length === 0)
      throw invalid(`${where}.ids`, 'name at least one dead-letter id');
    const ids = [...new Set(input.ids)];
    ids.forEach((id, i) => checkDeadLetterId(id, `${where}.ids[${i}]`));
    return { ids };
  }
  if (hasFilter) {
    const filter = parseFilter(input.filter!, `${where}.filter`, now);
    if (filterIsEmpty(filter))
      throw invalid(
        `${where}.filter`,
        'name at least one condition (subscriber, site, code, eventType, state, group, since, until): an empty filter would select every dead letter',
      );
    return { filter };
  }
  throw invalid(where, 'name the dead letters: ids, or a filter with at least one condition');
}

/** A selector in one line, for tables and progress: `3 ids` or `code=CD_E_X subscriber=erp`. */
export function describeSelector(selector: DeadLetterSelector): string {
  if (selector.ids) return selector.ids.length === 1 ? selector.ids[0]! : `${selector.ids.length} ids`;
  const f = selector.filter ?? {};
  return FILTER_KEYS.filter((k) => f[k] !== undefined)
    .map((k) => `${k}=${k === 'since' || k === 'until' ? new Date(f[k]!).toISOString() : String(f[k])}`)
    .join(' ');
}
