/**
 * `crossdock schemas check`: offline governance of the catalog and its schemas (no registry).
 * Load problems, lint, compatibility and published versions changed in place (catalog.lock.json),
 * each with file, path and rule id.
 */
import { readCatalog, SCHEMAS_DIR, type Problem } from './catalog';
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
  return {
    ok: all.length === 0,
    dir,
    eventTypes: catalog.entries.length,
    versions: catalog.entries.reduce((n, e) => n + e.versions.length, 0),
    problems: all,
  };
}

/** One line per problem: `file path: message [rule]`. */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message} [${p.rule}]`).join('\n');
}
