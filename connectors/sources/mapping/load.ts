import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { CrossdockError } from '../../../core/errors';
import { DEFAULT_DIALECT, isArraySpec, type SiteMappings } from './types';
import { isValidFormat, isValidOffset } from './values';
import { MAPPING_FILE_SCHEMA } from './schema';

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

export interface MappingFileProblem {
  file: string;
  path: string;
  message: string;
}

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

function readYaml(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CrossdockError(
      'CD_E_MAPPING_INVALID',
      `Cannot read mapping file ${file}: ${(err as Error).message}`,
      {
        cause: err,
        details: { problems: [{ file, path: '', message: (err as Error).message }] },
      },
    );
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateFile = ajv.compile(MAPPING_FILE_SCHEMA);

export interface LoadMappingOptions {
  /** Folder of mapping files. @defaultValue DEFAULT_SITES_DIR */
  dir?: string;
  /** Canonical event types that exist (from the schema catalog); unknown ones are refused. */
  knownEventTypes?: readonly string[];
}

/**
 * Loads and validates a site's mapping chain. Throws CD_E_MAPPING_INVALID with every problem
 * (file, JSON path, message) so a bad variant is refused at start-up, not at the first event.
 */
export function loadSiteMappings(siteId: string, options: LoadMappingOptions = {}): SiteMappings {
  const dir = options.dir ?? DEFAULT_SITES_DIR;
  const chain: Array<{ name: string; file: string; data: Record<string, unknown> }> = [];
  const problems: MappingFileProblem[] = [];
  let name: string | undefined = siteId;
  while (name !== undefined) {
    const file = fileFor(dir, name);
    if (chain.some((c) => c.file === file)) {
      problems.push({ file, path: '$.extends', message: `extends loops back to ${name}` });
      break;
    }
    if (!fs.existsSync(file)) {
      const from = chain[chain.length - 1];
      throw new CrossdockError(
        'CD_E_MAPPING_INVALID',
        from
          ? `${from.file} extends "${name}", which does not exist (${file})`
          : `Site ${siteId} has no mapping file (${file})`,
        {
          details: {
            problems: [{ file: from?.file ?? file, path: '$.extends', message: `no mapping named ${name}` }],
          },
        },
      );
    }
    const data = readYaml(file);
    if (!validateFile(data)) {
      for (const e of validateFile.errors ?? [])
        problems.push({
          file,
          path: `$${e.instancePath.replace(/\//g, '.')}`,
          message: e.message ?? 'invalid',
        });
      break;
    }
    const obj = data as Record<string, unknown>;
    chain.push({ name, file, data: obj });
    name = name === 'base' ? undefined : typeof obj.extends === 'string' ? obj.extends : 'base';
  }
  if (problems.length)
    throw new CrossdockError(
      'CD_E_MAPPING_INVALID',
      `Mapping of site ${siteId} is invalid: ${problems.map((p) => `${p.file} ${p.path}: ${p.message}`).join('; ')}`,
      { details: { problems } },
    );

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
  const file = chain[0]!.file;
  const mappings = (merged.mappings as Record<string, Record<string, unknown>> | undefined) ?? {};
  for (const [eventType, m] of Object.entries(mappings)) {
    site.mappings[eventType] = { eventType, ...(m as object) } as SiteMappings['mappings'][string];
  }
  problems.push(...semanticProblems(site, file, options.knownEventTypes));
  if (problems.length)
    throw new CrossdockError(
      'CD_E_MAPPING_INVALID',
      `Mapping of site ${siteId} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { details: { problems } },
    );
  return deepFreeze(site);
}

function semanticProblems(site: SiteMappings, file: string, known?: readonly string[]): MappingFileProblem[] {
  const out: MappingFileProblem[] = [];
  const d = site.dialect;
  if (!isValidFormat(d.dateFormat))
    out.push({ file, path: '$.dialect.dateFormat', message: `"${d.dateFormat}" needs yyyy, MM and dd` });
  if (!isValidFormat(d.timestampFormat))
    out.push({
      file,
      path: '$.dialect.timestampFormat',
      message: `"${d.timestampFormat}" is 'iso' or needs yyyy, MM and dd`,
    });
  if (!isValidOffset(d.utcOffset))
    out.push({ file, path: '$.dialect.utcOffset', message: `"${d.utcOffset}" is not an offset like +01:00` });
  if (Object.keys(site.mappings).length === 0)
    out.push({ file, path: '$.mappings', message: 'no event mapping' });
  for (const [eventType, m] of Object.entries(site.mappings)) {
    const at = `$.mappings.${eventType}`;
    if (known && !known.includes(eventType))
      out.push({ file, path: at, message: `unknown event type ${eventType} (not in the schema catalog)` });
    if (!m.occurredAt) out.push({ file, path: `${at}.occurredAt`, message: 'occurredAt is required' });
    const checkField = (p: string, f: { codes?: string; format?: string }) => {
      if (f.codes && !site.codes[f.codes])
        out.push({ file, path: `${p}.codes`, message: `no code list named ${f.codes}` });
      if (f.format && !isValidFormat(f.format))
        out.push({ file, path: `${p}.format`, message: `"${f.format}" needs yyyy, MM and dd` });
    };
    for (const [target, spec] of Object.entries(m.fields ?? {})) {
      if (isArraySpec(spec))
        for (const [sub, s] of Object.entries(spec.fields))
          checkField(`${at}.fields.${target}.fields.${sub}`, s);
      else checkField(`${at}.fields.${target}`, spec);
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
