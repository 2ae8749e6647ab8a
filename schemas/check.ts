/**
 * `crossdock schemas check`: offline governance of the catalog and its schemas (no registry).
 * Load problems, lint, compatibility and published versions changed in place (catalog.lock.json),
 * each with file, path and rule id.
 */
import { COMMON_NAMESPACE, NOT_JSON, readCatalog, SCHEMAS_DIR, type Problem } from './catalog';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { checkEntryCompatibility } from './compat';
import { lintAll } from './lint';
import { compareWithLock, readLock } from './lock';

export interface CheckResult {
  ok: boolean;
  /** Folder checked. */
  dir: string;
  eventTypes: number;
  versions: number;
  problems: Problem[];
}

export function checkSchemas(dir: string = SCHEMAS_DIR): CheckResult {
  const { catalog, problems } = readCatalog(dir);
  const all = [...problems];
  if (catalog.entries.length) {
    all.push(...lintAll(catalog));
    for (const entry of catalog.entries) all.push(...checkEntryCompatibility(entry));
    // Published versions are immutable (schemas/lock.ts).
    const lock = readLock(dir);
    if (lock) all.push(...compareWithLock(catalog, lock));
  }
  const shown = withoutFollowOns(all, readCatalogEntries(dir));
  return {
    ok: all.length === 0,
    dir,
    eventTypes: catalog.entries.length,
    versions: catalog.entries.reduce((n, e) => n + e.versions.length, 0),
    problems: shown,
  };
}

/** Event types and subjects per schema file, read from catalog.yaml as written (for withoutFollowOns). */
function readCatalogEntries(dir: string): Array<{ eventType: string; subject: string; files: string[] }> {
  try {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, 'catalog.yaml'), 'utf8')) as {
      events?: Array<{
        eventType: string;
        subject: string;
        domain: string;
        versions?: Array<{ version: number }>;
      }>;
    };
    return (doc.events ?? []).map((e) => ({
      eventType: e.eventType,
      subject: e.subject,
      files: (e.versions ?? []).map((v) => `${e.domain}/${e.eventType}/v${v.version}.avsc`),
    }));
  } catch {
    return [];
  }
}

/**
 * A schema file that is not JSON is reported once, with its line and column; what only follows
 * from it being unreadable is left out: its version "missing" from the catalog or the lock, the
 * file "not listed", and every "undefined type name" of a shared type that did not parse.
 */
function withoutFollowOns(
  problems: Problem[],
  entries: Array<{ eventType: string; subject: string; files: string[] }>,
): Problem[] {
  const broken = new Set(problems.filter((p) => p.message.startsWith(NOT_JSON)).map((p) => p.file));
  if (!broken.size) return problems;
  const brokenTypes = [...broken]
    .filter((f) => f.startsWith('common/'))
    .map((f) => `${COMMON_NAMESPACE}.${path.basename(f, '.avsc')}`);
  // Versions that failed only for want of a shared type that did not parse count as unreadable too.
  const unreadable = new Set(broken);
  for (const p of problems)
    if (brokenTypes.some((t) => p.message.includes(`undefined type name: ${t}`))) unreadable.add(p.file);
  const touched = entries.filter((e) => e.files.some((f) => unreadable.has(f)));
  const mentions = (text: string, name: string) =>
    new RegExp(`\\b${name.replace(/\./g, '\\.')}\\b`).test(text);
  return problems.filter((p) => {
    if (p.message.startsWith(NOT_JSON)) return true;
    if (unreadable.has(p.file)) return false;
    if (brokenTypes.some((t) => p.message.includes(`undefined type name: ${t}`))) return false;
    return !touched.some((e) => mentions(p.message, e.eventType) || mentions(p.message, e.subject));
  });
}

/** One line per problem: `file[:line:column] path: message [rule]` (and the snippet, if any). */
export function formatProblems(problems: Problem[]): string {
  return problems
    .map((p) => {
      const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
      const text = `${where}${p.path ? ` ${p.path}` : ''}: ${p.message} [${p.rule}]`;
      return p.snippet ? `${text}\n${p.snippet}` : text;
    })
    .join('\n');
}
