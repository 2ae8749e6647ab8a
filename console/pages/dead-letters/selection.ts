/**
 * Which dead letters a form or a link names, as the API's selector (dlq/contract.ts
 * DeadLetterSelector): the letters ticked on a page (`id`, repeated), every letter shown on the
 * page (`scope=page`: the page's ids travel as `pageId`), or every letter matching the page's
 * filter (`scope=filter` with the filter's fields). The same fields travel in forms (hidden
 * inputs), in the dry-run page's query and back into the replay form, so "Replay these N" replays
 * exactly what was dry-run.
 */
import { CrossdockError } from '../../../core/errors';
import type { DeadLetterFilter, DeadLetterSelector } from '../../../dlq';
import { html, type Html } from '../../html';

/** The API's filter fields a page and a selector carry (dlq.list query, selector.filter). */
export const FILTER_FIELDS = ['group', 'subscriber', 'site', 'code', 'eventType', 'state'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type PageFilter = Partial<Record<FilterField, string>>;

/** Most ids one form may name (a page shows 50; the API bounds selections itself). */
const MAX_IDS = 1000;

/** A form field that is missing or wrong: CD_E_CONSOLE_FORM_INVALID naming it. */
export function formInvalid(field: string, message: string): CrossdockError {
  return new CrossdockError('CD_E_CONSOLE_FORM_INVALID', `${field}: ${message}`, { details: { field } });
}

/** The filter fields given (non-empty, trimmed) of a query or form. */
export function filterOf(fields: Readonly<Record<string, string>>): PageFilter {
  const out: PageFilter = {};
  for (const k of FILTER_FIELDS) {
    const v = fields[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

export const hasFilter = (f: PageFilter): boolean => Object.keys(f).length > 0;

/**
 * The selector a form names. `scope=filter`: the filter's fields (at least one); `scope=page`:
 * the page's ids; otherwise the ticked ids (at least one).
 * @throws CrossdockError CD_E_CONSOLE_FORM_INVALID naming the field
 */
export function selectorOf(
  one: Readonly<Record<string, string>>,
  all: (key: string) => string[],
): DeadLetterSelector {
  if (one.scope === 'filter') {
    const filter = filterOf(one);
    if (!hasFilter(filter))
      throw formInvalid('scope', 'every letter matching the filter needs a filter (a group, a subscriber…)');
    return { filter: filter as DeadLetterFilter };
  }
  const ids = [
    ...new Set(
      all(one.scope === 'page' ? 'pageId' : 'id')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length === 0)
    throw formInvalid('id', 'select at least one dead letter, or choose every letter matching the filter');
  if (ids.length > MAX_IDS) throw formInvalid('id', `at most ${MAX_IDS} dead letters at once`);
  return { ids };
}

/** The selector as query/form fields (the inverse of selectorOf). */
export function selectionFields(selector: DeadLetterSelector): Array<[string, string]> {
  if (selector.filter) {
    const f = selector.filter as Record<string, unknown>;
    return [
      ['scope', 'filter'],
      ...FILTER_FIELDS.filter((k) => f[k] !== undefined).map((k): [string, string] => [k, String(f[k])]),
    ];
  }
  return (selector.ids ?? []).map((id): [string, string] => ['id', id]);
}

/** A path with the selector in its query. */
export function selectionHref(path: string, selector: DeadLetterSelector): string {
  const q = new URLSearchParams(selectionFields(selector)).toString();
  return q ? `${path}?${q}` : path;
}

/** The selector as hidden inputs of a form. */
export function hiddenSelection(selector: DeadLetterSelector): Html {
  return html`${selectionFields(selector).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`,
  )}`;
}

/** The selector in words, for headings and flashes. */
export function describeSelection(selector: DeadLetterSelector): string {
  if (selector.ids)
    return selector.ids.length === 1 ? selector.ids[0]! : `${selector.ids.length} selected letters`;
  const f = (selector.filter ?? {}) as Record<string, unknown>;
  return `every letter matching ${FILTER_FIELDS.filter((k) => f[k] !== undefined)
    .map((k) => `${k} ${String(f[k])}`)
    .join(', ')}`;
}
