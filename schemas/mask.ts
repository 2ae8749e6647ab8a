/**
 * Masking of fields marked `"pii": true` (CatalogEntry.personalDataFields), for viewers of DLQ
 * messages, logs and CLIs. Paths use the catalog's notation: dots between fields, `[]` for array
 * items, `{}` for map values (e.g. 'shipTo.email', 'lines[].contactName').
 */
import type { CatalogEntry } from './catalog';

/** What a masked value becomes. Nulls stay null (the absence of a value is not personal). */
export const MASK = '***';

function maskAt(node: unknown, segments: string[], mask: string): unknown {
  if (node === null || node === undefined) return node;
  const [head, ...rest] = segments;
  if (head === undefined) return mask;
  const m = /^(.*?)(\[\]|\{\})?$/.exec(head)!;
  const name = m[1]!;
  const container = m[2];
  if (typeof node !== 'object' || Array.isArray(node)) return node;
  const obj = { ...(node as Record<string, unknown>) };
  if (!(name in obj)) return obj;
  const value = obj[name];
  if (container === '[]' && Array.isArray(value)) obj[name] = value.map((item) => maskAt(item, rest, mask));
  else if (container === '{}' && value && typeof value === 'object') {
    obj[name] = Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskAt(v, rest, mask)]),
    );
  } else if (!container)
    obj[name] = rest.length
      ? maskAt(value, rest, mask)
      : value === null || value === undefined
        ? value
        : mask;
  return obj;
}

/** A copy of `event` (decoded or JSON form) with every personal data field replaced by `mask`. */
export function maskPersonalData<T extends Record<string, unknown>>(
  entry: Pick<CatalogEntry, 'personalDataFields'>,
  event: T,
  mask: string = MASK,
): T {
  let out: unknown = event;
  for (const p of entry.personalDataFields) {
    // 'lines[].name' → ['lines[]', 'name']: container markers never contain dots.
    out = maskAt(out, p.split('.'), mask);
  }
  return out as T;
}
