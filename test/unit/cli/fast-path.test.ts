import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, topLevelHelp } from '../../../cli/main';
import packageJson from '../../../package.json';

// bin/fast-path.js is plain CommonJS (it runs before tsx is registered).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fastPath = require('../../../bin/fast-path.js') as {
  readHelp(cacheFile: string, width: number | undefined): string | undefined;
  saveHelp(cacheFile: string, width: number | undefined, text: string, files: string[]): void;
};

const root = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-fast-path-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `node bin/crossdock.js <arg>`: what it printed, and every module it loaded. */
function runBin(arg: string): { out: string; loaded: string[] } {
  const dump = path.join(dir, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const preload = path.join(dir, 'dump.js');
  fs.writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.CD_DUMP, JSON.stringify(Object.keys(require.cache))));`,
  );
  const out = execFileSync(process.execPath, ['-r', preload, 'bin/crossdock.js', arg], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CD_DUMP: dump },
  });
  return { out, loaded: JSON.parse(fs.readFileSync(dump, 'utf8')) as string[] };
}

describe('crossdock --help and --version without TypeScript (bin/fast-path.js)', () => {
  it('--help prints what commander prints for --help, and the second time loads no TypeScript', async () => {
    let commander = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      commander += String(c);
      return true;
    });
    try {
      expect(await main(['node', 'crossdock', '--help'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(topLevelHelp(undefined)).toBe(commander);
    const first = runBin('--help');
    expect(first.out).toBe(commander);
    const second = runBin('--help');
    expect(second.out).toBe(commander);
    expect(second.loaded.filter((f) => f.endsWith('.ts') || f.includes(`${path.sep}tsx${path.sep}`))).toEqual(
      [],
    );
  });

  it('--version prints the version and loads no TypeScript', () => {
    const r = runBin('--version');
    expect(r.out).toBe(`${packageJson.version}\n`);
    expect(r.loaded.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('the kept help is used only while none of its files changed and the width is the same', () => {
    const cache = path.join(dir, 'cache', 'help.json');
    const a = path.join(dir, 'a.ts');
    const b = path.join(dir, 'b.ts');
    fs.writeFileSync(a, 'one');
    fs.writeFileSync(b, 'two');
    expect(fastPath.readHelp(cache, undefined)).toBeUndefined(); // nothing kept yet
    fastPath.saveHelp(cache, undefined, 'HELP', [a, b]);
    expect(fastPath.readHelp(cache, undefined)).toBe('HELP');
    expect(fastPath.readHelp(cache, 120)).toBeUndefined(); // another width
    fs.writeFileSync(b, 'two, changed');
    expect(fastPath.readHelp(cache, undefined)).toBeUndefined(); // a file changed
    fastPath.saveHelp(cache, 120, 'WIDE', [a, b]);
    expect(fastPath.readHelp(cache, 120)).toBe('WIDE');
    fs.rmSync(a);
    expect(fastPath.readHelp(cache, 120)).toBeUndefined(); // a file is gone
    fs.writeFileSync(cache, '{ not json');
    expect(fastPath.readHelp(cache, 120)).toBeUndefined(); // a broken cache is no cache
  });
});
