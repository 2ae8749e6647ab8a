import type { ApiError } from '../contract';
import { href, html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';

/**
 * Small drawing helpers the Trace, Catalog and Flows pages share: times, durations, shares,
 * links to other pages, and an API refusal shown inside a page (not as an error page).
 */

/** A time as `2026-12-05 21:40:23 UTC` in a `<time>` element (machine-readable datetime). */
export function time(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

/** A duration for people: `45 s`, `12 min`, `5 h 30 min`, `2 d 4 h`. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A share 0..1 as a percentage with one decimal; null (no data) as a dash. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share)
    ? '—'
    : `${(share * 100).toFixed(1)}%`;
}

/** The trace page of an event. */
export const traceHref = (eventId: string) => href(`${CONSOLE_PATH}/trace`, { eventId });

/** A dead letter's page (the Dead letters pages' route `/dead-letters/:id`). */
export const letterHref = (id: string) => `${CONSOLE_PATH}/dead-letters/${encodeURIComponent(id)}`;

/** One flow instance's page. */
export const instanceHref = (flow: string, key: string) =>
  href(`${CONSOLE_PATH}/flows/instance`, { flow, key });

/** An API refusal inside a page: its code and message, announced to screen readers. */
export function refusal(status: number, error: ApiError, what: string): Html {
  return html`<div class="error-panel" role="alert" data-error-code="${error.code}">
    <p>${what}: <code>${error.code}</code> (HTTP ${status})</p>
    <p>${error.message}</p>
  </div>`;
}

/**
 * A form value longer than the API takes: refused here with the console's code, naming the field,
 * rather than sent (the API would refuse it too, with the limit of its route's schema).
 */
export function tooLong(field: string, value: string, max: number): Html | undefined {
  if (value.length <= max) return undefined;
  return refusal(
    400,
    {
      code: 'CD_E_CONSOLE_FORM_INVALID',
      message: `${field}: at most ${max} characters (this one has ${value.length})`,
    },
    `The field ${field} is too long`,
  );
}

/** The period choices of the pages that read the site scorecards (whole UTC hours, kept 35 days). */
export const PERIODS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '1h', label: 'the last hour' },
  { value: '24h', label: 'the last 24 hours' },
  { value: '7d', label: 'the last 7 days' },
  { value: '30d', label: 'the last 30 days' },
];

/** The period asked for, if it is one of PERIODS, else the page's default. */
export function periodOf(asked: string | undefined, fallback: string): string {
  return PERIODS.some((p) => p.value === asked) ? asked! : fallback;
}

/** A GET form choosing the period (`since`) of a page. */
export function periodForm(action: string, since: string): Html {
  return html`<form class="filters" method="get" action="${action}">
    <div>
      <label for="since">Period</label>
      <select id="since" name="since">
        ${PERIODS.map(
          (p) =>
            html`<option value="${p.value}"${p.value === since ? html` selected` : ''}>${p.label}</option>`,
        )}
      </select>
    </div>
    <div><button type="submit">Show</button></div>
  </form>`;
}
