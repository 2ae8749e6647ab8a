'use strict';
/**
 * The layering of crossdock's code (docs/architecture.md "Layering"), as data and one check, shared
 * by the ESLint rule below (eslint.config.mjs) and test/unit/architecture.test.ts:
 *
 * - core/ is the plumbing layer: it imports no other part, and any part may import its files by path.
 * - Every other part is imported only through its index.ts; its other files are its own business.
 * - test/ and bench/ may reach into any file (they test and measure internals).
 *
 * Paths are repository-relative, with '/' separators; import targets may omit their extension.
 */
const path = require('node:path');

/** The parts, most specific first (a file belongs to the first that contains it). */
const PARTS = Object.freeze([
  'connectors/sinks',
  'connectors/sources',
  'connectors/sdk',
  'connectors',
  'router',
  'retry',
  'dlq',
  'flows',
  'console',
  'schemas',
  'stack',
  'core',
  'hub',
  'demo',
  'cli',
]);

/** Folders whose files may import any file of any part. */
const FREE_IMPORTERS = Object.freeze(['test', 'bench']);

const within = (file, folder) => file === folder || file.startsWith(`${folder}/`);

/** The part a repository-relative path belongs to, or undefined when it is in none. */
function partOf(file) {
  return PARTS.find((p) => within(file, p));
}

/**
 * Why an import from `fromFile` of `target` (both repository-relative) breaks the layering, or
 * undefined when it is allowed.
 */
function boundaryProblem(fromFile, target) {
  if (FREE_IMPORTERS.some((f) => within(fromFile, f))) return undefined;
  const to = target.replace(/\.(ts|js|cjs|mjs)$/, '');
  const toPart = partOf(to);
  const fromPart = partOf(fromFile);
  if (!toPart || toPart === fromPart) return undefined;
  if (fromPart === 'core') return `core/ is plumbing and imports no part: ${fromFile} imports ${to}`;
  if (toPart === 'core') return undefined;
  if (to === toPart || to === `${toPart}/index`) return undefined;
  return `${fromFile} reaches into ${to}: import the part's surface ${toPart}/index.ts instead (add what is missing there)`;
}

/** The repository-relative path an import specifier names, or undefined for a package import. */
function resolveImport(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
}

/** ESLint rule: refuses imports that break the layering; `root` is the repository folder. */
function createRule(root) {
  return {
    meta: {
      type: 'problem',
      docs: { description: 'core imports no part; parts import each other only through index.ts' },
      schema: [],
    },
    create(context) {
      const fromFile = path.relative(root, context.filename).split(path.sep).join('/');
      if (fromFile.startsWith('..')) return {};
      const check = (node, source) => {
        if (!source || typeof source.value !== 'string') return;
        const target = resolveImport(fromFile, source.value);
        const message = target && boundaryProblem(fromFile, target);
        if (message) context.report({ node, message });
      };
      return {
        ImportDeclaration: (node) => check(node, node.source),
        ExportNamedDeclaration: (node) => check(node, node.source),
        ExportAllDeclaration: (node) => check(node, node.source),
        ImportExpression: (node) => check(node, node.source),
        TSImportEqualsDeclaration: (node) => check(node, node.moduleReference.expression),
        CallExpression: (node) => {
          if (node.callee.type === 'Identifier' && node.callee.name === 'require')
            check(node, node.arguments[0]);
        },
      };
    },
  };
}

module.exports = { PARTS, FREE_IMPORTERS, partOf, boundaryProblem, resolveImport, createRule };
