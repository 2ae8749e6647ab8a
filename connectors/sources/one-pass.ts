import type avsc from 'avsc';

/**
 * One Avro pass instead of check + encode, for the source connectors.
 *
 * avsc's `isValid` (with an error hook, for problem paths) followed by `toBuffer` converts every
 * logical value (decimals above all) twice. Writing first and
 * explaining only on failure gives the same verdicts when, for every value, "the writer accepts
 * it" ⇔ "isValid accepts it". In avsc 5.7 the writer and the checker of each primitive, enum,
 * array, unwrapped union and logical type test exactly the same condition, with one exception:
 * a record's checker refuses a value that is not an object, while its writer reads the fields of
 * whatever it is given — a string, number or boolean passes when every field of the record still
 * writes with `undefined` (a default, an enum with a symbol named "undefined") or is a property
 * of the primitive's prototype ("length"). `onePassAgrees` says whether a schema is free of such
 * records and of any type not listed above; the codec falls back to check + encode for a schema
 * where it is not.
 */

/** Property names a string, number or boolean answers for (so `"abc".length` is not undefined). */
const PRIMITIVE_PROPS = new Set<string>(
  [String.prototype, Number.prototype, Boolean.prototype, Object.prototype].flatMap((p) =>
    Object.getOwnPropertyNames(p),
  ),
);

/** Logical types whose `_toValue` either throws or returns a defined value (core/avro.ts). */
const KNOWN_LOGICAL = new Set(['DecimalType', 'TimestampMillisType', 'DateType', 'UuidType']);

const SAME_VERDICT_PRIMITIVES = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'abstract:long',
  'string',
  'bytes',
]);

interface TypeShape {
  typeName: string;
  constructor: { name: string };
  fields?: Array<{ name: string; type: avsc.Type; defaultValue(): unknown }>;
  itemsType?: avsc.Type;
  types?: avsc.Type[];
  symbols?: string[];
  underlyingType?: avsc.Type;
}

function writesUndefined(field: { type: avsc.Type; defaultValue(): unknown }): boolean {
  if (field.defaultValue() !== undefined) return true;
  const t = field.type as unknown as TypeShape;
  return t.typeName === 'enum' && (t.symbols ?? []).includes('undefined');
}

const verdicts = new WeakMap<avsc.Type, boolean>();

/** True when writing a value succeeds exactly when `type.isValid(value)` is true. Cached per type. */
export function onePassAgrees(type: avsc.Type): boolean {
  let v = verdicts.get(type);
  if (v === undefined) verdicts.set(type, (v = agrees(type, new Set())));
  return v;
}

function agrees(type: avsc.Type, seen: Set<avsc.Type>): boolean {
  if (seen.has(type)) return true; // a recursive reference: judged where it was first met
  seen.add(type);
  const t = type as unknown as TypeShape;
  switch (t.typeName) {
    case 'record':
    case 'error': {
      const fields = t.fields ?? [];
      // A primitive in place of this record must fail at least one field write, as isValid fails it.
      const strict = fields.some((f) => !writesUndefined(f) && !PRIMITIVE_PROPS.has(f.name));
      return strict && fields.every((f) => agrees(f.type, seen));
    }
    case 'array':
      return agrees(t.itemsType!, seen);
    case 'union:unwrapped':
      return (t.types ?? []).every((b) => agrees(b, seen));
    case 'enum':
      return true;
    case 'logical:decimal':
    case 'logical:timestamp-millis':
    case 'logical:date':
    case 'logical:uuid':
      return KNOWN_LOGICAL.has(t.constructor.name) && agrees(t.underlyingType!, seen);
    default:
      return SAME_VERDICT_PRIMITIVES.has(t.typeName);
  }
}

/** Scratch space for encodes; grown when an event does not fit. */
let scratch = Buffer.allocUnsafe(16 * 1024);

/** Bytes reserved in front of the Avro body for the Confluent frame (magic byte + schema id). */
export const FRAME_BYTES = 5;

/**
 * Avro-encodes `value` after a 5-byte gap for the Confluent frame (magic 0, schema id left 0 for
 * `setSchemaId`). One allocation of exactly the encoded size. Throws as `toBuffer` does.
 */
export function writeFramed(type: avsc.Type, value: unknown): Buffer {
  for (;;) {
    const end = type.encode(value, scratch, FRAME_BYTES);
    if (end >= 0) {
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      out.fill(0, 0, FRAME_BYTES);
      return out;
    }
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
  }
}

/** Sets the schema id of a buffer made by writeFramed (in place) and returns it. */
export function setSchemaId(framed: Buffer, schemaId: number): Buffer {
  framed.writeUInt32BE(schemaId, 1);
  return framed;
}
