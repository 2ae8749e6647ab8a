import type { FlowDefinition, HubConfig, Segments } from '../core/config';
import { nearestName } from '../core/nearest';
import { currentVersion, type Catalog, type CatalogEntry, type CatalogVersion } from '../schemas';

/**
 * The checks of `flows:` that need the event catalog, run by `crossdock config check` and at
 * start-up (hub/startup-check.ts) on a configuration that loaded:
 * - each step's event type is in the catalog (with the nearest name when it is not);
 * - each step's key field and `where` fields are fields of that type's current schema (the newest
 *   active version: what producers write), and a key field holds a value, not a record or a list;
 *   a version still accepted (another active one, or a deprecated one) without the field is a
 *   warning, since its events can never count as the step;
 * - each group of `withinBySiteGroup` is a group of some configured site: a warning, since a file
 *   shared by several hubs may name a group only another hub's sites have.
 */

/** One finding, at the path of the file it is about. */
export interface FlowCheckProblem {
  segments: Segments;
  message: string;
  severity?: 'warning';
}

type Raw = unknown;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const VALUE_TYPES = new Set([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
  'enum',
  'fixed',
]);

/** Named types of a standalone schema by full name and by short name (first definition wins). */
function namedTypes(schema: Raw): Map<string, Obj> {
  const named = new Map<string, Obj>();
  const visit = (t: Raw, ns: string): void => {
    if (Array.isArray(t)) return t.forEach((b) => visit(b, ns));
    if (!isObj(t)) return;
    if (typeof t.name === 'string' && ['record', 'error', 'enum', 'fixed'].includes(String(t.type))) {
      const space = typeof t.namespace === 'string' ? t.namespace : ns;
      const full = t.name.includes('.') || !space ? t.name : `${space}.${t.name}`;
      if (!named.has(full)) named.set(full, t);
      const short = full.slice(full.lastIndexOf('.') + 1);
      if (!named.has(short)) named.set(short, t);
      const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
      if (Array.isArray(t.fields)) for (const f of t.fields) if (isObj(f)) visit(f.type, inner);
    } else if (t.type === 'array') visit(t.items, ns);
    else if (t.type === 'map') visit(t.values, ns);
    else if (typeof t.type === 'object') visit(t.type, ns);
  };
  visit(schema, '');
  return named;
}

/** The non-null branches of a type, named references resolved. */
function concrete(t: Raw, named: Map<string, Obj>): Raw[] {
  const out: Raw[] = [];
  for (const b of Array.isArray(t) ? t : [t]) {
    if (b === 'null' || (isObj(b) && b.type === 'null')) continue;
    if (typeof b === 'string' && !PRIMITIVES.has(b)) {
      const def = named.get(b) ?? named.get(b.slice(b.lastIndexOf('.') + 1));
      if (def) out.push(def);
    } else if (isObj(b) && isObj(b.type)) out.push(...concrete(b.type, named));
    else out.push(b);
  }
  return out;
}

function baseType(t: Raw): string {
  if (typeof t === 'string') return t;
  if (isObj(t) && typeof t.type === 'string') return t.type === 'error' ? 'record' : t.type;
  return 'union';
}

/**
 * What a dot path (`orderId`, `shipTo.city`, `lines.0.sku`) reaches in an Avro schema, as the
 * router's conditions read the decoded event: a record's field by name, an array's item by a
 * numeric index, a map's value by any key. 'missing' when no branch of any union has it.
 */
export function avroPathKind(schema: Raw, path: string): 'missing' | 'value' | 'structure' {
  const named = namedTypes(schema);
  let types = concrete(schema, named);
  for (const step of path.split('.')) {
    const next: Raw[] = [];
    for (const t of types) {
      const base = baseType(t);
      if (base === 'record' && isObj(t) && Array.isArray(t.fields)) {
        const f = t.fields.find((x) => isObj(x) && x.name === step);
        if (isObj(f)) next.push(...concrete(f.type, named));
      } else if (base === 'array' && isObj(t) && /^[0-9]+$/.test(step))
        next.push(...concrete(t.items, named));
      else if (base === 'map' && isObj(t)) next.push(...concrete(t.values, named));
    }
    if (!next.length) return 'missing';
    types = next;
  }
  return types.some((t) => VALUE_TYPES.has(baseType(t))) ? 'value' : 'structure';
}

/** The versions producers may still write (active and deprecated), the current one first. */
function acceptedVersions(entry: CatalogEntry): CatalogVersion[] {
  const current = currentVersion(entry);
  const rest = entry.versions.filter((v) => v !== current && v.status !== 'retired').reverse();
  return current ? [current, ...rest] : rest;
}

function fieldProblems(
  entry: CatalogEntry,
  field: string,
  at: Segments,
  what: string,
  needsValue: boolean,
): FlowCheckProblem[] {
  const [current, ...others] = acceptedVersions(entry);
  if (!current) return [];
  const kind = avroPathKind(current.schema, field);
  if (kind === 'missing')
    return [
      {
        segments: at,
        message: `${what}: "${field}" is not a field of ${entry.eventType} (v${current.version}, its current schema)`,
      },
    ];
  if (needsValue && kind === 'structure')
    return [
      {
        segments: at,
        message: `${what}: "${field}" of ${entry.eventType} is a record or a list, not a value a key can be made of`,
      },
    ];
  return others
    .filter((v) => avroPathKind(v.schema, field) === 'missing')
    .map((v) => ({
      segments: at,
      severity: 'warning' as const,
      message: `${what}: ${entry.eventType} v${v.version} (${v.status}, still accepted) has no field "${field}": its events never count as this step`,
    }));
}

/** Every catalog finding about `config.flows` (see the module comment). */
export function flowCatalogProblems(
  config: Pick<HubConfig, 'flows' | 'sites'>,
  catalog: Pick<Catalog, 'entries'>,
): FlowCheckProblem[] {
  const byType = new Map(catalog.entries.map((e) => [e.eventType, e]));
  const groups = new Set(config.sites.flatMap((s) => s.groups));
  const out: FlowCheckProblem[] = [];
  config.flows.forEach((flow: FlowDefinition, i) =>
    flow.steps.forEach((step, j) => {
      const at: Segments = ['flows', i, 'steps', j];
      const what = `flow ${flow.name}, step ${j} (${step.eventType})`;
      for (const g of Object.keys(step.withinBySiteGroup))
        if (!groups.has(g))
          out.push({
            segments: [...at, 'withinBySiteGroup', g],
            severity: 'warning',
            message: `${what}: no configured site is in group "${g}", so this deadline applies to none`,
          });
      const entry = byType.get(step.eventType);
      if (!entry) {
        const near = nearestName(step.eventType, byType.keys(), 4);
        out.push({
          segments: [...at, 'eventType'],
          message: `${what}: ${JSON.stringify(step.eventType)} is not an event type of the catalog${near ? ` (did you mean ${near}?)` : ''}`,
        });
        return;
      }
      // The key may be the flow's (written once for every step): reported at the step it fails.
      if (step.key.kind === 'field')
        out.push(...fieldProblems(entry, step.key.field, at, `${what}, key field`, true));
      step.where.forEach((c, k) =>
        out.push(...fieldProblems(entry, c.field, [...at, 'where', k, 'field'], `${what}, where`, false)),
      );
    }),
  );
  return out;
}
