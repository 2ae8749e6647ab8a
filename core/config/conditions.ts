import type { Condition } from './types';

/**
 * The meaning of a field or header condition (`routes[].match.fields`, `match.headers`,
 * `flows[].steps[].where`): one definition, so a route and a flow step read the same condition
 * the same way. Pure and synchronous. `value` comes from the decoded event as JSON: decimals are
 * exact strings ("1234.50"), and `range` (and `equals`/`in` between a number and a numeric string)
 * compares them as numbers.
 */

/** The value at a dot path (`lines.0.sku`); undefined when any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const step of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // Decimals arrive as exact strings; range compares them as numbers.
  if (typeof v === 'string' && /^[+-]?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function scalarEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date) return a.toISOString() === b;
  const na = asNumber(a);
  const nb = asNumber(b);
  return na !== undefined && nb !== undefined && typeof a !== typeof b ? na === nb : false;
}

/** undefined when the condition holds, else a short reason. */
export function testCondition(c: Condition, value: unknown, label: string): string | undefined {
  const shown = value === undefined ? 'absent' : JSON.stringify(value);
  if (c.exists !== undefined) {
    const present = value !== undefined && value !== null;
    return present === c.exists
      ? undefined
      : `${label} is ${present ? 'present' : 'absent'}, want exists=${c.exists}`;
  }
  if (c.equals !== undefined)
    return scalarEquals(value, c.equals)
      ? undefined
      : `${label} is ${shown}, want ${JSON.stringify(c.equals)}`;
  if (c.in !== undefined)
    return c.in.some((x) => scalarEquals(value, x))
      ? undefined
      : `${label} is ${shown}, want one of ${JSON.stringify(c.in)}`;
  if (c.prefix !== undefined)
    return typeof value === 'string' && value.startsWith(c.prefix)
      ? undefined
      : `${label} is ${shown}, want prefix "${c.prefix}"`;
  if (c.range !== undefined) {
    const n = asNumber(value);
    const r = c.range;
    const ok =
      n !== undefined &&
      (r.gt === undefined || n > r.gt) &&
      (r.gte === undefined || n >= r.gte) &&
      (r.lt === undefined || n < r.lt) &&
      (r.lte === undefined || n <= r.lte);
    return ok ? undefined : `${label} is ${shown}, want within ${JSON.stringify(r)}`;
  }
  return `${label}: condition has no operator`;
}
