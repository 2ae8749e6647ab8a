import { CrossdockError } from '../../core/errors';
import {
  DEAD_LETTER_STATES,
  type DeadLetterRecord,
  type DeadLetterSelector,
  type DeadLetterState,
  type DeadLetterStore,
} from '../contract';
import { REPLAYABLE_STATES } from './predict';
import { parseDeadLetterId } from '../record';

/**
 * Which dead letters a replay selector means (the dry run and a new job resolve it alike):
 * - `ids`: exactly those, each must be indexed (CD_E_DLQ_NOT_FOUND names the first that is not);
 * - `filter`: the letters matching it that are open (new, claimed) unless the filter names a
 *   state itself — replaying "the group" means replaying what is still to be dealt with;
 * - not both, not neither, not an empty list (CD_E_DLQ_SELECTOR_INVALID); more than
 *   deadLetters.replay.maxSelection letters is CD_E_DLQ_SELECTION_TOO_LARGE.
 * The letters come back oldest failure first: the order a replay sends them in (per business key,
 * the order the events failed in).
 */

function invalid(message: string, details: Record<string, unknown> = {}): CrossdockError {
  return new CrossdockError('CD_E_DLQ_SELECTOR_INVALID', message, { details });
}

function tooLarge(count: number | string, max: number): CrossdockError {
  return new CrossdockError(
    'CD_E_DLQ_SELECTION_TOO_LARGE',
    `the selector matches ${count} dead letters, more than deadLetters.replay.maxSelection=${max}`,
    { details: { max } },
  );
}

/** The shape of a selector, checked before anything is read: its ids (deduplicated) or its filter. */
export function checkSelector(
  selector: DeadLetterSelector,
  maxSelection: number,
): { ids: string[] } | { filter: NonNullable<DeadLetterSelector['filter']> } {
  const hasIds = selector.ids !== undefined;
  const hasFilter = selector.filter !== undefined;
  if (hasIds === hasFilter)
    throw invalid(
      hasIds
        ? 'a selector takes ids or a filter, not both'
        : 'the selector is empty: give dead-letter ids or a filter',
    );
  if (hasFilter) {
    const filter = selector.filter!;
    if (filter.state !== undefined && !DEAD_LETTER_STATES.includes(filter.state))
      throw invalid(
        `unknown state ${JSON.stringify(filter.state)} in the filter (one of ${DEAD_LETTER_STATES.join(', ')})`,
        { state: filter.state },
      );
    if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until)
      throw invalid('the filter’s since is after its until', { since: filter.since, until: filter.until });
    return { filter };
  }
  if (!Array.isArray(selector.ids) || selector.ids.length === 0)
    throw invalid('the selector’s id list is empty');
  const ids = [...new Set(selector.ids)];
  for (const id of ids) {
    if (typeof id !== 'string') throw invalid(`${JSON.stringify(id)} is not a dead-letter id`, { id });
    parseDeadLetterId(id);
  }
  if (ids.length > maxSelection) throw tooLarge(ids.length, maxSelection);
  return { ids };
}

/** Oldest failure first, then by id (a stable order for letters that failed at the same ms). */
export function replayOrder(records: readonly DeadLetterRecord[]): DeadLetterRecord[] {
  return [...records].sort(
    (a, b) => a.lastFailedAt - b.lastFailedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Reads records in chunks (a selection may hold thousands). */
async function readAll(
  store: DeadLetterStore,
  ids: readonly string[],
): Promise<Array<DeadLetterRecord | undefined>> {
  const out: Array<DeadLetterRecord | undefined> = [];
  for (let i = 0; i < ids.length; i += 200)
    out.push(...(await Promise.all(ids.slice(i, i + 200).map((id) => store.get(id)))));
  return out;
}

/** The records a selector means (see the file comment), oldest failure first. */
export async function resolveSelection(
  store: DeadLetterStore,
  selector: DeadLetterSelector,
  maxSelection: number,
): Promise<DeadLetterRecord[]> {
  const shape = checkSelector(selector, maxSelection);
  let records: DeadLetterRecord[];
  if ('ids' in shape) {
    const found = await readAll(store, shape.ids);
    const missing = shape.ids.filter((_, i) => found[i] === undefined);
    if (missing.length > 0)
      throw new CrossdockError(
        'CD_E_DLQ_NOT_FOUND',
        `no dead letter ${JSON.stringify(missing[0])} in the index${missing.length > 1 ? ` (and ${missing.length - 1} more ids)` : ''}`,
        { details: { missing: missing.slice(0, 20) } },
      );
    records = found as DeadLetterRecord[];
  } else {
    const states: readonly DeadLetterState[] =
      shape.filter.state !== undefined ? [shape.filter.state] : REPLAYABLE_STATES;
    const ids: string[] = [];
    for (const state of states) {
      ids.push(...(await store.ids({ ...shape.filter, state }, maxSelection + 1)));
      if (ids.length > maxSelection) throw tooLarge(`more than ${maxSelection}`, maxSelection);
    }
    // A letter removed between ids() and get() (a reindex) is simply not selected.
    records = (await readAll(store, [...new Set(ids)])).filter((r): r is DeadLetterRecord => r !== undefined);
    if (records.length === 0)
      throw invalid(
        `no ${shape.filter.state ?? 'open (new or claimed)'} dead letter matches the filter ${JSON.stringify(shape.filter)}`,
        { filter: shape.filter },
      );
  }
  return replayOrder(records);
}
