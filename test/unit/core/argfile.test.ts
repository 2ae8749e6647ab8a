import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderArgFile, withJavaArgFile } from '../../../core/argfile';

describe('java argument files', () => {
  it('put one double-quoted argument per line, escaping backslashes and quotes', () => {
    expect(renderArgFile(['-cp', '/x/libs/*', 'Main', 'a b', 'q"x', 'back\\slash'])).toBe(
      ['"-cp"', '"/x/libs/*"', '"Main"', '"a b"', '"q\\"x"', '"back\\\\slash"', ''].join('\n'),
    );
  });

  it('refuse an argument with a line break', () => {
    expect(() => renderArgFile(['a\nb'])).toThrow(/line break/);
  });

  it('hand over @file of a 0600 file in a private folder and remove it afterwards, also on failure', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'argfile-test-'));
    try {
      let seen = '';
      const out = await withJavaArgFile(
        ['Main', 'secret'],
        async (arg) => {
          seen = arg.slice(1);
          expect(arg.startsWith('@')).toBe(true);
          expect(fs.statSync(seen).mode & 0o777).toBe(0o600);
          expect(fs.statSync(path.dirname(seen)).mode & 0o777).toBe(0o700);
          expect(fs.readFileSync(seen, 'utf8')).toBe('"Main"\n"secret"\n');
          return 42;
        },
        root,
      );
      expect(out).toBe(42);
      expect(fs.existsSync(path.dirname(seen))).toBe(false);
      await expect(withJavaArgFile(['x'], () => Promise.reject(new Error('boom')), root)).rejects.toThrow(
        'boom',
      );
      expect(fs.readdirSync(root)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
