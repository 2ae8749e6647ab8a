import type { IHeaders } from 'kafkajs';

/** Reading ingress headers for the header checks of router/validate.ts. */

/** One header as a string (first value when repeated); undefined when absent. */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

const TEXT_BYTES = new Map<string, Buffer>();
/** The UTF-8 bytes of a text the checks compare headers with (event types, constants), cached. */
function bytesOf(text: string): Buffer {
  let b = TEXT_BYTES.get(text);
  if (!b) {
    if (TEXT_BYTES.size >= 10_000) TEXT_BYTES.clear();
    TEXT_BYTES.set(text, (b = Buffer.from(text, 'utf8')));
  }
  return b;
}

/** Whether header `name` (its first value) is exactly `text`; undefined when absent. */
export function headerEquals(headers: IHeaders, name: string, text: string): boolean | undefined {
  const v = headers[name];
  if (v === undefined || v === null) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  if (one === undefined) return undefined;
  return Buffer.isBuffer(one) ? one.equals(bytesOf(text)) : String(one) === text;
}

/** The refusal of a header that contradicts the event (router.headers). */
export function headerMismatch(
  name: string,
  value: string,
  want: string,
): { code: string; message: string; details: Record<string, unknown> } {
  return {
    code: 'CD_E_HEADER_MISMATCH',
    message: `header ${name}=${JSON.stringify(value)} but the event says ${want}`,
    details: { header: name },
  };
}

/**
 * The only headers the checks of router/validate.ts read (router.headers). Whoever hands records
 * to a validator on another thread may leave the others out (router/analysis-wire.ts); keep this
 * list in step with the header checks.
 */
export const VALIDATED_HEADERS: ReadonlySet<string> = new Set([
  'ce_specversion',
  'ce_id',
  'ce_type',
  'ce_time',
  'content-type',
]);
