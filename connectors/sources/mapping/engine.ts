import { isArraySpec, type EventMapping, type FieldSpec, type SiteMappings } from './types';
import {
  decimalBelow,
  isCurrency,
  readBoolean,
  readDate,
  readDecimal,
  readNumber,
  readTimestamp,
  type Read,
} from './values';

/** Where a value sat in the source record: keys and array indexes (formatted by each connector). */
export type SourcePath = Array<string | number>;

export interface MappingProblem {
  source: SourcePath;
  code: string;
  expected: string;
  got: string;
  /** The canonical field the value was meant for. */
  target: string;
}

/** What one site record became: the canonical body (without metadata) and its metadata inputs. */
export interface MappedRecord {
  eventType: string;
  body: Record<string, unknown>;
  occurredAt?: Date;
  sourceId?: string;
  correlationId?: string;
  problems: MappingProblem[];
}

/** Renders a value for `got`, short and safe to put in an HTTP answer. */
export function describeGot(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  const s =
    typeof v === 'string'
      ? JSON.stringify(v)
      : Array.isArray(v)
        ? `an array of ${v.length}`
        : typeof v === 'object'
          ? 'an object'
          : String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Dotted paths are split once (mappings are static; this runs for every field of every record). */
const splitCache = new Map<string, string[]>();
function parts(dotted: string): string[] {
  let p = splitCache.get(dotted);
  if (!p) splitCache.set(dotted, (p = dotted.split('.')));
  return p;
}

function getPath(record: unknown, dotted: string): unknown {
  let cur: unknown = record;
  for (const k of parts(dotted)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = parts(dotted);
  let cur = target;
  const last = keys.length - 1;
  for (let i = 0; i < last; i++) {
    const k = keys[i]!;
    const next = cur[k];
    if (next === null || typeof next !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[last]!] = value;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Where a field sits, for problems only: `base` (+ `index` inside an array mapping) in the source
 * record, and the canonical target (`target[index].sub` inside an array mapping). Kept as plain
 * arguments so the happy path allocates no paths, names or closures per field.
 */
interface FieldAt {
  base: SourcePath;
  index: number | undefined;
  target: string;
  sub: string | undefined;
}

function targetOf(at: FieldAt): string {
  return at.index === undefined ? at.target : `${at.target}[${at.index}].${at.sub ?? ''}`;
}

/** Returned by readField when it pushed a problem instead of reading a value. */
const FAILED: unique symbol = Symbol('failed');

/** Records a problem with one field; the source path and target are built only here (the unhappy path). */
function fieldProblem(
  problems: MappingProblem[],
  spec: FieldSpec,
  at: FieldAt,
  code: string,
  expected: string,
  got: unknown,
): typeof FAILED {
  const source: SourcePath = at.index === undefined ? [...at.base] : [...at.base, at.index];
  if (spec.from) source.push(...parts(spec.from));
  problems.push({ source, code, expected, got: describeGot(got), target: targetOf(at) });
  return FAILED;
}

/**
 * Reads one field: its value (undefined for an optional absent field), or FAILED after pushing
 * the problem to `problems`. Pure otherwise: the same record and spec always give the same answer.
 * `base`, `index`, `target` and `sub` say where the field is (see FieldAt).
 */
function readField(
  site: SiteMappings,
  spec: FieldSpec,
  record: unknown,
  problems: MappingProblem[],
  at: FieldAt,
): unknown {
  let raw: unknown = spec.from !== undefined ? getPath(record, spec.from) : spec.const;
  if (isEmpty(raw)) {
    if (spec.default !== undefined) raw = spec.default;
    else if (spec.nullable) return null;
    else if (spec.required === false) return undefined;
    else
      return fieldProblem(
        problems,
        spec,
        at,
        'CD_E_INPUT_MISSING_FIELD',
        `a value for ${targetOf(at)}${spec.from ? ` (source field "${spec.from}")` : ''}`,
        raw,
      );
    if (raw === null) return null;
  }
  const d = site.dialect;
  const type = spec.type ?? 'string';
  let read: Read<unknown>;
  switch (type) {
    case 'string':
    case 'currency': {
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        read = { ok: false, expected: 'text' };
        break;
      }
      let s = String(raw).trim();
      if (spec.upper || type === 'currency') s = s.toUpperCase();
      if (spec.codes) {
        const list = site.codes[spec.codes] ?? {};
        // Own entries only: an inherited name ("constructor", "toString") is not a code.
        const mapped = Object.hasOwn(list, s) ? list[s] : undefined;
        if (mapped === undefined)
          return fieldProblem(
            problems,
            spec,
            at,
            'CD_E_INPUT_UNKNOWN_CODE',
            `one of ${Object.keys(list).join(', ')} (code list ${spec.codes})`,
            raw,
          );
        s = mapped;
      }
      if (type === 'currency' && !isCurrency(s))
        return fieldProblem(
          problems,
          spec,
          at,
          'CD_E_INPUT_UNKNOWN_CURRENCY',
          'an ISO 4217 currency code such as EUR, USD, MXN',
          raw,
        );
      if (spec.values || spec.min !== undefined || spec.max !== undefined) {
        read = { ok: true, value: s };
        break;
      }
      return s; // the common case: no range or value list to check
    }
    case 'int':
    case 'number':
      read = readNumber(raw, type === 'int', d.decimalSeparator, d.thousandsSeparator);
      break;
    case 'decimal':
      read = readDecimal(raw, spec.scale ?? 2, d.decimalSeparator, d.thousandsSeparator);
      break;
    case 'date':
      read =
        typeof raw === 'string'
          ? readDate(raw, spec.format ?? d.dateFormat)
          : { ok: false, expected: `a date as ${spec.format ?? d.dateFormat}` };
      if (!read.ok) read = { ...read, code: 'CD_E_INPUT_BAD_DATE' };
      break;
    case 'timestamp':
      read =
        typeof raw === 'string'
          ? readTimestamp(raw, spec.format ?? d.timestampFormat, d.utcOffset)
          : { ok: false, expected: `a timestamp as ${spec.format ?? d.timestampFormat}` };
      if (!read.ok) read = { ...read, code: 'CD_E_INPUT_BAD_DATE' };
      break;
    case 'boolean':
      read = readBoolean(raw);
      break;
  }
  if (!read.ok)
    return fieldProblem(problems, spec, at, read.code ?? 'CD_E_INPUT_WRONG_TYPE', read.expected, raw);
  const value = read.value;
  if (spec.min !== undefined || spec.max !== undefined) {
    const below =
      spec.min !== undefined &&
      (typeof value === 'string' ? decimalBelow(value, spec.min) : (value as number) < spec.min);
    const above = spec.max !== undefined && Number(value) > spec.max;
    if (below || above) {
      const range = [
        spec.min !== undefined ? `>= ${spec.min}` : '',
        spec.max !== undefined ? `<= ${spec.max}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      return fieldProblem(problems, spec, at, 'CD_E_INPUT_OUT_OF_RANGE', `a number ${range}`, raw);
    }
  }
  if (spec.values && !spec.values.includes(String(value)))
    return fieldProblem(
      problems,
      spec,
      at,
      'CD_E_INPUT_UNKNOWN_CODE',
      `one of ${spec.values.join(', ')}`,
      value,
    );
  return value;
}

/** Object.entries of static mapping objects, computed once per object. */
const entriesCache = new WeakMap<object, Array<[string, unknown]>>();
function entriesOf<T>(o: Record<string, T>): Array<[string, T]> {
  let e = entriesCache.get(o);
  if (!e) entriesCache.set(o, (e = Object.entries(o)));
  return e as Array<[string, T]>;
}

/** Picks the mapping for a record: by its type field, or the site's only mapping. */
export function selectMapping(
  site: SiteMappings,
  record: unknown,
): { mapping?: EventMapping; problem?: MappingProblem } {
  const all = Object.values(site.mappings);
  const typeValue = getPath(record, site.typeField);
  if (isEmpty(typeValue)) {
    if (all.length === 1) return { mapping: all[0] };
    return {
      problem: {
        source: [site.typeField],
        code: 'CD_E_INPUT_MISSING_FIELD',
        expected: `the record type in "${site.typeField}": one of ${all.map((m) => m.sourceType ?? m.eventType).join(', ')}`,
        got: 'nothing',
        target: 'eventType',
      },
    };
  }
  const mapping = all.find((m) => (m.sourceType ?? m.eventType) === typeValue || m.eventType === typeValue);
  if (mapping) return { mapping };
  return {
    problem: {
      source: [site.typeField],
      code: 'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
      expected: `one of ${all.map((m) => m.sourceType ?? m.eventType).join(', ')}`,
      got: describeGot(typeValue),
      target: 'eventType',
    },
  };
}

/** Applies one event mapping to one site record. Every problem is collected (no stop at the first). */
export function applyMapping(site: SiteMappings, mapping: EventMapping, record: unknown): MappedRecord {
  const problems: MappingProblem[] = [];
  const body: Record<string, unknown> = {};
  const out: MappedRecord = { eventType: mapping.eventType, body, problems };
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    problems.push({
      source: [],
      code: 'CD_E_INPUT_MALFORMED',
      expected: 'an object',
      got: describeGot(record),
      target: '',
    });
    return out;
  }
  const top = (target: string): FieldAt => ({ base: [], index: undefined, target, sub: undefined });
  const meta = (spec: FieldSpec | undefined, target: string): unknown => {
    if (!spec) return undefined;
    const v = readField(site, spec, record, problems, top(target));
    return v === FAILED ? undefined : v;
  };
  out.occurredAt = meta(mapping.occurredAt, 'metadata.occurredAt') as Date | undefined;
  const sid = meta(mapping.sourceId, 'sourceId');
  if (sid !== undefined && sid !== null) out.sourceId = String(sid);
  const cid = meta(mapping.correlationId, 'metadata.correlationId');
  if (cid !== undefined && cid !== null) out.correlationId = String(cid);

  // One FieldAt per array mapping, updated per item and field (read only on problems).
  const at: FieldAt = { base: [], index: undefined, target: '', sub: undefined };
  for (const [target, spec] of entriesOf(mapping.fields)) {
    if (!isArraySpec(spec)) {
      at.base = [];
      at.index = undefined;
      at.target = target;
      at.sub = undefined;
      const v = readField(site, spec, record, problems, at);
      if (v !== FAILED && v !== undefined) setPath(body, target, v);
      continue;
    }
    const items = getPath(record, spec.each);
    const base = parts(spec.each);
    if (!Array.isArray(items) || items.length < (spec.minItems ?? 1)) {
      problems.push({
        source: [...base],
        code:
          Array.isArray(items) || items === undefined ? 'CD_E_INPUT_MISSING_FIELD' : 'CD_E_INPUT_WRONG_TYPE',
        expected: `an array of at least ${spec.minItems ?? 1} item(s)`,
        got: describeGot(items),
        target,
      });
      continue;
    }
    const subFields = entriesOf(spec.fields);
    at.base = base;
    at.target = target;
    const list: Array<Record<string, unknown>> = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      const element: Record<string, unknown> = {};
      list[i] = element;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push({
          source: [...base, i],
          code: 'CD_E_INPUT_WRONG_TYPE',
          expected: 'an object',
          got: describeGot(item),
          target: `${target}[${i}]`,
        });
        continue;
      }
      at.index = i;
      for (const [sub, subSpec] of subFields) {
        at.sub = sub;
        const v = readField(site, subSpec, item, problems, at);
        if (v !== FAILED && v !== undefined) setPath(element, sub, v);
      }
    }
    setPath(body, target, list);
  }
  return out;
}

/** Selects and applies: one site record → one mapped record (or its problems). */
export function mapRecord(site: SiteMappings, record: unknown): MappedRecord {
  const sel = selectMapping(site, record);
  if (!sel.mapping) return { eventType: '', body: {}, problems: [sel.problem!] };
  return applyMapping(site, sel.mapping, record);
}

/** `$[2].lines[0].qty` from a source path (the JSON path an HTTP client sees). */
export function jsonPath(prefix: string, source: SourcePath): string {
  let p = prefix;
  for (const s of source)
    p +=
      typeof s === 'number'
        ? `[${s}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)
          ? `.${s}`
          : `[${JSON.stringify(s)}]`;
  return p;
}
