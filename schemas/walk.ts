/**
 * A walk over a raw (JSON) Avro schema that keeps what avsc drops (`doc`, `pii`, field order)
 * and resolves named-type references, for lint, type generation and docs.
 */

export const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export type RawSchema = string | RawSchema[] | { [k: string]: unknown };

export interface RecordVisit {
  /** Full name, e.g. com.crossdock.order.OrderLine. */
  fullName: string;
  namespace: string;
  raw: Record<string, unknown>;
  /** Field path where the record is defined ('' for the top record). */
  path: string;
  /** Full names of the records enclosing this one, outermost first. */
  ancestors: string[];
}

export interface FieldVisit {
  record: RecordVisit;
  raw: Record<string, unknown>;
  name: string;
  /** Dot path from the top record; arrays add `[]`, maps `{}`. */
  path: string;
  /** The field's type with named references resolved to their definitions. */
  type: RawSchema;
  /** Position in its record. */
  index: number;
}

export interface NamedVisit {
  kind: 'enum' | 'fixed';
  fullName: string;
  namespace: string;
  raw: Record<string, unknown>;
  path: string;
}

export interface SchemaWalk {
  records: RecordVisit[];
  fields: FieldVisit[];
  named: NamedVisit[];
  /** Named definitions by full name. */
  definitions: Map<string, Record<string, unknown>>;
}

export function qualify(name: string, namespace: string): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

export function namespaceOf(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? '' : fullName.slice(0, i);
}

/** Walks every record, field and named type once (at its definition). */
export function walkSchema(schema: unknown): SchemaWalk {
  const out: SchemaWalk = { records: [], fields: [], named: [], definitions: new Map() };

  const resolve = (t: unknown, ns: string): RawSchema => {
    if (typeof t === 'string' && !PRIMITIVES.has(t)) return out.definitions.get(qualify(t, ns)) ?? t;
    return t as RawSchema;
  };

  const visitType = (t: unknown, ns: string, path: string, ancestors: string[]): void => {
    if (Array.isArray(t)) return t.forEach((b) => visitType(b, ns, path, ancestors));
    if (typeof t !== 'object' || t === null) return;
    const o = t as Record<string, unknown>;
    if (o.type === 'record' || o.type === 'error') {
      const fullName = qualify(String(o.name), typeof o.namespace === 'string' ? o.namespace : ns);
      const namespace = namespaceOf(fullName);
      out.definitions.set(fullName, o);
      const rec: RecordVisit = { fullName, namespace, raw: o, path, ancestors };
      out.records.push(rec);
      const fields = Array.isArray(o.fields) ? (o.fields as Array<Record<string, unknown>>) : [];
      fields.forEach((f, index) => {
        const name = String(f.name);
        const fpath = path ? `${path}.${name}` : name;
        // Listed before its nested fields (parents first); its type is resolved after the visit
        // so a type defined inline in this field is known.
        const visit: FieldVisit = { record: rec, raw: f, name, path: fpath, type: 'null', index };
        out.fields.push(visit);
        visitType(f.type, namespace, fpath, [...ancestors, fullName]);
        visit.type = resolveDeep(f.type, namespace);
      });
    } else if (o.type === 'enum' || o.type === 'fixed') {
      const fullName = qualify(String(o.name), typeof o.namespace === 'string' ? o.namespace : ns);
      out.definitions.set(fullName, o);
      out.named.push({ kind: o.type, fullName, namespace: namespaceOf(fullName), raw: o, path });
    } else if (o.type === 'array') visitType(o.items, ns, `${path}[]`, ancestors);
    else if (o.type === 'map') visitType(o.values, ns, `${path}{}`, ancestors);
    else if (typeof o.type === 'object') visitType(o.type, ns, path, ancestors);
  };

  // Resolves references one level deep (unions and array/map items too), enough for the rules.
  const resolveDeep = (t: unknown, ns: string): RawSchema => {
    if (Array.isArray(t)) return t.map((b) => resolve(b, ns));
    if (typeof t === 'string') return resolve(t, ns);
    const o = t as Record<string, unknown>;
    if (o && o.type === 'array') return { ...o, items: resolve(o.items, ns) };
    if (o && o.type === 'map') return { ...o, values: resolve(o.values, ns) };
    return t as RawSchema;
  };

  visitType(schema, '', '', []);
  return out;
}

/** Union branches (or the type itself). */
export function branches(t: RawSchema): RawSchema[] {
  return Array.isArray(t) ? t : [t];
}

/** True for `["null", …]` unions. */
export function isNullable(t: RawSchema): boolean {
  return (
    Array.isArray(t) &&
    t.some((b) => b === 'null' || (typeof b === 'object' && !Array.isArray(b) && b.type === 'null'))
  );
}

/** The non-null branches of a type. */
export function nonNull(t: RawSchema): RawSchema[] {
  return branches(t).filter(
    (b) => b !== 'null' && !(typeof b === 'object' && !Array.isArray(b) && b.type === 'null'),
  );
}

/** `logicalType` of a (resolved, non-union) type, if any. */
export function logicalTypeOf(t: RawSchema): string | undefined {
  return typeof t === 'object' && !Array.isArray(t) && typeof t.logicalType === 'string'
    ? t.logicalType
    : undefined;
}

/** Base Avro type name of a non-union type: 'string', 'record', 'array', … */
export function baseTypeOf(t: RawSchema): string {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return 'union';
  const inner = t.type;
  return typeof inner === 'string' ? inner : baseTypeOf(inner as RawSchema);
}

/** A short human description of a type: `string`, `decimal(18,2)`, `["null", string]`, `record OrderLine`. */
export function describeType(t: RawSchema): string {
  if (Array.isArray(t)) return `[${t.map(describeType).join(', ')}]`;
  if (typeof t === 'string') return t;
  const lt = logicalTypeOf(t);
  if (lt === 'decimal') return `decimal(${String(t.precision)},${String(t.scale ?? 0)})`;
  if (lt) return lt;
  const base = baseTypeOf(t);
  if (base === 'record' || base === 'enum' || base === 'fixed') return `${base} ${String(t.name)}`;
  if (base === 'array') return `array<${describeType(t.items as RawSchema)}>`;
  if (base === 'map') return `map<${describeType(t.values as RawSchema)}>`;
  return base;
}
