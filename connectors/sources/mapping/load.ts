import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { CrossdockError } from '../../../core/errors';
import {
  condenseAjvErrors,
  describeMappingProblem,
  jsonPath,
  readMappingFile,
  type MappingFile,
  type MappingFileProblem,
  type Segments,
} from './file-problems';
import { targetCheck, type TargetCheck, type TargetSchema } from './targets';
import { DEFAULT_DIALECT, isArraySpec, type SiteMappings } from './types';
import { isValidFormat, isValidOffset } from './values';
import { MAPPING_FILE_SCHEMA } from './schema';

export type { MappingFileProblem } from './file-problems';
export { describeMappingProblem } from './file-problems';

/**
 * Mapping files, beside the configuration (default: <repo>/sites):
 *
 *   sites/_base/mapping.yaml          the base every chain ends in (name `base`)
 *   sites/_variants/<name>.yaml       shared dialect variants (name `<name>`)
 *   sites/<siteId>/mapping.yaml       one site's file (name `<siteId>`)
 *   sites/<siteId>/samples/<name>.input.{json,csv} + <name>.expected.json   golden samples (site-test.ts)
 *
 * Each file but the base has `extends: <name>`. The chain is merged from the base down: objects
 * merge key by key, arrays and scalars replace, `null` removes a key. So a variant says only what
 * differs (a column name, the date format, a code list).
 */
export const DEFAULT_SITES_DIR = path.resolve(__dirname, '../../../sites');

function fileFor(dir: string, name: string): string {
  if (name === 'base') return path.join(dir, '_base', 'mapping.yaml');
  const variant = path.join(dir, '_variants', `${name}.yaml`);
  if (fs.existsSync(variant)) return variant;
  return path.join(dir, name, 'mapping.yaml');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge with `null` as delete; exported for tests. */
export function mergeMapping(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? mergeMapping(base[k], v) : v;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateFile = ajv.compile(MAPPING_FILE_SCHEMA);

export interface LoadMappingOptions {
  /** Folder of mapping files. @defaultValue DEFAULT_SITES_DIR */
  dir?: string;
  /** Canonical event types that exist (from the schema catalog); unknown ones are refused. */
  knownEventTypes?: readonly string[];
  /**
   * The canonical schema each event type is written with: a target field that is not in it is
   * refused, naming the mapping file and line and the schema's field list.
   */
  targetSchema?: (eventType: string) => TargetSchema | undefined;
}

function invalid(siteId: string, problems: MappingFileProblem[]): CrossdockError {
  return new CrossdockError(
    'CD_E_MAPPING_INVALID',
    `Mapping of site ${siteId} is invalid:\n  ${problems.map(describeMappingProblem).join('\n  ')}`,
    { details: { problems } },
  );
}

/**
 * Loads and validates a site's mapping chain. Throws CD_E_MAPPING_INVALID with every problem
 * (file, JSON path, message) so a bad variant is refused at start-up, not at the first event.
 */
export function loadSiteMappings(siteId: string, options: LoadMappingOptions = {}): SiteMappings {
  const dir = options.dir ?? DEFAULT_SITES_DIR;
  const chain: Array<{ name: string; file: string; data: Record<string, unknown>; parsed: MappingFile }> = [];
  const problems: MappingFileProblem[] = [];
  /** Where the `extends` of the last file read is, for problems about what it names. */
  const extendsAt = (): Pick<MappingFileProblem, 'file' | 'line' | 'column'> | undefined => {
    const from = chain[chain.length - 1];
    if (!from) return undefined;
    return { file: from.file, ...(from.parsed.locate(['extends'], true) ?? {}) };
  };
  let name: string | undefined = siteId;
  while (name !== undefined) {
    const file = fileFor(dir, name);
    if (chain.some((c) => c.file === file)) {
      const at = extendsAt()!;
      problems.push({
        ...at,
        path: '$.extends',
        message: `extends "${name}" makes a cycle: ${[...chain.map((c) => c.name), name].join(' → ')}`,
      });
      break;
    }
    if (!fs.existsSync(file)) {
      const at = extendsAt();
      if (!at)
        throw new CrossdockError('CD_E_MAPPING_INVALID', `Site ${siteId} has no mapping file (${file})`, {
          details: { problems: [{ file, path: '$', message: `site ${siteId} has no mapping file` }] },
        });
      throw invalid(siteId, [
        { ...at, path: '$.extends', message: `extends "${name}", which does not exist (looked for ${file})` },
      ]);
    }
    const parsed = readMappingFile(file);
    const data = parsed.data;
    if (!validateFile(data)) {
      for (const e of condenseAjvErrors(validateFile.errors ?? [], MAPPING_FILE_SCHEMA))
        problems.push({
          file,
          path: jsonPath(e.segments),
          message: e.message,
          ...(parsed.locate(e.segments) ?? {}),
        });
      break;
    }
    const obj = data as Record<string, unknown>;
    chain.push({ name, file, data: obj, parsed });
    name = name === 'base' ? undefined : typeof obj.extends === 'string' ? obj.extends : 'base';
  }
  if (problems.length) throw invalid(siteId, problems);

  let merged: Record<string, unknown> = {};
  for (const c of [...chain].reverse()) merged = mergeMapping(merged, c.data) as Record<string, unknown>;
  const site: SiteMappings = {
    siteId,
    variant: chain.map((c) => c.name).join(' < '),
    sourceSystem: (merged.sourceSystem as string | undefined) ?? 'erp',
    typeField: (merged.typeField as string | undefined) ?? 'type',
    dialect: { ...DEFAULT_DIALECT, ...((merged.dialect as object | undefined) ?? {}) },
    codes: (merged.codes as SiteMappings['codes'] | undefined) ?? {},
    mappings: {},
  };
  const mappings = (merged.mappings as Record<string, Record<string, unknown>> | undefined) ?? {};
  for (const [eventType, m] of Object.entries(mappings)) {
    site.mappings[eventType] = { eventType, ...(m as object) } as SiteMappings['mappings'][string];
  }
  // Each problem of the merged chain is placed in the most specific file that says it.
  const place = (segments: Segments, message: string): MappingFileProblem => {
    for (const c of chain) {
      const at = c.parsed.locate(segments, true);
      if (at) return { file: c.file, path: jsonPath(segments), message, ...at };
    }
    const top = chain[0]!;
    return { file: top.file, path: jsonPath(segments), message, ...(top.parsed.locate(segments) ?? {}) };
  };
  for (const p of semanticProblems(site, options)) problems.push(place(p.segments, p.message));
  problems.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : 0));
  if (problems.length) throw invalid(siteId, problems);
  return deepFreeze(site);
}

function semanticProblems(
  site: SiteMappings,
  options: LoadMappingOptions,
): Array<{ segments: Segments; message: string }> {
  const out: Array<{ segments: Segments; message: string }> = [];
  const d = site.dialect;
  const known = options.knownEventTypes;
  if (!isValidFormat(d.dateFormat))
    out.push({ segments: ['dialect', 'dateFormat'], message: `"${d.dateFormat}" needs yyyy, MM and dd` });
  if (!isValidFormat(d.timestampFormat))
    out.push({
      segments: ['dialect', 'timestampFormat'],
      message: `"${d.timestampFormat}" is 'iso' or needs yyyy, MM and dd`,
    });
  if (!isValidOffset(d.utcOffset))
    out.push({
      segments: ['dialect', 'utcOffset'],
      message: `"${d.utcOffset}" is not an offset like +01:00`,
    });
  if (Object.keys(site.mappings).length === 0)
    out.push({ segments: ['mappings'], message: 'no event mapping' });
  for (const [eventType, m] of Object.entries(site.mappings)) {
    const at: Segments = ['mappings', eventType];
    if (known && !known.includes(eventType))
      out.push({ segments: at, message: `unknown event type ${eventType} (not in the schema catalog)` });
    if (!m.occurredAt) out.push({ segments: [...at, 'occurredAt'], message: 'occurredAt is required' });
    const checkField = (p: Segments, f: { codes?: string; format?: string }) => {
      if (f.codes && !site.codes[f.codes])
        out.push({ segments: [...p, 'codes'], message: `no code list named ${f.codes}` });
      if (f.format && !isValidFormat(f.format))
        out.push({ segments: [...p, 'format'], message: `"${f.format}" needs yyyy, MM and dd` });
    };
    const target = options.targetSchema?.(eventType);
    const targets: TargetCheck | undefined = target ? targetCheck(target) : undefined;
    const notIn = (p: Segments, problem: string | undefined) => {
      if (problem) out.push({ segments: p, message: `target ${problem}` });
    };
    for (const [name, spec] of Object.entries(m.fields ?? {})) {
      const p: Segments = [...at, 'fields', name];
      if (isArraySpec(spec)) {
        const items = targets?.items(name);
        notIn(p, items?.problem);
        for (const [sub, s] of Object.entries(spec.fields)) {
          checkField([...p, 'fields', sub], s);
          if (items?.check) notIn([...p, 'fields', sub], items.check.field(sub));
        }
      } else {
        checkField(p, spec);
        if (targets) notIn(p, targets.field(name));
      }
    }
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Site ids that have a mapping file in `dir`. */
export function listMappedSites(dir: string = DEFAULT_SITES_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(
      (e) =>
        e.isDirectory() && !e.name.startsWith('_') && fs.existsSync(path.join(dir, e.name, 'mapping.yaml')),
    )
    .map((e) => e.name)
    .sort();
}
