/**
 * Whether a mapping's target paths exist in the canonical schema of their event type (the Avro
 * schema JSON of the version the connectors write). Pure; load.ts reports what it finds.
 */

type Named = Map<string, Record<string, unknown>>;

function collect(t: unknown, named: Named): void {
  if (Array.isArray(t)) return t.forEach((b) => collect(b, named));
  if (typeof t !== 'object' || t === null) return;
  const o = t as Record<string, unknown>;
  if (typeof o.name === 'string') {
    named.set(o.name, o);
    if (typeof o.namespace === 'string') named.set(`${o.namespace}.${o.name}`, o);
    named.set(o.name.slice(o.name.lastIndexOf('.') + 1), o);
  }
  if (Array.isArray(o.fields)) for (const f of o.fields as Array<{ type: unknown }>) collect(f.type, named);
  if (o.items !== undefined) collect(o.items, named);
  if (o.values !== undefined) collect(o.values, named);
  if (typeof o.type === 'object') collect(o.type, named);
}

/** The non-null branch of a type, named references resolved. */
function resolve(t: unknown, named: Named): Record<string, unknown> | string | undefined {
  if (Array.isArray(t)) {
    const branches = t.filter((b) => b !== 'null');
    return branches.length === 1 ? resolve(branches[0], named) : undefined;
  }
  if (typeof t === 'string') return named.get(t) ?? t;
  if (typeof t === 'object' && t !== null) {
    const o = t as Record<string, unknown>;
    if (typeof o.type === 'object') return resolve(o.type, named);
    return o;
  }
  return undefined;
}

export interface TargetSchema {
  /** The canonical record schema (Avro JSON). */
  schema: object;
  /** How to name it in messages, e.g. `OrderReleased v2 (schemas/order/OrderReleased/v2.avsc)`. */
  label: string;
}

export interface TargetCheck {
  /** undefined when `path` (dotted) is a field; else the reason, naming the fields there. */
  field(path: string): string | undefined;
  /** For an `each:` target: the item record's checker, or the reason it is not an array of records. */
  items(path: string): { check?: TargetCheck; problem?: string };
}

function fieldsOf(record: Record<string, unknown>): Array<{ name: string; type: unknown }> {
  return (record.fields as Array<{ name: string; type: unknown }> | undefined) ?? [];
}

function checker(record: Record<string, unknown>, named: Named, label: string): TargetCheck {
  const walk = (path: string): { type?: unknown; problem?: string } => {
    let cur: Record<string, unknown> = record;
    let type: unknown;
    const steps = path.split('.');
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const f = fieldsOf(cur).find((x) => x.name === step);
      const where = steps.slice(0, i).join('.');
      if (!f) {
        const names = fieldsOf(cur)
          .map((x) => x.name)
          .filter((n) => n !== 'metadata');
        return {
          problem: `${where ? `${where}.` : ''}${step} is not a field of ${label}${where ? ` (${where} has: ${names.join(', ')})` : `; its fields: ${names.join(', ')}`}`,
        };
      }
      type = f.type;
      if (i < steps.length - 1) {
        const r = resolve(type, named);
        if (typeof r !== 'object' || r.type !== 'record')
          return {
            problem: `${steps.slice(0, i + 1).join('.')} of ${label} is not a record, so it has no ${steps[i + 1]}`,
          };
        cur = r;
      }
    }
    return { type };
  };
  return {
    field: (path) => walk(path).problem,
    items(path) {
      const w = walk(path);
      if (w.problem) return { problem: w.problem };
      const r = resolve(w.type, named);
      const item = typeof r === 'object' && r.type === 'array' ? resolve(r.items, named) : undefined;
      if (typeof item !== 'object' || item.type !== 'record')
        return { problem: `${path} of ${label} is not a list of records, so it cannot take each:` };
      return { check: checker(item, named, `${label} ${path}[]`) };
    },
  };
}

/** A checker of target paths against one canonical record schema. */
export function targetCheck(target: TargetSchema): TargetCheck {
  const named: Named = new Map();
  collect(target.schema, named);
  return checker(target.schema as Record<string, unknown>, named, target.label);
}
