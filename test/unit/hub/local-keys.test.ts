import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../../cli/main';
import { shellQuote } from '../../../cli/commands/keys';
import {
  applyLocalKeys,
  configuredKeys,
  loadConfig,
  localKeySecrets,
  localKeysPath,
  parseLocalKeys,
} from '../../../hub';

const example = path.resolve(__dirname, '../../../examples/hub.yaml');
const VARS = ['CROSSDOCK_KEY_US_CHI', 'CROSSDOCK_KEY_US_NWK', 'CROSSDOCK_KEY_MX_MTY'];

describe('local signing-key secrets (hub/local-keys.ts)', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-keys-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));
  const config = loadConfig(example);

  it('examples/hub.yaml names one key per HTTP site, secrets in the environment', () => {
    expect(configuredKeys(config)).toEqual([
      { siteId: 'us-chi', keyId: 'chi-2026a', secretEnv: 'CROSSDOCK_KEY_US_CHI' },
      { siteId: 'us-nwk', keyId: 'nwk-2026a', secretEnv: 'CROSSDOCK_KEY_US_NWK' },
      { siteId: 'mx-mty', keyId: 'mty-2026a', secretEnv: 'CROSSDOCK_KEY_MX_MTY' },
    ]);
  });

  it('makes the missing secrets once, in a file only its owner reads, and reuses them', () => {
    const first = localKeySecrets(config, home, {});
    expect(first.file).toBe(path.join(home, 'local-keys.env'));
    expect(first.created).toEqual(VARS);
    expect(Object.keys(first.env)).toEqual(VARS);
    for (const v of VARS) expect(first.env[v]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(Object.values(first.env)).size).toBe(3);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(parseLocalKeys(fs.readFileSync(first.file, 'utf8'))).toEqual(first.env);

    const again = localKeySecrets(config, home, {});
    expect(again.created).toEqual([]);
    expect(again.env).toEqual(first.env);
  });

  it('a variable set in the environment wins and is not written to the file', () => {
    const res = localKeySecrets(config, home, { CROSSDOCK_KEY_US_NWK: 'from-env' });
    expect(res.env.CROSSDOCK_KEY_US_NWK).toBe('from-env');
    expect(res.created).toEqual(['CROSSDOCK_KEY_US_CHI', 'CROSSDOCK_KEY_MX_MTY']);
    expect(parseLocalKeys(fs.readFileSync(res.file, 'utf8'))).not.toHaveProperty('CROSSDOCK_KEY_US_NWK');
    // Later, without the variable: only the missing one is made, the others are kept.
    const later = localKeySecrets(config, home, {});
    expect(later.created).toEqual(['CROSSDOCK_KEY_US_NWK']);
    expect(later.env.CROSSDOCK_KEY_US_CHI).toBe(res.env.CROSSDOCK_KEY_US_CHI);
  });

  it('reads NAME=secret lines, comments, export prefixes and quotes', () => {
    expect(parseLocalKeys('# c\n\nA=1\nexport B="two"\n C = x\nnot a line\nD=\n')).toEqual({
      A: '1',
      B: 'two',
    });
  });

  it('start fills only unset variables from the file and makes none', () => {
    expect(applyLocalKeys(home, {})).toEqual([]);
    expect(fs.existsSync(localKeysPath(home))).toBe(false);
    const made = localKeySecrets(config, home, {});
    const env: NodeJS.ProcessEnv = { CROSSDOCK_KEY_US_CHI: 'mine' };
    expect(applyLocalKeys(home, env)).toEqual(['CROSSDOCK_KEY_US_NWK', 'CROSSDOCK_KEY_MX_MTY']);
    expect(env).toEqual({
      CROSSDOCK_KEY_US_CHI: 'mine',
      CROSSDOCK_KEY_US_NWK: made.env.CROSSDOCK_KEY_US_NWK,
      CROSSDOCK_KEY_MX_MTY: made.env.CROSSDOCK_KEY_MX_MTY,
    });
  });
});

describe('crossdock keys', () => {
  let home: string;
  const saved = { ...process.env };
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-keys-cli-'));
    process.env.CROSSDOCK_HOME = home;
    for (const v of VARS) delete process.env[v];
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ code: number; out: string }> {
    let code = 0;
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram((c) => (code = c)).parseAsync(['node', 'crossdock', ...args]);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    return { code, out };
  }

  it('prints export lines a shell can eval, the same secrets on every run', async () => {
    const first = await run(['keys']);
    expect(first.code).toBe(0);
    const stored = parseLocalKeys(fs.readFileSync(path.join(home, 'local-keys.env'), 'utf8'));
    for (const v of VARS) expect(first.out).toContain(`export ${v}=${stored[v]}`);
    const shell = execFileSync('sh', ['-c', `eval "$1"; echo "$CROSSDOCK_KEY_US_CHI"`, 'sh', first.out], {
      env: { PATH: process.env.PATH },
    });
    expect(shell.toString().trim()).toBe(stored.CROSSDOCK_KEY_US_CHI);
    expect((await run(['keys'])).out).toBe(first.out);
  });

  it('--json lists each key, its variable and whether this run made it, without secrets', async () => {
    process.env.CROSSDOCK_KEY_US_CHI = 'set-by-me';
    const r = await run(['keys', '--config', example, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      file: path.join(home, 'local-keys.env'),
      keys: [
        { siteId: 'us-chi', keyId: 'chi-2026a', env: 'CROSSDOCK_KEY_US_CHI', created: false },
        { siteId: 'us-nwk', keyId: 'nwk-2026a', env: 'CROSSDOCK_KEY_US_NWK', created: true },
        { siteId: 'mx-mty', keyId: 'mty-2026a', env: 'CROSSDOCK_KEY_MX_MTY', created: true },
      ],
    });
    expect(r.out).not.toContain('set-by-me');
  });

  it('quotes a secret the shell would otherwise split', () => {
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
    expect(shellQuote('abc_-9')).toBe('abc_-9');
  });
});
