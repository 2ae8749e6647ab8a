import fs from 'node:fs';
import path from 'node:path';
import { allCodes } from '../../hub';
import { CrossdockError } from '../../core/errors';

const root = path.resolve(__dirname, '../..');

/** Every `'CD_E_…'` string literal in the sources, with the file it appears in. */
function codesUsedInSources(): Map<string, string> {
  const used = new Map<string, string>();
  const dirs = ['core', 'hub', 'cli', 'stack', 'schemas', 'router', 'retry', 'dlq', 'connectors', 'flows'];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|lua)$/.test(entry.name)) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/['"`](CD_E_[A-Z0-9_]+)['"`]/g))
          used.set(m[1]!, path.relative(root, p));
      }
    }
  };
  for (const d of dirs) walk(path.join(root, d));
  return used;
}

describe('error codes', () => {
  const catalog = allCodes();

  it('follow the naming rule and have a meaning and an action', () => {
    expect(catalog.size).toBeGreaterThan(5);
    for (const [code, spec] of catalog) {
      expect(code).toMatch(/^CD_E_[A-Z0-9_]+$/);
      expect(spec.meaning.length).toBeGreaterThan(10);
      expect(spec.action.length).toBeGreaterThan(5);
    }
  });

  it('every code used in the sources is declared in the catalog', () => {
    const undeclared = [...codesUsedInSources()]
      .filter(([code]) => !catalog.has(code))
      .map(([c, f]) => `${c} (${f})`);
    expect(undeclared).toEqual([]);
  });

  it('docs/errors.md lists exactly the catalog codes', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
    const inDoc = new Set([...doc.matchAll(/`(CD_E_[A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect([...inDoc].sort()).toEqual([...catalog.keys()].sort());
  });

  it('CrossdockError carries code, retriable bit, details and cause', () => {
    const cause = new Error('socket closed');
    const err = new CrossdockError('CD_E_STACK_NOT_READY', 'kafka did not answer', {
      retriable: true,
      cause,
      details: { part: 'kafka' },
    });
    expect(err.toJSON()).toEqual({
      code: 'CD_E_STACK_NOT_READY',
      message: 'kafka did not answer',
      retriable: true,
      details: { part: 'kafka' },
    });
    expect(err.cause).toBe(cause);
  });
});
