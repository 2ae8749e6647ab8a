import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { CrossdockError } from '../errors';
import { crossReferenceProblems } from './cross-refs';
import type { ConfigProblem, HubConfig, SiteConfig, SubscriberConfig } from './types';
import { formatPath, schemaProblems, type Segments } from './validate';

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
function compile(raw: Record<string, unknown>, file?: string): HubConfig {
  const doc = structuredClone(raw) as unknown as Omit<HubConfig, 'siteById' | 'subscriberById' | 'file'>;
  const siteById: Record<string, SiteConfig> = {};
  for (const s of doc.sites) siteById[s.id] = s;
  const subscriberById: Record<string, SubscriberConfig> = {};
  for (const s of doc.subscribers) subscriberById[s.id] = s;
  return deepFreeze({
    ...(file ? { file } : {}),
    hub: doc.hub,
    sites: doc.sites,
    subscribers: doc.subscribers,
    routes: doc.routes,
    rules: doc.rules ?? {},
    siteById,
    subscriberById,
  });
}

/** Checks a configuration given as YAML text. Never throws for a bad config: it lists the problems. */
export function checkConfigText(text: string, file?: string): ConfigCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      file,
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '(yaml)',
        message: e.message.split('\n')[0] ?? e.code,
        line: lines.linePos(e.pos[0]).line,
      })),
    };
  }
  const raw = doc.toJS() as unknown;
  // Schema first (it also fills defaults), then the cross-references, reported together.
  const found = [...schemaProblems(raw), ...crossReferenceProblems(raw)];
  if (found.length) {
    const problems = found.map((p) => {
      const line = lineOf(doc, lines, p.segments);
      return { path: formatPath(p.segments), message: p.message, ...(line ? { line } : {}) };
    });
    return { file, ok: false, problems };
  }
  return { file, ok: true, problems: [], config: compile(raw as Record<string, unknown>, file) };
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

/** `crossdock config check`: every problem of the file at once. Throws only when it cannot be read. */
export function checkConfig(file: string): ConfigCheck {
  return checkConfigText(readFile(file), path.resolve(file));
}

/** The problems as the lines a person reads (`routes[2].to[0] (line 41): names subscriber "x", …`). */
export function describeProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => `${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
}

/**
 * Loads, validates and compiles the configuration; the process refuses to start on any problem.
 * @throws CrossdockError CD_E_CONFIG_INVALID with details.problems = [{ path, message, line? }]
 */
export function loadConfig(file: string): HubConfig {
  return configFromCheck(checkConfig(file));
}

export function loadConfigText(text: string, file?: string): HubConfig {
  return configFromCheck(checkConfigText(text, file));
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
