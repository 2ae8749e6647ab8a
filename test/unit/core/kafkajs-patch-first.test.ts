import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../../..');

/** Every .ts file that runs outside jest: sources, bench/, scripts/, test fixtures and helpers. */
function runtimeFiles(dir = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!['node_modules', 'coverage', 'dist'].includes(entry.name) && !entry.name.startsWith('.'))
        out.push(...runtimeFiles(rel));
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.endsWith('.test.ts')
    )
      out.push(rel);
  }
  return out;
}

/** Whether an import declaration brings in values (not `import type`, not only `type` names). */
function importsValues(decl: ts.ImportDeclaration): boolean {
  const clause = decl.importClause;
  if (!clause) return true; // import 'x' (for its effect)
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const named = clause.namedBindings;
  if (!named || ts.isNamespaceImport(named)) return true;
  return named.elements.length === 0 || named.elements.some((e) => !e.isTypeOnly);
}

/**
 * Files that load kafkajs (a value import of it) without importing core/kafkajs-patch (or
 * core/kafka, which imports it first) before: in a process they start, kafkajs could be loaded
 * before its read_committed fix, and createKafka() would refuse to run (CD_E_KAFKAJS_UNPATCHED).
 */
function unpatchedKafkajsImports(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    if (!text.includes("'kafkajs'")) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    let patched = file === 'core/kafka.ts' || file === 'core/kafkajs-patch.ts';
    for (const stmt of sf.statements) {
      if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
      const spec = stmt.moduleSpecifier.text;
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (target === 'core/kafkajs-patch' || target === 'core/kafka') patched = true;
      } else if (spec === 'kafkajs' && importsValues(stmt) && !patched) found.push(file);
    }
  }
  return found.sort();
}

describe('kafkajs is loaded only after its read_committed fix (core/kafkajs-patch.ts)', () => {
  it('every file that loads kafkajs imports core/kafkajs-patch (or core/kafka) before it', () => {
    const files = runtimeFiles();
    expect(files).toEqual(expect.arrayContaining(['stack/probes.ts', 'router/producers.ts']));
    expect(unpatchedKafkajsImports(files)).toEqual([]);
  });

  it('the check finds a file that loads kafkajs first, and lets type-only imports be', () => {
    const dir = fs.mkdtempSync(path.join(root, 'test/unit/core/.tmp-patch-'));
    const rel = (f: string) => path.relative(root, path.join(dir, f)).split(path.sep).join('/');
    try {
      fs.writeFileSync(
        path.join(dir, 'bad.ts'),
        "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n",
      );
      fs.writeFileSync(
        path.join(dir, 'types.ts'),
        "import type { Kafka } from 'kafkajs';\nexport type K = Kafka;\n",
      );
      expect(unpatchedKafkajsImports([rel('bad.ts'), rel('types.ts')])).toEqual([rel('bad.ts')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a process whose first kafkajs user is not core/kafka still gets the fix (as the CLI runs)', () => {
    const script = `
      require('tsx/cjs');
      require('./stack/probes.ts');
      require('./core/kafka.ts').createKafka({ clientId: 'probe', brokers: ['127.0.0.1:1'] });
      process.stdout.write('fixed');
    `;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })).toBe('fixed');
  });
});
