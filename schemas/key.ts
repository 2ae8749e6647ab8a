/**
 * The business key: the Kafka message key of a canonical event.
 *
 * Rule (shared by the SDK, the ingest connectors and the router, which checks it):
 * - each path in `entry.keyFields` is read from the decoded event (dot paths, e.g. 'orderId',
 *   'metadata.siteId');
 * - a value is written as text: strings as they are, numbers and booleans with String(), Dates as
 *   ISO 8601; a missing, null or empty value is an error (CD_E_MISSING_BUSINESS_KEY);
 * - inside each value `\` becomes `\\` and `|` becomes `\|`, then values are joined with `|` in
 *   keyFields order. So ['sku', 'metadata.siteId'] gives `SKU-1001|us-chi`, and no two different
 *   value lists give the same key.
 */
import { CrossdockError } from '../core/errors';
import type { CatalogEntry } from './catalog';

export const KEY_SEPARATOR = '|';

/** Reads a dot path; undefined when a step is missing. */
export function readPath(event: unknown, dotted: string): unknown {
  let cur: unknown = event;
  for (const step of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

function keyPart(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return undefined;
}

/** The Kafka key of an event (see the rule above). */
export function businessKey(
  entry: Pick<CatalogEntry, 'eventType' | 'keyFields'>,
  event: Record<string, unknown>,
): string {
  const parts: string[] = [];
  for (const field of entry.keyFields) {
    const part = keyPart(readPath(event, field));
    if (part === undefined) {
      throw new CrossdockError(
        'CD_E_MISSING_BUSINESS_KEY',
        `${entry.eventType} has no value for its key field \`${field}\``,
        {
          details: { eventType: entry.eventType, field, keyFields: entry.keyFields },
        },
      );
    }
    parts.push(part.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'));
  }
  return parts.join(KEY_SEPARATOR);
}
