/**
 * Operators' work on dead letters (claim, assign, note, resolve, discard) over a selection: the
 * change each operation asks of the index, and applying it to every selected letter with a
 * result per letter.
 *
 * Which state may follow which is the store's to decide (dlq/transitions.ts, checked by
 * DeadLetterStore.applyState, which refuses with CD_E_DLQ_STATE_INVALID); this file adds only
 * what concerns people:
 * - claim takes a letter for who asks; one claimed by someone else is refused (assign it to take
 *   it over), so two people never both think it is theirs;
 * - a `replaying` letter belongs to its replay job: only notes are taken until the job has sent
 *   it (pause or cancel the job first).
 *
 * | operation | asks for |
 * |---|---|
 * | claim | claimed, owner = who asks |
 * | assign `<owner>` | claimed with that owner (`''`: new, no owner) |
 * | note `<text>` | a note, state unchanged |
 * | resolve [note] | resolved |
 * | discard `<reason>` | discarded, the reason as a note |
 */
import { CrossdockError, isCrossdockError } from '../core/errors';
import type {
  DeadLetterRecord,
  DeadLetterSelector,
  DeadLetterState,
  DeadLetterStore,
  StateChange,
} from './contract';

export type WorkOp = 'claim' | 'assign' | 'note' | 'resolve' | 'discard';

/** What an operation carries besides the selector. */
export interface WorkArgs {
  /** Who asks (the token's name). */
  by: string;
  at: number;
  /** assign: the new owner. */
  owner?: string;
  /** note: the text; resolve: an optional note; discard: the reason. */
  text?: string;
}

/** One letter's outcome. */
export type WorkItemResult =
  | { id: string; ok: true; state: DeadLetterState; owner?: string }
  | { id: string; ok: false; code: string; message: string };

export interface WorkResult {
  op: WorkOp;
  /** How many letters the selector named. */
  selected: number;
  applied: number;
  refused: number;
  items: WorkItemResult[];
}

/** The change `op` asks for `record`, or why it is refused (CD_E_DLQ_STATE_INVALID) before the store is asked. */
export function planChange(
  op: WorkOp,
  record: Pick<DeadLetterRecord, 'id' | 'state' | 'owner'>,
  args: WorkArgs,
): { change: StateChange } | { refused: string } {
  const base = { by: args.by, at: args.at };
  if (op === 'note') return { change: { ...base, note: args.text ?? '' } };
  if (record.state === 'replaying')
    return {
      refused: `${record.id} is replaying: its replay job has it until it is sent (pause or cancel the job first; notes are taken)`,
    };
  switch (op) {
    case 'claim':
      if (record.state === 'claimed' && record.owner && record.owner !== args.by)
        return { refused: `${record.id} is claimed by ${record.owner}: assign it to take it over` };
      return { change: { ...base, state: 'claimed', owner: args.by } };
    case 'assign': {
      const owner = args.owner ?? '';
      return { change: { ...base, state: owner ? 'claimed' : 'new', owner } };
    }
    case 'resolve':
      return { change: { ...base, state: 'resolved', ...(args.text ? { note: args.text } : {}) } };
    case 'discard':
      return { change: { ...base, state: 'discarded', note: `discarded: ${args.text ?? ''}` } };
  }
}

/**
 * The ids a selector names, at most `max`: the ids as given, or those matching the filter.
 * @throws CrossdockError CD_E_DLQ_SELECTION_TOO_LARGE when it names more than `max`
 */
export async function resolveSelection(
  store: Pick<DeadLetterStore, 'ids'>,
  selector: DeadLetterSelector,
  max: number,
): Promise<string[]> {
  const ids = selector.ids ?? (await store.ids(selector.filter ?? {}, max + 1));
  if (ids.length > max)
    throw new CrossdockError(
      'CD_E_DLQ_SELECTION_TOO_LARGE',
      `the selector names ${selector.ids ? ids.length : `more than ${max}`} dead letters; at most ${max} at a time (deadLetters.replay.maxSelection): narrow it`,
      { details: { max, ...(selector.ids ? { selected: ids.length } : {}) } },
    );
  return ids;
}

/**
 * Applies `op` to every selected letter, one at a time, and reports each: applied with its new
 * state, or refused (CD_E_DLQ_NOT_FOUND for an unknown id, CD_E_DLQ_STATE_INVALID for a change
 * its state does not allow). A failure of the index itself (Redis) stops and throws: the letters
 * before it are changed, the rest are not, and repeating the operation is safe.
 */
export async function applyWork(
  store: Pick<DeadLetterStore, 'ids' | 'get' | 'applyState'>,
  selector: DeadLetterSelector,
  op: WorkOp,
  args: WorkArgs,
  maxSelection: number,
): Promise<WorkResult> {
  const ids = await resolveSelection(store, selector, maxSelection);
  const items: WorkItemResult[] = [];
  for (const id of ids) {
    const record = await store.get(id);
    if (!record) {
      items.push({ id, ok: false, code: 'CD_E_DLQ_NOT_FOUND', message: `no dead letter ${id} in the index` });
      continue;
    }
    const plan = planChange(op, record, args);
    if ('refused' in plan) {
      items.push({ id, ok: false, code: 'CD_E_DLQ_STATE_INVALID', message: plan.refused });
      continue;
    }
    try {
      const after = await store.applyState(id, plan.change);
      if (!after)
        items.push({
          id,
          ok: false,
          code: 'CD_E_DLQ_NOT_FOUND',
          message: `no dead letter ${id} in the index`,
        });
      else items.push({ id, ok: true, state: after.state, ...(after.owner ? { owner: after.owner } : {}) });
    } catch (err) {
      // The store may refuse too (the state changed between get and apply): that is this item's answer.
      if (isCrossdockError(err) && !err.retriable)
        items.push({ id, ok: false, code: err.code, message: err.message });
      else throw err;
    }
  }
  const applied = items.filter((i) => i.ok).length;
  return { op, selected: ids.length, applied, refused: items.length - applied, items };
}
