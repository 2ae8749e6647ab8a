import { CrossdockError } from '../core/errors';
import { OPEN_STATES, type DeadLetterState, type OperatorState, type StateChange } from './contract';

/**
 * Which state an operator (or a replay job) may move a dead letter to from which. Pure: the store
 * (dlq/store.ts) checks a change with {@link nextOperatorState} before writing it anywhere.
 *
 * | from \ to | claimed | new | replaying | replayed | discarded | resolved |
 * |---|---|---|---|---|---|---|
 * | new | yes | – | yes | – | yes | yes |
 * | claimed | yes (re-assign) | yes (unclaim) | yes | – | yes | yes |
 * | replaying | yes (cancelled, had an owner) | yes (cancelled) | – | yes | – | yes (already delivered) |
 * | replayed | – | – | – | – | – | yes |
 * | discarded, resolved | – | – | – | – | – | – |
 *
 * A change without a state (a note, a due time) is allowed in every state; an owner alone is
 * allowed while the letter is open.
 */
const ALLOWED: Readonly<Record<DeadLetterState, readonly DeadLetterState[]>> = {
  new: ['claimed', 'replaying', 'discarded', 'resolved'],
  claimed: ['claimed', 'new', 'replaying', 'discarded', 'resolved'],
  replaying: ['claimed', 'new', 'replayed', 'resolved'],
  replayed: ['resolved'],
  discarded: [],
  resolved: [],
};

export function isOpen(state: DeadLetterState): boolean {
  return OPEN_STATES.includes(state);
}

export function mayMove(from: DeadLetterState, to: DeadLetterState): boolean {
  return ALLOWED[from].includes(to);
}

/**
 * The operator state after `change`, or CD_E_DLQ_STATE_INVALID naming the letter, its state and
 * the change refused.
 */
export function nextOperatorState(id: string, current: OperatorState, change: StateChange): OperatorState {
  const to = change.state ?? current.state;
  if (change.state !== undefined && !mayMove(current.state, change.state))
    throw new CrossdockError(
      'CD_E_DLQ_STATE_INVALID',
      `dead letter ${id} is ${current.state}: it cannot become ${change.state}${
        ALLOWED[current.state].length ? ` (from ${current.state}: ${ALLOWED[current.state].join(', ')})` : ''
      }`,
      { details: { id, state: current.state, to: change.state } },
    );
  if (change.owner !== undefined && change.owner !== '' && !isOpen(to))
    throw new CrossdockError(
      'CD_E_DLQ_STATE_INVALID',
      `dead letter ${id} is ${to}: only an open letter (new, claimed) has an owner`,
      { details: { id, state: to } },
    );
  const owner =
    change.owner !== undefined ? change.owner || undefined : to === 'new' ? undefined : current.owner;
  return {
    state: to,
    ...(owner ? { owner } : {}),
    ...((change.dueAt ?? current.dueAt) !== undefined ? { dueAt: change.dueAt ?? current.dueAt } : {}),
    notes: change.note
      ? [...current.notes, { at: change.at, by: change.by, text: change.note }]
      : current.notes,
    replays: change.replay ? [...current.replays, change.replay] : current.replays,
    updatedAt: change.at,
    updatedBy: change.by,
  };
}
