import fs from 'node:fs';
import path from 'node:path';
import { LOG_EVENT_LISTS } from '../../../hub/observability';

const ROOT = path.resolve(__dirname, '../../..');
/** Not product source: dependencies, tests and benchmark harnesses. */
const SKIP = new Set(['node_modules', 'test', 'bench', 'dist', 'coverage']);

function sourceFiles(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name.startsWith('.') || SKIP.has(d.name)) return [];
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(full);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The source without comments, so an example in a doc comment is not a use. */
function code(file: string): string {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Dotted names a log line is written under: `event: '<name>'` objects, `.emit('<name>'` and
 * `.enabled('<name>'` calls. Every such name must be declared.
 */
const USE = /(?:\bevent:\s*|\.emit\(\s*|\.enabled\(\s*)'([a-z][a-z0-9]*(?:\.[a-z0-9_]+)+)'/g;

/**
 * Any quoted dotted name other than a declaration key (`'<name>': {`): a declared event counts as
 * logged when the code names it, also where the name is chosen before the call (`const name =
 * cond ? 'a.x' : 'a.y'; log.emit(name, ...)`).
 */
const MENTION = /'([a-z][a-z0-9]*(?:\.[a-z0-9_]+)+)'(?!\s*:\s*\{)/g;

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const files = sourceFiles().map((f) => ({ file: rel(f), text: code(f) }));
const declared = new Set(LOG_EVENT_LISTS.flatMap((l) => Object.keys(l.events)));
const covered = (file: string) => LOG_EVENT_LISTS.some((l) => l.dirs.some((d) => file.startsWith(`${d}/`)));

function usesIn(list: typeof files): Array<{ file: string; name: string }> {
  return list.flatMap(({ file, text }) => [...text.matchAll(USE)].map((m) => ({ file, name: m[1]! })));
}

describe('log events in the code and in hub/observability.ts', () => {
  it('scans the product source', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(usesIn(files).length).toBeGreaterThan(declared.size / 2);
  });

  it('every log-events list in the source is registered in hub/observability.ts', () => {
    const lists = files
      .filter(({ file, text }) => file !== 'core/log-events.ts' && /\bdefineLogEvents\(/.test(text))
      .map(({ file }) => file);
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.filter((file) => !covered(file))).toEqual([]);
  });

  it('every event name the code logs under is declared', () => {
    const undeclared = usesIn(files).filter((u) => !declared.has(u.name));
    expect(undeclared).toEqual([]);
  });

  it('every declared event is logged somewhere', () => {
    const used = new Set(files.flatMap(({ text }) => [...text.matchAll(MENTION)].map((m) => m[1]!)));
    expect([...declared].filter((name) => !used.has(name))).toEqual([]);
  });

  it('recognises a use that no list declares (the check can fail)', () => {
    const probe = [
      { file: 'stack/x.ts', text: "log.emit(\n  'stack.not_declared', {});\nx = { event: 'stack.up' };" },
    ];
    expect(usesIn(probe).map((u) => u.name)).toEqual(['stack.not_declared', 'stack.up']);
    expect(covered('stack/x.ts')).toBe(true);
    expect(covered('nowhere/x.ts')).toBe(false);
    expect(usesIn(probe).filter((u) => !declared.has(u.name))).toEqual([
      { file: 'stack/x.ts', name: 'stack.not_declared' },
    ]);
  });
});
