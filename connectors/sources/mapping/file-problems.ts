import fs from 'node:fs';
import type { ErrorObject } from 'ajv';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { CrossdockError } from '../../../core/errors';
import { nearestName } from '../../../core/nearest';

/**
 * Problems of mapping files that a person can act on: the file, the line and column, and what is
 * allowed there. YAML syntax errors stop at the first (with a snippet), so no follow-on
 * "missing field" problems are made of a file that did not parse; ajv's anyOf dumps are reduced
 * to the branch the value was meant for.
 */

export interface MappingFileProblem {
  file: string;
  /** JSON path in the file, e.g. `$.mappings.OrderReleased.fields.orderId`. */
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** The offending line of the file with a caret under the column (syntax errors). */
  snippet?: string;
}

export type Segments = Array<string | number>;

/** `['mappings', 'OrderReleased', 'fields', 'shipTo.name']` → `$.mappings.OrderReleased.fields.shipTo.name`. */
export function jsonPath(segments: Segments): string {
  return `$${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
}

/** A parsed mapping file that can say where a path is. */
export interface MappingFile {
  file: string;
  data: unknown;
  /** Line and column (1-based) of the deepest node of `segments` that exists in the file. */
  locate(segments: Segments, exact?: boolean): { line: number; column: number } | undefined;
}

function snippetAt(text: string, line: number, column: number): string {
  const src = text.split(/\r?\n/)[line - 1] ?? '';
  return `${String(line).padStart(4)} | ${src}\n     | ${' '.repeat(Math.max(0, column - 1))}^`;
}

function locator(doc: Document, lines: LineCounter): MappingFile['locate'] {
  return (segments, exact = false) => {
    for (let n = segments.length; n >= (exact ? segments.length : 0); n--) {
      const node = doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = lines.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return undefined;
  };
}

/** Reads a mapping file; a YAML syntax error throws CD_E_MAPPING_INVALID naming file, line, column. */
export function readMappingFile(file: string): MappingFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CrossdockError(
      'CD_E_MAPPING_INVALID',
      `Cannot read mapping file ${file}: ${(err as Error).message}`,
      {
        cause: err,
        details: { problems: [{ file, path: '$', message: (err as Error).message }] },
      },
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const e = doc.errors[0];
  if (e) {
    const p = lines.linePos(e.pos[0]);
    const message = `YAML syntax error: ${e.message.split('\n')[0] ?? e.code}`;
    const problem: MappingFileProblem = {
      file,
      path: '$',
      message,
      line: p.line,
      column: p.col,
      snippet: snippetAt(text, p.line, p.col),
    };
    throw new CrossdockError(
      'CD_E_MAPPING_INVALID',
      `${file}:${p.line}:${p.col}: ${message}\n${problem.snippet}`,
      { details: { problems: [problem] } },
    );
  }
  return { file, data: doc.toJS() as unknown, locate: locator(doc, lines) };
}

function pointerSegments(pointer: string): Segments {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The schema node at an ajv schemaPath (`#/properties/x/anyOf/0`). */
function schemaAt(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let cur: unknown = root;
  for (const step of pointerSegments(schemaPath.replace(/^#/, ''))) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>) : undefined;
}

/** A plain reason for one ajv error, with the allowed values or names. */
function reason(e: ErrorObject, schema: unknown): { segments: Segments; message: string } {
  const at = pointerSegments(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return { segments: at, message: `must be one of ${allowed.join(', ')}` };
    }
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const parent = schemaAt(schema, e.schemaPath.replace(/\/additionalProperties$/, ''));
      const allowed = Object.keys((parent?.properties as object | undefined) ?? {});
      const near = nearestName(name, allowed);
      return {
        segments: [...at, name],
        message: `${name} is not allowed here${near ? ` (did you mean ${near}?)` : ''}; allowed: ${allowed.join(', ')}`,
      };
    }
    case 'required':
      return { segments: [...at, String(p.missingProperty)], message: 'is required' };
    case 'type':
      return { segments: at, message: `must be ${String(p.type).replace(/,/g, ' or ')}` };
    default:
      return { segments: at, message: e.message ?? e.keyword };
  }
}

/**
 * ajv errors (allErrors) as one problem per real mistake: for each anyOf, only the branch the
 * value was meant for (the one whose shape fits best: fewest errors on the value itself) speaks;
 * the `anyOf` summary and the other branches are dropped.
 */
export function condenseAjvErrors(
  errors: readonly ErrorObject[],
  schema: unknown,
): Array<{ segments: Segments; message: string }> {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const dropped = new Set<ErrorObject>(anyOfs);
  // Innermost first: a branch chosen inside an outer branch that is dropped is dropped with it.
  for (const a of [...anyOfs].sort((x, y) => y.schemaPath.length - x.schemaPath.length)) {
    const prefix = `${a.schemaPath}/`;
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of errors) {
      // The same anyOf applies to many values (every field of a map): only this value's errors.
      const inside = e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`);
      if (!inside || !e.schemaPath.startsWith(prefix) || dropped.has(e)) continue;
      const branch = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    // A branch whose type does not fit the value is the least likely meant; then the one with the
    // fewest complaints about the value itself (unknown or missing properties), then the fewest.
    const score = (list: ErrorObject[]) =>
      list.reduce((n, e) => {
        if (e.instancePath !== a.instancePath) return n + 1;
        return n + (e.keyword === 'type' ? 1_000_000 : e.keyword === 'enum' ? 1 : 1000);
      }, 0);
    let best: number | undefined;
    for (const [b, list] of byBranch)
      if (best === undefined || score(list) < score(byBranch.get(best)!)) best = b;
    for (const [b, list] of byBranch) if (b !== best) for (const e of list) dropped.add(e);
  }
  const out: Array<{ segments: Segments; message: string }> = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (dropped.has(e)) continue;
    const r = reason(e, schema);
    const k = `${jsonPath(r.segments)}\n${r.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

/** `file:line:col $.path: message` (and the snippet), for messages and the CLI. */
export function describeMappingProblem(p: MappingFileProblem): string {
  const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  return `${where} ${p.path}: ${p.message}`;
}
