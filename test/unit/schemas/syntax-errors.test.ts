import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSchemas, formatProblems, SCHEMAS_DIR } from '../../../schemas';

/** An .avsc file that is not JSON: file, line, column and a snippet, and no follow-on problems. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-avsc-syntax-'));
  fs.cpSync(SCHEMAS_DIR, dir, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function breakLine(rel: string, line: number, append: string): void {
  const file = path.join(dir, rel);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[line - 1] += append;
  fs.writeFileSync(file, lines.join('\n'));
}

it('a version file: one problem naming the file, line and column, with a snippet', () => {
  breakLine('order/OrderHoldPlaced/v1.avsc', 3, ' ,,');
  const res = checkSchemas(dir);
  expect(res.ok).toBe(false);
  expect(res.problems).toHaveLength(1);
  const p = res.problems[0]!;
  expect(p).toMatchObject({ rule: 'avro-parse', file: 'order/OrderHoldPlaced/v1.avsc', line: 3 });
  expect(p.column).toBeGreaterThan(20);
  expect(p.message).toMatch(/^is not valid JSON: /);
  expect(p.snippet).toContain('"name": "OrderHoldPlaced", ,,');
  expect(formatProblems(res.problems)).toMatch(/^order\/OrderHoldPlaced\/v1\.avsc:3:\d+: is not valid JSON/);
});

it('a shared type: its own problem only, not "undefined type name" in every event using it', () => {
  breakLine('common/EventMetadata.avsc', 2, ' ]');
  const res = checkSchemas(dir);
  expect(res.problems.map((p) => `${p.file}:${p.line}`)).toEqual(['common/EventMetadata.avsc:2']);
});
