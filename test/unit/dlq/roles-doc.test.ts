import fs from 'node:fs';
import path from 'node:path';
import { renderRoleTable } from '../../../dlq';

describe('the role table in docs/operations.md', () => {
  it('is the table of dlq/api/roles.ts', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');
    expect(doc).toContain(`\n${renderRoleTable()}\n`);
  });
});
