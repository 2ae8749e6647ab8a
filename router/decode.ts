import avsc from 'avsc';
import { AVRO_OPTIONS } from '../core/avro';
import type { ResolvedSchema } from '../core/registry';

/**
 * The validation decode without logical-type conversions.
 *
 * The router must prove that the body decodes completely with the writer schema, but it forwards
 * the original bytes, so it only needs converted values (decimal strings, Dates, day strings)
 * where a check or a route reads them: the metadata, the business key, data rules, payload-field
 * routes. Converting every decimal (a BigInt per byte, then a string) and every timestamp of
 * every event costs more than the rest of the decode.
 *
 * The "lite" type reads the same schema with the same avsc types underneath, so it accepts and
 * refuses exactly the same bytes as the converting type (core/avro.ts): the decimal, timestamp
 * and uuid conversions never fail on decoded input, so they are dropped (decimals stay Buffers,
 * timestamps numbers); the date conversion can fail (a day count beyond what a Date holds), so
 * the lite date type keeps that check and returns the day count; plain longs keep crossdock's
 * safe-long type (refused beyond ±(2^53−1)).
 */

const DAY_MS = 86_400_000;
/** ECMAScript time values: ±8.64e15 ms around the epoch. */
const MAX_TIME_MS = 8.64e15;

/** `date` as its day count, refusing what the converting type's toISOString() would refuse. */
class CheckedDayType extends avsc.types.LogicalType {
  protected override _fromValue(days: number): number {
    // Same failure as `new Date(days * DAY_MS).toISOString()` in core/avro.ts.
    if (!(Math.abs(days * DAY_MS) <= MAX_TIME_MS)) throw new RangeError('Invalid time value');
    return days;
  }

  protected override _toValue(value: unknown): number {
    return value as number;
  }
}

/** Marks a string or bytes node of a transformed schema whose value nobody reads. */
const SKIP = 'cd.skip';

/**
 * String and bytes types that check the bytes exactly as reading would (length varint, not
 * negative, inside the body: avsc's skip and read share those checks) without building the
 * value: no string, no Buffer copy. The value reads as null. (avsc types are frozen, hence
 * subclasses rather than patched instances; they hold no state, so one of each is shared.)
 */
type Skipper = { skipString(): void; skipBytes(): void };
class SkippedStringType extends avsc.types.StringType {
  _read(tap: Skipper): null {
    tap.skipString();
    return null;
  }
}
class SkippedBytesType extends avsc.types.BytesType {
  _read(tap: Skipper): null {
    tap.skipBytes();
    return null;
  }
}
const SKIPPED = { string: new SkippedStringType(), bytes: new SkippedBytesType() };

const LITE_OPTIONS: Partial<avsc.ForSchemaOptions> = {
  logicalTypes: { date: CheckedDayType } as Partial<avsc.ForSchemaOptions>['logicalTypes'],
  // The converting type already asserted the logical types when the schema was resolved.
  assertLogicalTypes: false,
  typeHook: ((schema: unknown, opts: unknown) => {
    const s = schema as { type?: unknown; [SKIP]?: unknown } | null;
    if (s && typeof s === 'object' && s[SKIP] === true) return SKIPPED[s.type as 'string' | 'bytes'];
    return (AVRO_OPTIONS.typeHook as (x: unknown, o: unknown) => avsc.Type | undefined)(schema, opts);
  }) as avsc.ForSchemaOptions['typeHook'],
};

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const COMPLEX = new Set(['record', 'error', 'enum', 'fixed', 'array', 'map']);
const shortName = (n: string) => n.slice(n.lastIndexOf('.') + 1);

/**
 * The writer schema with every string and bytes value outside `keep` (top-level field names)
 * marked to be skipped; undefined when that cannot be done safely (not a record, or a kept field
 * refers by name to a type defined in a skipped part, which would then be skipped too).
 */
function skippingSchema(schema: unknown, keep: ReadonlySet<string>): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const root = schema as { type?: unknown; fields?: Array<{ name: string; type: unknown }> };
  if (root.type !== 'record' || !Array.isArray(root.fields)) return undefined;
  const skippedNames = new Set<string>();
  const transform = (t: unknown): unknown => {
    if (typeof t === 'string') return t === 'string' || t === 'bytes' ? { type: t, [SKIP]: true } : t;
    if (Array.isArray(t)) return t.map(transform);
    if (typeof t !== 'object' || t === null) return t;
    const o = t as Record<string, unknown>;
    if (typeof o.name === 'string') skippedNames.add(shortName(o.name));
    switch (o.type) {
      case 'string':
      case 'bytes':
        return { type: o.type, [SKIP]: true };
      case 'record':
      case 'error':
        return {
          ...o,
          fields: (o.fields as Array<Record<string, unknown>>).map((f) => ({
            ...f,
            type: transform(f.type),
          })),
        };
      case 'array':
        return { ...o, items: transform(o.items) };
      case 'map':
        return { ...o, values: transform(o.values) };
      default:
        return typeof o.type === 'object' ? { ...o, type: transform(o.type) } : o;
    }
  };
  const refersToSkipped = (t: unknown): boolean => {
    if (typeof t === 'string') return !PRIMITIVES.has(t) && !COMPLEX.has(t) && skippedNames.has(shortName(t));
    if (Array.isArray(t)) return t.some(refersToSkipped);
    if (typeof t !== 'object' || t === null) return false;
    const o = t as Record<string, unknown>;
    return (
      refersToSkipped(o.type) ||
      (Array.isArray(o.fields) &&
        (o.fields as Array<{ type: unknown }>).some((f) => refersToSkipped(f.type))) ||
      (o.items !== undefined && refersToSkipped(o.items)) ||
      (o.values !== undefined && refersToSkipped(o.values))
    );
  };
  const fields = root.fields.map((f) => (keep.has(f.name) ? f : { ...f, type: transform(f.type) }));
  if (root.fields.some((f) => keep.has(f.name) && refersToSkipped(f.type))) return undefined;
  return { ...root, fields };
}

const liteTypes = new WeakMap<ResolvedSchema, Map<string, avsc.Type>>();

/**
 * The non-converting Type of a resolved writer schema (cached per resolved schema and `keep`).
 * With `keep` (top-level field names: the metadata and the business key's fields), the strings
 * and bytes of every other field are skipped, not built: they read as null.
 */
export function liteTypeOf(schema: ResolvedSchema, keep?: readonly string[]): avsc.Type {
  let bySchema = liteTypes.get(schema);
  if (!bySchema) liteTypes.set(schema, (bySchema = new Map()));
  const memo = keep ? keep.join('\n') : '';
  let t = bySchema.get(memo);
  if (!t) {
    const skipping = keep ? skippingSchema(schema.schema, new Set(keep)) : undefined;
    t = avsc.Type.forSchema((skipping ?? schema.schema) as avsc.Schema, { ...LITE_OPTIONS });
    bySchema.set(memo, t);
  }
  return t;
}

const keyPlain = new WeakMap<ResolvedSchema, Map<string, boolean>>();

/**
 * Whether every business-key path of `keyFields` reaches a field whose lite value equals its
 * converted value (no decimal, timestamp or date on the way). Unknown paths answer false, so
 * the caller falls back to the converting decode.
 */
export function keyReadsPlainValues(schema: ResolvedSchema, keyFields: readonly string[]): boolean {
  let bySchema = keyPlain.get(schema);
  if (!bySchema) keyPlain.set(schema, (bySchema = new Map()));
  const memoKey = keyFields.join('\n');
  let ok = bySchema.get(memoKey);
  if (ok === undefined) {
    ok = keyFields.every((path) => pathIsPlain(schema.type, path.split('.')));
    bySchema.set(memoKey, ok);
  }
  return ok;
}

function pathIsPlain(type: avsc.Type, steps: string[]): boolean {
  let t: avsc.Type | undefined = type;
  for (const step of steps) {
    t = unwrapNull(t);
    if (!(t instanceof avsc.types.RecordType)) return false;
    t = t.field(step)?.type;
    if (!t) return false;
  }
  t = unwrapNull(t);
  if (t instanceof avsc.types.LogicalType)
    return (t as unknown as { _logicalTypeName?: string })._logicalTypeName === 'uuid';
  return (
    t instanceof avsc.types.StringType ||
    t instanceof avsc.types.IntType ||
    t instanceof avsc.types.BooleanType ||
    t instanceof avsc.types.EnumType ||
    t.typeName === 'long' ||
    t.typeName === 'abstract:long'
  );
}

/** `["null", T]` → T (other unions stay as they are). */
function unwrapNull(t: avsc.Type): avsc.Type {
  if (t instanceof avsc.types.UnwrappedUnionType) {
    const branches = t.types.filter((b) => b.typeName !== 'null');
    if (branches.length === 1) return branches[0]!;
  }
  return t;
}
