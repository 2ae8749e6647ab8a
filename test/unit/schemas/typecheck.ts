import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../../..');

/**
 * Type-checks small snippets with the TypeScript compiler (the repository's strict options).
 * `overrides` replaces files of the repository by their given text (paths relative to the root);
 * each snippet is compiled as `<root>/__typecheck__/<name>.ts`, so it imports the repository as
 * `../<path>`. Returns the error messages of each snippet (empty when it compiles).
 */
export function typeErrors(
  overrides: Record<string, string>,
  snippets: Record<string, string>,
): Record<string, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
  };
  const virtual = new Map<string, string>();
  for (const [rel, text] of Object.entries(overrides)) virtual.set(path.join(root, rel), text);
  const snippetFile = (name: string) => path.join(root, '__typecheck__', `${name}.ts`);
  for (const [name, text] of Object.entries(snippets)) virtual.set(snippetFile(name), text);

  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(path.resolve(f));
    return text === undefined
      ? getSourceFile.call(host, f, lang, onError, create)
      : ts.createSourceFile(f, text, lang, true);
  };
  const names = Object.keys(snippets);
  const program = ts.createProgram(names.map(snippetFile), options, host);
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const file = program.getSourceFile(snippetFile(name));
    if (!file) throw new Error(`typecheck: snippet ${name} was not compiled`);
    out[name] = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) =>
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
  }
  return out;
}
