/**
 * The work on dead letters (operator and up, the API decides): claim, assign, note, resolve,
 * discard, on the ticked letters or every letter matching a filter. Each posts to the API's
 * operation with the selector and answers a redirect back with a flash saying what was done.
 */
import type { WorkResult } from '../../../dlq';
import type { ConsoleSite, Flash, PageRequest } from '../../contract';
import { safeBack } from './format';
import { describeSelection, formInvalid, selectorOf } from './selection';
import { ACTION_PATHS } from './work-panel';
import { CONSOLE_PATH } from '../../session';

type WorkOp = 'claim' | 'assign' | 'note' | 'resolve' | 'discard';

const PAST: Record<WorkOp, string> = {
  claim: 'Claimed',
  assign: 'Assigned',
  note: 'Noted',
  resolve: 'Resolved',
  discard: 'Discarded',
};

/** The body fields an operation needs besides the selector, from the form. */
function extra(op: WorkOp, form: Readonly<Record<string, string>>): Record<string, string> {
  const text = (k: string) => (form[k] ?? '').trim();
  switch (op) {
    case 'claim':
      return {};
    case 'assign':
      return { owner: text('owner') };
    case 'note':
      if (!text('text')) throw formInvalid('text', 'a note needs its text');
      return { text: text('text') };
    case 'resolve':
      return text('text') ? { note: text('text') } : {};
    case 'discard':
      if (!text('reason'))
        throw formInvalid('reason', 'a discard needs a reason (it goes into the letters’ notes)');
      return { reason: text('reason') };
  }
}

/** What the API did, in one line: applied of selected, and the first refusal. */
export function workFlash(result: WorkResult): Flash {
  const refused = result.items.filter((i) => !i.ok);
  const first = refused[0] as { id: string; code?: string; message?: string } | undefined;
  const text =
    `${PAST[result.op as WorkOp] ?? result.op} ${result.applied} of ${result.selected}` +
    (first ? `; refused ${refused.length}: ${first.code ?? ''} ${first.message ?? first.id}`.trimEnd() : '');
  return { kind: result.applied === 0 && refused.length > 0 ? 'error' : 'ok', text };
}

function workAction(op: WorkOp) {
  return async (req: PageRequest) => {
    const selector = selectorOf(req.form, req.formAll);
    const body = { selector, ...extra(op, req.form) };
    const result = await req.api.post<WorkResult>(`/dlq/${op}`, body);
    const flash = workFlash(result);
    if (result.selected === 0) flash.text = `${describeSelection(selector)}: nothing selected`;
    return { redirect: safeBack(req.form.back), flash };
  };
}

export function registerWorkActions(site: ConsoleSite): void {
  for (const op of ['claim', 'assign', 'note', 'resolve', 'discard'] as const)
    site.action(ACTION_PATHS[op].slice(CONSOLE_PATH.length), workAction(op));
}
