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
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

interface ProblemAt {
  spec: FieldSpec;
  base: SourcePath;
  targetName: string | (() => string);
}

function targetOf(t: string | (() => string)): string {
  return typeof t === 'string' ? t : t();
}

/** A problem with one field; the source path and target are built only here (the unhappy path). */
function fieldProblem(
  at: ProblemAt,
  code: string,
  expected: string,
  got: unknown,
): { problem: MappingProblem } {
  const { spec, base } = at;
  return {
    problem: {
      source: spec.from ? [...base, ...parts(spec.from)] : base,
      code,
      expected,
      got: describeGot(got),
      target: targetOf(at.targetName),
    },
  };
}

/**
 * Reads one field. Returns { value } (possibly undefined for an optional absent field) or a
 * problem. Pure: the same record and spec always give the same answer.
 */
function readField(
  site: SiteMappings,
  spec: FieldSpec,
  record: unknown,
  base: SourcePath,
  targetName: string | (() => string),
): { value?: unknown; problem?: MappingProblem } {
  let raw: unknown = spec.from !== undefined ? getPath(record, spec.from) : spec.const;
  // No closures here: this runs for every field of every record (and tsx wraps named closures).
  const at: ProblemAt = { spec, base, targetName };
  if (isEmpty(raw)) {
    if (spec.default !== undefined) raw = spec.default;
    else if (spec.nullable) return { value: null };
    else if (spec.required === false) return { value: undefined };
    else
      return fieldProblem(
        at,
        'CD_E_INPUT_MISSING_FIELD',
        `a value for ${targetOf(targetName)}${spec.from ? ` (source field "${spec.from}")` : ''}`,
        raw,
      );
    if (raw === null) return { value: null };
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
        const mapped = list[s];
        if (mapped === undefined)
          return fieldProblem(
            at,
            'CD_E_INPUT_UNKNOWN_CODE',
            `one of ${Object.keys(list).join(', ')} (code list ${spec.codes})`,
            raw,
          );
        s = mapped;
      }
      if (type === 'currency' && !isCurrency(s))
        return fieldProblem(
          at,
          'CD_E_INPUT_UNKNOWN_CURRENCY',
          'an ISO 4217 currency code such as EUR, USD, MXN',
          raw,
        );
      read = { ok: true, value: s };
      break;
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
  if (!read.ok) return fieldProblem(at, read.code ?? 'CD_E_INPUT_WRONG_TYPE', read.expected, raw);
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
      return fieldProblem(at, 'CD_E_INPUT_OUT_OF_RANGE', `a number ${range}`, raw);
    }
  }
  if (spec.values && !spec.values.includes(String(value)))
    return fieldProblem(at, 'CD_E_INPUT_UNKNOWN_CODE', `one of ${spec.values.join(', ')}`, value);
  return { value };
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
  const meta = (spec: FieldSpec | undefined, target: string): unknown => {
    if (!spec) return undefined;
    const r = readField(site, spec, record, [], target);
    if (r.problem) problems.push(r.problem);
    return r.value;
  };
  out.occurredAt = meta(mapping.occurredAt, 'metadata.occurredAt') as Date | undefined;
  const sid = meta(mapping.sourceId, 'sourceId');
  if (sid !== undefined && sid !== null) out.sourceId = String(sid);
  const cid = meta(mapping.correlationId, 'metadata.correlationId');
  if (cid !== undefined && cid !== null) out.correlationId = String(cid);

  for (const [target, spec] of Object.entries(mapping.fields)) {
    if (!isArraySpec(spec)) {
      const r = readField(site, spec, record, [], target);
      if (r.problem) problems.push(r.problem);
      else if (r.value !== undefined) setPath(body, target, r.value);
      continue;
    }
    const items = getPath(record, spec.each);
    const base = spec.each.split('.');
    if (!Array.isArray(items) || items.length < (spec.minItems ?? 1)) {
      problems.push({
        source: base,
        code:
          Array.isArray(items) || items === undefined ? 'CD_E_INPUT_MISSING_FIELD' : 'CD_E_INPUT_WRONG_TYPE',
        expected: `an array of at least ${spec.minItems ?? 1} item(s)`,
        got: describeGot(items),
        target,
      });
      continue;
    }
    const list = items.map((item, i) => {
      const element: Record<string, unknown> = {};
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push({
          source: [...base, i],
          code: 'CD_E_INPUT_WRONG_TYPE',
          expected: 'an object',
          got: describeGot(item),
          target: `${target}[${i}]`,
        });
        return element;
      }
      for (const [sub, subSpec] of Object.entries(spec.fields)) {
        const r = readField(site, subSpec, item, [...base, i], () => `${target}[${i}].${sub}`);
        if (r.problem) problems.push(r.problem);
        else if (r.value !== undefined) setPath(element, sub, r.value);
      }
      return element;
    });
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
