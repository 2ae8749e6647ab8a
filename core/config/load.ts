import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { CrossdockError } from '../errors';
import { crossReferenceProblems } from './cross-refs';
import type { ConfigProblem, FlowDefinition, HubConfig, SiteConfig, SubscriberConfig } from './types';
import { formatPath, schemaChecker, type SchemaCheck, type Segments } from './validate';

/** What `checkConfig` reports: either a compiled config or every problem found. */
export interface ConfigCheck {
  file?: string;
  ok: boolean;
  problems: ConfigProblem[];
  config?: HubConfig;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

function lineOf(doc: Document, lines: LineCounter, segments: Segments): number | undefined {
  // The deepest node that exists: a missing property points at its parent.
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The compiled shape from a document that passed every check (defaults already applied). */
function compile(raw: Record<string, unknown>, parts: ConfigLoaderParts, file?: string): HubConfig {
  const doc = structuredClone(raw) as unknown as Omit<
    HubConfig,
    'siteById' | 'subscriberById' | 'file' | 'flows'
  >;
  const siteById: Record<string, SiteConfig> = {};
  for (const s of doc.sites) siteById[s.id] = s;
  const subscriberById: Record<string, SubscriberConfig> = {};
  for (const s of doc.subscribers) subscriberById[s.id] = s;
  const config = {
    ...(file ? { file } : {}),
    hub: doc.hub,
    redis: doc.redis ?? { durability: 'required', waitReplicas: 0, waitTimeoutMs: 100 },
    deadLetters: doc.deadLetters,
    sites: doc.sites,
    subscribers: doc.subscribers,
    routes: doc.routes,
    rules: doc.rules ?? {},
    siteById,
    subscriberById,
  };
  const flows: readonly FlowDefinition[] = parts.compileFlows
    ? parts.compileFlows(structuredClone(raw.flows ?? []), config)
    : [];
  return deepFreeze({ ...config, flows });
}

/**
 * What the composition root adds to a loader for the parts' top-level sections (the `flows`
 * fragment of PartConfigFragments): their own checks and their compiled form, so core names no
 * part.
 */
export interface ConfigLoaderParts {
  /**
   * More checks of a parsed document, valid or not (like the cross-references, so their findings
   * join the schema's in one report): what a schema cannot say about a part's section.
   */
  problems?: (raw: unknown) => Array<{ segments: Segments; message: string }>;
  /**
   * The compiled `flows` section of a document that passed every check (`raw` is the section,
   * defaults applied; `config` the rest of the compiled configuration). Absent: no flows.
   */
  compileFlows?: (raw: unknown, config: Omit<HubConfig, 'flows'>) => readonly FlowDefinition[];
}

/**
 * Reads hub configurations against one JSON Schema: the composition root (hub/config.ts) builds
 * the one the hub uses from core's sections and the parts' fragments.
 */
export interface ConfigLoader {
  /** Checks a configuration given as YAML text. Never throws for a bad config: it lists the problems. */
  checkConfigText(text: string, file?: string): ConfigCheck;
  /** `crossdock config check`: every problem of the file at once. Throws only when it cannot be read. */
  checkConfig(file: string): ConfigCheck;
  /**
   * Loads, validates and compiles the configuration; the process refuses to start on any problem.
   * @throws CrossdockError CD_E_CONFIG_UNREADABLE when the file cannot be read
   * @throws CrossdockError CD_E_CONFIG_INVALID with details.problems = [{ path, message, line? }]
   */
  loadConfig(file: string): HubConfig;
  /** As loadConfig, from YAML text; `file` is recorded in the result and used in messages. */
  loadConfigText(text: string, file?: string): HubConfig;
}

/**
 * A loader that validates against `schema` (compiled on first use), the cross-reference checks and
 * the parts' own checks, and compiles with the parts' compilers.
 */
export function createConfigLoader(schema: object, parts: ConfigLoaderParts = {}): ConfigLoader {
  const schemaProblems = schemaChecker(schema);
  const checkConfigText = (text: string, file?: string) => checkText(schemaProblems, parts, text, file);
  const checkConfig = (file: string) => checkConfigText(readFile(file), path.resolve(file));
  return {
    checkConfigText,
    checkConfig,
    loadConfig: (file) => configFromCheck(checkConfig(file)),
    loadConfigText: (text, file) => configFromCheck(checkConfigText(text, file)),
  };
}

function checkText(
  schemaProblems: SchemaCheck,
  parts: ConfigLoaderParts,
  text: string,
  file?: string,
): ConfigCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // The first syntax error only: what the parser says after it is mostly its consequence, and
    // nothing is checked of a document that did not parse (no false "is required" problems).
    const e = doc.errors[0]!;
    const at = lines.linePos(e.pos[0]);
    const src = text.split(/\r?\n/)[at.line - 1] ?? '';
    return {
      file,
      ok: false,
      problems: [
        {
          path: '(yaml)',
          message: `YAML syntax error: ${e.message.split('\n')[0] ?? e.code}`,
          line: at.line,
          column: at.col,
          snippet: `${String(at.line).padStart(6)} | ${src}\n       | ${' '.repeat(Math.max(0, at.col - 1))}^`,
        },
      ],
    };
  }
  const raw = doc.toJS() as unknown;
  // Schema first (it also fills defaults), then the cross-references, reported together.
  const found = [...schemaProblems(raw), ...crossReferenceProblems(raw), ...(parts.problems?.(raw) ?? [])];
  if (found.length) {
    const problems = found.map((p) => {
      const line = lineOf(doc, lines, p.segments);
      return { path: formatPath(p.segments), message: p.message, ...(line ? { line } : {}) };
    });
    return { file, ok: false, problems };
  }
  return { file, ok: true, problems: [], config: compile(raw as Record<string, unknown>, parts, file) };
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CrossdockError(
      'CD_E_CONFIG_UNREADABLE',
      `Cannot read the configuration ${file}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
        details: { file },
      },
    );
  }
}

/** The problems as the lines a person reads (`routes[2].to[0] (line 41): names subscriber "x", …`). */
export function describeProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => {
    const level = p.severity === 'warning' ? 'warning: ' : '';
    const text = p.file
      ? `${level}${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''} ${p.path}: ${p.message}`
      : `${level}${p.path}${p.line ? ` (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : ''}: ${p.message}`;
    return p.snippet ? `${text}\n${p.snippet}` : text;
  });
}

/**
 * Lines of a configuration's YAML text by path (`['routes', 2, 'to', 0]`), for checks made after
 * the load (hub/startup-check.ts): the deepest node of the path that exists.
 */
export function configLineLocator(text: string): (segments: Segments) => number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  return (segments) => lineOf(doc, lines, segments);
}

function configFromCheck(res: ConfigCheck): HubConfig {
  if (res.config) return res.config;
  const where = res.file ?? 'the configuration';
  throw new CrossdockError(
    'CD_E_CONFIG_INVALID',
    `${where} has ${res.problems.length} problem(s):\n  ${describeProblems(res.problems).join('\n  ')}`,
    {
      details: { file: res.file, problems: res.problems },
    },
  );
}
