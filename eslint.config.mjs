import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import partBoundaries from './eslint-rules/part-boundaries.js';

const root = path.dirname(fileURLToPath(import.meta.url));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's script runs in the browser (console/assets), not in Node.
    files: ['console/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Date: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The CLI loading rule (docs/architecture.md): cli/ loads the heavy parts with require() inside
    // a command's action, typed with `typeof import(...)`, so that `crossdock --help` loads none.
    files: ['cli/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The layering (docs/architecture.md "Layering"): core imports no part; a part imports another
    // only through its index.ts. test/ and bench/ may reach in (the rule lets them).
    files: ['**/*.ts'],
    plugins: { crossdock: { rules: { 'part-boundaries': partBoundaries.createRule(root) } } },
    rules: { 'crossdock/part-boundaries': 'error' },
  },
);
