import { maskPersonalData, MASK, type CatalogEntry } from '../schemas';

/**
 * Personal data inside error texts. A dead letter's reason (`cd-error-message`) and the
 * subscriber's last answer (`cd-last-error`) are free text that may quote the event: a receiver's
 * 422 body echoing the customer's name or e-mail, a validation message naming a value. For a role
 * that does not see personal data (dlq/api/roles.ts seesPersonalData) such a text is shown with
 * every personal value of the decoded event (the catalog's personalDataFields) replaced by `***`.
 * When the event's personal values cannot be known (it does not decode, or its type is not in
 * the catalog) the text is withheld whole: a text cannot be masked against values nobody knows.
 */

/** What a withheld error text becomes. */
export const WITHHELD_TEXT =
  '(withheld: the event could not be decoded, so personal data in this text cannot be masked; an admin sees it)';

/** Shorter values are not masked in texts: '1', 'no', 'US' would mask words, not people. */
const MIN_LENGTH = 3;

const SENTINEL = '\u0000cd-personal\u0000';

function leaves(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
    out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) leaves(v, out);
  else if (typeof value === 'object') for (const v of Object.values(value)) leaves(v, out);
}

function collect(original: unknown, masked: unknown, out: string[]): void {
  if (masked === SENTINEL) return leaves(original, out);
  if (original === null || typeof original !== 'object' || masked === null || typeof masked !== 'object')
    return;
  if (Array.isArray(original) && Array.isArray(masked))
    original.forEach((v, i) => collect(v, masked[i], out));
  else
    for (const [k, v] of Object.entries(original as Record<string, unknown>))
      collect(v, (masked as Record<string, unknown>)[k], out);
}

/**
 * The personal values of a decoded event (JSON form): every leaf under a personal data field,
 * as text, longest first, without repeats or values shorter than 3 characters.
 */
export function personalValues(
  entry: Pick<CatalogEntry, 'personalDataFields'>,
  event: Record<string, unknown>,
): string[] {
  const out: string[] = [];
  collect(event, maskPersonalData(entry, event, SENTINEL), out);
  return [...new Set(out.map((v) => v.trim()).filter((v) => v.length >= MIN_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every occurrence of each value replaced by `***`, case-insensitively, also in the
 * forms a receiver's body quotes it in (JSON-escaped, URL-encoded).
 */
export function maskValuesInText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) {
    const forms = new Set([v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]);
    for (const f of forms) out = out.replace(new RegExp(escapeRegExp(f), 'gi'), MASK);
  }
  return out;
}

/** An error text as a role without personal data sees it: masked by `values`, or withheld when they are unknown. */
export function errorTextFor(text: string, values: readonly string[] | undefined): string {
  if (!text) return text;
  return values === undefined ? WITHHELD_TEXT : maskValuesInText(text, values);
}
