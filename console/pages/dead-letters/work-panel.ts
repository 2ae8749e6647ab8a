/**
 * The actions on dead letters, drawn under a list of letters or on one letter's page: one form
 * whose buttons post to the action they name (`formaction`). What it acts on is the ticked
 * letters, or every letter matching the page's filter (a whole group). Viewers get the dry run
 * only (it changes nothing; the API allows it); claim, assign, note, resolve, discard and replay
 * are drawn for operators and admins (the API refuses them to viewers anyway).
 */
import type { ConsoleRole } from '../../contract';
import { html, type Html } from '../../html';
import { canWork, DLQ_PATH } from './format';
import type { PageFilter } from './selection';
import { FILTER_FIELDS } from './selection';

/** Where the panel's buttons post (console/pages/dead-letters/actions.ts, replay.ts). */
export const ACTION_PATHS = {
  dryRun: `${DLQ_PATH}/dry-run`,
  claim: `${DLQ_PATH}/claim`,
  assign: `${DLQ_PATH}/assign`,
  note: `${DLQ_PATH}/note`,
  resolve: `${DLQ_PATH}/resolve`,
  discard: `${DLQ_PATH}/discard`,
} as const;

export interface WorkPanelInput {
  role: ConsoleRole;
  /** The page to come back to after an action. */
  back: string;
  /** One letter's page: acts on this id only (no scope choice). */
  id?: string;
  /** A list: the filter of the page (for "every letter matching"), and how many match. */
  filter?: PageFilter;
  total?: number;
  /** A list: the ids of the letters on this page (for "every letter on this page"). */
  pageIds?: readonly string[];
}

/** The id of the list's form: the letters' checkboxes belong to it (`form="work"`). */
export const WORK_FORM_ID = 'work';

function scopeChoice(filter: PageFilter, total: number | undefined, pageIds: readonly string[]): Html {
  const said = FILTER_FIELDS.filter((k) => filter[k] !== undefined)
    .map((k) => `${k} ${filter[k]}`)
    .join(', ');
  return html`<fieldset class="scope">
    <legend>Act on</legend>
    <label
      ><input type="radio" name="scope" value="ids" checked data-scope="ids" /> the letters ticked
      above</label
    >
    ${
      pageIds.length
        ? html`<label
              ><input type="radio" name="scope" value="page" data-scope="page" /> the ${pageIds.length}
              letter(s) on this page</label
            >
            ${pageIds.map((id) => html`<input type="hidden" name="pageId" value="${id}" />`)}`
        : ''
    }
    <label
      ><input type="radio" name="scope" value="filter" data-scope="filter" /> every letter matching
      ${said}${total !== undefined ? ` (${total})` : ''}</label
    >
    ${FILTER_FIELDS.filter((k) => filter[k] !== undefined).map(
      (k) => html`<input type="hidden" name="${k}" value="${filter[k]}" />`,
    )}
  </fieldset>`;
}

/**
 * The form with the actions. On a list the checkboxes sit in the table above and join this form
 * by `form="work"`. Discard asks first (data-confirm on its button) and needs a reason, checked
 * by the action (CD_E_CONSOLE_FORM_INVALID) since the other buttons of the form need none.
 */
export function workPanel(input: WorkPanelInput): Html {
  const work = canWork(input.role);
  return html`<section aria-labelledby="actions-h">
    <h2 id="actions-h">Actions</h2>
    <form id="${WORK_FORM_ID}" method="post" action="${ACTION_PATHS.dryRun}" class="work">
      <input type="hidden" name="back" value="${input.back}" />
      ${
        input.id
          ? html`<input type="hidden" name="id" value="${input.id}" />`
          : scopeChoice(input.filter ?? {}, input.total, input.pageIds ?? [])
      }
      <p>
        <button type="submit" formaction="${ACTION_PATHS.dryRun}" data-action="dry-run">
          Dry run a replay
        </button>
        <span class="muted">shows what a replay would do now; changes nothing</span>
      </p>
      ${
        work
          ? html`<p>
                <button type="submit" formaction="${ACTION_PATHS.claim}" data-action="claim">Claim</button>
                <span class="muted">you become the owner</span>
              </p>
              <p>
                <label for="owner">Owner</label>
                <input id="owner" name="owner" type="text" maxlength="200" />
                <button type="submit" formaction="${ACTION_PATHS.assign}" data-action="assign">Assign</button>
                <span class="muted">empty gives them back (state new)</span>
              </p>
              <p>
                <label for="text">Note</label>
                <input id="text" name="text" type="text" maxlength="2000" size="50" />
                <button type="submit" formaction="${ACTION_PATHS.note}" data-action="note">Add note</button>
                <button type="submit" formaction="${ACTION_PATHS.resolve}" data-action="resolve">
                  Resolve (fixed another way)
                </button>
              </p>
              <p>
                <label for="reason">Reason to discard</label>
                <input id="reason" name="reason" type="text" maxlength="2000" size="50" />
                <button
                  type="submit"
                  class="danger"
                  formaction="${ACTION_PATHS.discard}"
                  data-action="discard"
                  data-confirm="Discard these dead letters? They will not be replayed."
                >
                  Discard
                </button>
              </p>`
          : html`<p class="muted">Your role (viewer) reads and dry-runs; an operator claims, replays and discards.</p>`
      }
    </form>
  </section>`;
}
