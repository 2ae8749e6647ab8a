import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { boundaryProblem, partOf, resolveImport } from '../../eslint-rules/part-boundaries';

const root = path.resolve(__dirname, '../..');

/** Every non-test .ts file of the repository (repository-relative, '/' separators). */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!['node_modules', 'test', 'coverage', 'dist'].includes(entry.name) && !entry.name.startsWith('.'))
          walk(rel);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk('');
  return out;
}

/** Every import, export-from, dynamic import and require of a file, as TypeScript reads them. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles()) {
    for (const specifier of importsOf(file)) {
      const target = resolveImport(file, specifier);
      if (target && boundaryProblem(file, target)) found.push(`${file} -> ${target.replace(/\.ts$/, '')}`);
    }
  }
  return [...new Set(found)].sort();
}

describe('architecture', () => {
  it('knows every part folder of the repository', () => {
    for (const dir of ['core', 'hub', 'cli', 'router', 'retry', 'dlq', 'flows', 'schemas', 'stack'])
      expect(partOf(`${dir}/index`)).toBe(dir);
    for (const dir of ['sinks', 'sources', 'sdk'])
      expect(partOf(`connectors/${dir}/index`)).toBe(`connectors/${dir}`);
    expect(partOf('connectors/codes')).toBe('connectors');
    expect(partOf('scripts/docs')).toBeUndefined();
  });

  it('refuses core importing a part, even its index, and a part reaching past another part’s index', () => {
    expect(boundaryProblem('core/error-catalog.ts', 'router/codes')).toMatch(/core\/ is plumbing/);
    expect(boundaryProblem('core/config/schema.ts', 'retry')).toMatch(/core\/ is plumbing/);
    expect(boundaryProblem('core/config/schema.ts', 'hub/index')).toMatch(/core\/ is plumbing/);
    expect(boundaryProblem('connectors/sinks/engine.ts', 'retry/breaker')).toMatch(/retry\/index\.ts/);
    expect(boundaryProblem('connectors/sdk/index.ts', 'connectors/sources/codec')).toMatch(
      /sources\/index\.ts/,
    );
    expect(boundaryProblem('scripts/docs.ts', 'schemas/docs')).toMatch(/schemas\/index\.ts/);
  });

  it('allows a part’s own files, any part’s index, core by path, and test/ and bench/ anywhere', () => {
    expect(boundaryProblem('router/batch.ts', 'router/keys')).toBeUndefined();
    expect(boundaryProblem('connectors/sinks/engine.ts', 'retry')).toBeUndefined();
    expect(boundaryProblem('hub/components.ts', 'connectors/sinks/index.ts')).toBeUndefined();
    expect(boundaryProblem('router/batch.ts', 'core/config/topics')).toBeUndefined();
    expect(boundaryProblem('core/config/load.ts', 'core/errors')).toBeUndefined();
    expect(boundaryProblem('test/unit/x.test.ts', 'router/match')).toBeUndefined();
    expect(boundaryProblem('bench/router/arm.ts', 'router/component')).toBeUndefined();
  });

  it('core imports no part and no part reaches into another (docs/architecture.md "Layering")', () => {
    expect(violations()).toEqual([]);
  });
});
