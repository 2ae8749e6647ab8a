/**
 * Generated docs: each entry is a file under docs/ and the function that renders it from the
 * code (schemas, catalogs, error tables). `npm run docs` writes them; `npm run docs -- --check`
 * (and test/unit/generated-docs.test.ts) fails when a committed file is out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  renderConfigurationDoc,
  renderErrorsDoc,
  renderHubSchemaFile,
  renderObservabilityDoc,
  SCHEMA_JSON_FILE,
} from '../hub';
import { renderEventsMd } from '../schemas';

export const GENERATED_DOCS: ReadonlyArray<{ file: string; render: () => string | Promise<string> }> = [
  { file: 'docs/errors.md', render: renderErrorsDoc },
  { file: 'docs/configuration.md', render: renderConfigurationDoc },
  { file: SCHEMA_JSON_FILE, render: renderHubSchemaFile },
  { file: 'docs/events.md', render: () => renderEventsMd() },
  { file: 'docs/observability.md', render: renderObservabilityDoc },
];

export async function driftedDocs(root: string): Promise<string[]> {
  const drifted: string[] = [];
  for (const { file, render } of GENERATED_DOCS) {
    const want = await render();
    const have = fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : '';
    if (want !== have) drifted.push(file);
  }
  return drifted;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  if (process.argv.includes('--check')) {
    const drifted = await driftedDocs(root);
    if (drifted.length) {
      console.error(`out of date (run npm run docs): ${drifted.join(', ')}`);
      process.exitCode = 1;
    }
    return;
  }
  for (const { file, render } of GENERATED_DOCS) {
    fs.writeFileSync(path.join(root, file), await render());
    console.error(`wrote ${file}`);
  }
}

if (require.main === module) void main();
