/**
 * Loads schemas/catalog.yaml and the versioned .avsc files beside it.
 *
 * Shared named types live once in schemas/common/<Name>.avsc (full name com.crossdock.common.<Name>).
 * An event file refers to them by full name; the loader inlines the definition at the first
 * reference (avsc and every Confluent client then see one standalone schema), which is what
 * `version.schema` holds and what `schemas push` registers.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { avroType } from '../core/avro';
import { CrossdockError } from '../core/errors';

/** The folder holding catalog.yaml (this part's own folder). */
export const SCHEMAS_DIR = path.resolve(__dirname);
export const CATALOG_FILE = 'catalog.yaml';
export const COMMON_DIR = 'common';
export const COMMON_NAMESPACE = 'com.crossdock.common';
export const METADATA_TYPE = `${COMMON_NAMESPACE}.EventMetadata`;

export type Compatibility =
  'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';
export type Tier = 'enterprise-standard' | 'site-configurable';
export type VersionStatus = 'active' | 'deprecated' | 'retired';

export interface CatalogVersion {
  version: number;
  status: VersionStatus;
  /** 'YYYY-MM-DD' the version became active. */
  since?: string;
  /** 'YYYY-MM-DD' after which producers must stop using it. */
  retireAfter?: string;
  /** Path relative to the schemas folder, '/' separated: `<domain>/<EventType>/v<N>.avsc`. */
  file: string;
  /** The standalone schema (shared types inlined): what the registry holds. */
  schema: object;
}

export interface CatalogEntry {
  eventType: string;
  /** Registry subject = record full name, `com.crossdock.<domain>.<EventType>`. */
  subject: string;
  domain: string;
  owner: string;
  description?: string;
  /** Dot paths of the business key, e.g. ['orderId'] or ['sku', 'metadata.siteId']. */
  keyFields: string[];
  /** @defaultValue 'BACKWARD' */
  compatibility: Compatibility;
  tier: Tier;
  /** Oldest first. */
  versions: CatalogVersion[];
  /** Paths of fields marked `"pii": true` in any version, e.g. 'shipTo.email', 'lines[].contactName'. */
  personalDataFields: string[];
}

export interface Catalog {
  /** Folder the catalog was read from. */
  dir: string;
  entries: CatalogEntry[];
  bySubject(subject: string): CatalogEntry | undefined;
  byEventType(eventType: string): CatalogEntry | undefined;
}

/** A problem found while loading or checking, with a stable rule id (docs/schemas.md). */
export interface Problem {
  rule: string;
  /** Line and column (1-based) in `file`, when known (syntax errors). */
  line?: number;
  column?: number;
  /** The offending line with a caret under the column (syntax errors). */
  snippet?: string;
  /** File relative to the schemas folder. */
  file: string;
  /** Where in the file: a YAML path (`events[2].keyFields`) or a field path (`lines[].sku`). */
  path: string;
  message: string;
}

interface RawVersion {
  version: number;
  status: VersionStatus;
  since?: string;
  retireAfter?: string;
}
interface RawEntry extends Omit<CatalogEntry, 'versions' | 'personalDataFields' | 'compatibility'> {
  compatibility?: Compatibility;
  versions: RawVersion[];
}

let validateCatalogDoc: ReturnType<Ajv['compile']> | undefined;
function catalogValidator(): ReturnType<Ajv['compile']> {
  if (!validateCatalogDoc) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
    addFormats(ajv);
    validateCatalogDoc = ajv.compile(
      JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, 'catalog.schema.json'), 'utf8')) as object,
    );
  }
  return validateCatalogDoc;
}

/** Reads a JSON file; undefined plus a problem when missing or not JSON. */
function readJson(dir: string, rel: string, problems: Problem[]): unknown {
  const abs = path.join(dir, rel);
  if (!fs.existsSync(abs)) {
    problems.push({
      rule: 'catalog-files',
      file: rel,
      path: '',
      message: `${rel} is named by the catalog but does not exist`,
    });
    return undefined;
  }
  const text = fs.readFileSync(abs, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push({ rule: 'avro-parse', file: rel, path: '', ...jsonSyntaxProblem(text, err as Error) });
    return undefined;
  }
}

/** Marks the message of a file that does not parse (schemas/check.ts leaves out what follows from it). */
export const NOT_JSON = 'is not valid JSON';

/** Where JSON.parse stopped, as line, column and a snippet (V8 says "at position N"). */
function jsonSyntaxProblem(
  text: string,
  err: Error,
): Pick<Problem, 'message' | 'line' | 'column' | 'snippet'> {
  const reason = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  const pos = Number(/at position (\d+)/.exec(err.message)?.[1] ?? NaN);
  const message = `${NOT_JSON}: ${reason}; checks that need this file are skipped until it parses`;
  if (!Number.isFinite(pos)) return { message };
  const before = text.slice(0, pos).split(/\r?\n/);
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  const src = text.split(/\r?\n/)[line - 1] ?? '';
  return {
    message,
    line,
    column,
    snippet: `${String(line).padStart(4)} | ${src}\n     | ${' '.repeat(column - 1)}^`,
  };
}

/** Shared named types from schemas/common, by full name. */
export function loadCommonTypes(dir: string, problems: Problem[] = []): Map<string, object> {
  const out = new Map<string, object>();
  const commonDir = path.join(dir, COMMON_DIR);
  if (!fs.existsSync(commonDir)) return out;
  for (const f of fs
    .readdirSync(commonDir)
    .filter((n) => n.endsWith('.avsc'))
    .sort()) {
    const rel = `${COMMON_DIR}/${f}`;
    const schema = readJson(dir, rel, problems) as { name?: string; namespace?: string } | undefined;
    if (!schema) continue;
    const full = `${schema.namespace ?? ''}.${schema.name ?? ''}`;
    if (schema.namespace !== COMMON_NAMESPACE || `${schema.name}.avsc` !== f) {
      problems.push({
        rule: 'namespace',
        file: rel,
        path: '',
        message: `a shared type must be ${COMMON_NAMESPACE}.<FileName>, found ${full}`,
      });
      continue;
    }
    out.set(full, schema);
  }
  return out;
}

/**
 * Inlines shared types: the first reference to a common full name becomes its definition (deep
 * copy, itself expanded); later references stay names, as Avro requires.
 */
export function expandCommonTypes(
  schema: unknown,
  common: Map<string, object>,
  defined = new Set<string>(),
): unknown {
  const expandType = (t: unknown): unknown => {
    if (typeof t === 'string') {
      const def = common.get(t);
      if (!def || defined.has(t)) return t;
      defined.add(t);
      return expandType(structuredClone(def));
    }
    if (Array.isArray(t)) return t.map(expandType);
    if (typeof t !== 'object' || t === null) return t;
    const o = { ...(t as Record<string, unknown>) };
    if (o.type === 'record' || o.type === 'error') {
      const name =
        typeof o.name === 'string'
          ? o.name.includes('.')
            ? o.name
            : `${String(o.namespace ?? '')}.${o.name}`
          : undefined;
      if (name) defined.add(name);
      if (Array.isArray(o.fields))
        o.fields = o.fields.map((f) =>
          typeof f === 'object' && f !== null
            ? { ...(f as object), type: expandType((f as { type: unknown }).type) }
            : f,
        );
    } else if (o.type === 'array') o.items = expandType(o.items);
    else if (o.type === 'map') o.values = expandType(o.values);
    else if (typeof o.type === 'string' || Array.isArray(o.type) || typeof o.type === 'object')
      o.type = expandType(o.type);
    return o;
  };
  return expandType(schema);
}

/** Paths of fields marked `"pii": true`. Arrays add `[]`, maps `{}`; unions are looked through. */
export function personalDataPaths(schema: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<object>();
  const walk = (t: unknown, prefix: string): void => {
    if (Array.isArray(t)) return t.forEach((b) => walk(b, prefix));
    if (typeof t !== 'object' || t === null || seen.has(t)) return;
    const o = t as Record<string, unknown>;
    if (o.type === 'record' && Array.isArray(o.fields)) {
      seen.add(o);
      for (const f of o.fields as Array<Record<string, unknown>>) {
        const p = prefix ? `${prefix}.${String(f.name)}` : String(f.name);
        if (f.pii === true) out.push(p);
        walk(f.type, p);
      }
      seen.delete(o);
    } else if (o.type === 'array') walk(o.items, `${prefix}[]`);
    else if (o.type === 'map') walk(o.values, `${prefix}{}`);
    else if (typeof o.type === 'object') walk(o.type, prefix);
  };
  walk(schema, '');
  return out;
}

/** Paths of fields with `"default": null` whose type is not a union starting with "null". */
function bareNullDefaults(schema: unknown, prefix = ''): string[] {
  const out: string[] = [];
  const visit = (t: unknown, p: string): void => {
    if (Array.isArray(t)) return t.forEach((b) => visit(b, p));
    if (typeof t !== 'object' || t === null) return;
    const o = t as Record<string, unknown>;
    if (o.type === 'record' && Array.isArray(o.fields)) {
      for (const f of o.fields as Array<Record<string, unknown>>) {
        const fp = p ? `${p}.${String(f.name)}` : String(f.name);
        if ('default' in f && f.default === null && !(Array.isArray(f.type) && f.type[0] === 'null'))
          out.push(fp);
        visit(f.type, fp);
      }
    } else if (o.type === 'array') visit(o.items, `${p}[]`);
    else if (o.type === 'map') visit(o.values, `${p}{}`);
    else if (typeof o.type === 'object') visit(o.type, p);
  };
  visit(schema, prefix);
  return out;
}

export interface ReadCatalogResult {
  catalog: Catalog;
  /** Load-level problems (YAML, catalog JSON Schema, missing files, avsc parse errors). */
  problems: Problem[];
}

/** A Catalog over entries already loaded (a published catalog, a test's entries). */
export function makeCatalog(dir: string, entries: CatalogEntry[]): Catalog {
  const bySubject = new Map(entries.map((e) => [e.subject, e]));
  const byType = new Map(entries.map((e) => [e.eventType, e]));
  return {
    dir,
    entries,
    bySubject: (s) => bySubject.get(s),
    byEventType: (t) => byType.get(t),
  };
}

/**
 * Reads the catalog without throwing: what loads is returned, each problem listed. Versions whose
 * file is missing or does not parse with avsc are left out of the entry.
 */
export function readCatalog(dir: string = SCHEMAS_DIR): ReadCatalogResult {
  const problems: Problem[] = [];
  const catalogPath = path.join(dir, CATALOG_FILE);
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(catalogPath, 'utf8'));
  } catch (err) {
    problems.push({
      rule: 'catalog-schema',
      file: CATALOG_FILE,
      path: '',
      message: `cannot read ${CATALOG_FILE}: ${(err as Error).message}`,
    });
    return { catalog: makeCatalog(dir, []), problems };
  }
  const validate = catalogValidator();
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      const where = e.instancePath
        .replace(/\/(\d+)/g, '[$1]')
        .replace(/\//g, '.')
        .replace(/^\./, '');
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : e.keyword === 'enum'
            ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`
            : '';
      problems.push({
        rule: 'catalog-schema',
        file: CATALOG_FILE,
        path: where,
        message: `${where || '(root)'} ${e.message ?? 'is invalid'}${extra}`,
      });
    }
    return { catalog: makeCatalog(dir, []), problems };
  }
  const common = loadCommonTypes(dir, problems);
  const entries: CatalogEntry[] = [];
  for (const raw of (doc as { events: RawEntry[] }).events) {
    const versions: CatalogVersion[] = [];
    for (const rv of [...raw.versions].sort((a, b) => a.version - b.version)) {
      const file = `${raw.domain}/${raw.eventType}/v${rv.version}.avsc`;
      const source = readJson(dir, file, problems);
      if (source === undefined) continue;
      const schema = expandCommonTypes(source, common) as object;
      try {
        avroType(schema);
      } catch (err) {
        // avsc refuses `"default": null` on a non-union field; name the field and the rule instead.
        const bare = bareNullDefaults(schema);
        if (bare.length)
          for (const p of bare)
            problems.push({
              rule: 'null-default',
              file,
              path: p,
              message: `field \`${p}\` has "default": null but its type does not start with "null" (use ["null", T])`,
            });
        else
          problems.push({
            rule: 'avro-parse',
            file,
            path: '',
            message: `${file} is not a valid Avro schema: ${(err as Error).message}`,
          });
        continue;
      }
      versions.push({
        version: rv.version,
        status: rv.status,
        ...(rv.since ? { since: rv.since } : {}),
        ...(rv.retireAfter ? { retireAfter: rv.retireAfter } : {}),
        file,
        schema,
      });
    }
    const pii = [...new Set(versions.flatMap((v) => personalDataPaths(v.schema)))];
    entries.push({
      ...raw,
      compatibility: raw.compatibility ?? 'BACKWARD',
      versions,
      personalDataFields: pii,
    });
  }
  return { catalog: makeCatalog(dir, entries), problems };
}

const cache = new Map<string, Catalog>();

/**
 * The catalog (cached per folder). Throws CD_E_CATALOG_INVALID listing every load problem; lint
 * and compatibility are `crossdock schemas check`'s job, not this function's.
 */
export function loadCatalog(
  dir: string = SCHEMAS_DIR,
  options: { /** Reuse the copy read earlier. @defaultValue true */ cache?: boolean } = {},
): Catalog {
  const key = path.resolve(dir);
  const hit = options.cache === false ? undefined : cache.get(key);
  if (hit) return hit;
  const { catalog, problems } = readCatalog(key);
  if (problems.length) {
    throw new CrossdockError(
      'CD_E_CATALOG_INVALID',
      `the event catalog in ${key} cannot be loaded:\n${problems.map((p) => `  ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message} [${p.rule}]`).join('\n')}`,
      {
        details: { problems },
      },
    );
  }
  cache.set(key, catalog);
  return catalog;
}

/** The version producers should use: the newest active one (else the newest deprecated one). */
export function currentVersion(entry: CatalogEntry): CatalogVersion | undefined {
  const live = [...entry.versions].reverse();
  return live.find((v) => v.status === 'active') ?? live.find((v) => v.status === 'deprecated');
}

/** A version of an entry, or CD_E_UNKNOWN_EVENT_TYPE. Omit `version` for currentVersion(). */
export function entryVersion(entry: CatalogEntry, version?: number): CatalogVersion {
  const v = version === undefined ? currentVersion(entry) : entry.versions.find((x) => x.version === version);
  if (!v) {
    throw new CrossdockError(
      'CD_E_UNKNOWN_EVENT_TYPE',
      `${entry.eventType} has no ${version === undefined ? 'active' : `v${version}`} schema in the catalog`,
      {
        details: { eventType: entry.eventType, version },
      },
    );
  }
  return v;
}
