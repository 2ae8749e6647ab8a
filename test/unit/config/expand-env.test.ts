import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileSinkSettings } from '../../../connectors/sinks/settings';
import { envReferences, expandEnv, unsetEnvReferences } from '../../../core/config';
import { CrossdockError } from '../../../core/errors';
import { checkHubConfig, startupProblems } from '../../../hub';
import { applyConfigText } from '../../../hub/control';
import { refuseStartupProblems } from '../../../hub/startup-check';
import { loadConfig } from '../../../hub/config';
import { configLineLocator } from '../../../core/config';

/**
 * `${VAR}` in the configuration (core/config/expand-env.ts): an unset variable is never an empty
 * string. The expansion itself, then the checks that report it (config check, start, apply).
 */

describe('expandEnv', () => {
  const env = { A: 'alpha', EMPTY: '', B: 'b' };

  it('replaces ${NAME} and ${NAME:-default}; the default only when unset or empty', () => {
    expect(expandEnv('x-${A}-${B}', env)).toBe('x-alpha-b');
    expect(expandEnv('${A:-zzz}', env)).toBe('alpha');
    expect(expandEnv('${NOPE:-fallback}', env)).toBe('fallback');
    expect(expandEnv('${EMPTY:-fallback}', env)).toBe('fallback');
    expect(expandEnv('${NOPE:-}', env)).toBe('');
    expect(expandEnv('whsec_plain', env)).toBe('whsec_plain');
  });

  it('$${ is a literal ${', () => {
    expect(expandEnv('$${A} and ${A}', env)).toBe('${A} and alpha');
    expect(envReferences('$${A}')).toEqual([]);
  });

  it('an unset or empty variable without a default throws CD_E_CONFIG_ENV_UNSET naming the field and the variable', () => {
    let err: unknown;
    try {
      expandEnv('Bearer ${API_KEY}', env, 'subscribers[1].sink.headers.authorization');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrossdockError);
    expect((err as CrossdockError).code).toBe('CD_E_CONFIG_ENV_UNSET');
    expect((err as CrossdockError).message).toBe(
      '$API_KEY is not set (or empty) in this environment, and subscribers[1].sink.headers.authorization reads it. Set it where the hub runs, or write an explicit default: ${API_KEY:-default}',
    );
    expect((err as CrossdockError).details).toEqual({
      field: 'subscribers[1].sink.headers.authorization',
      variables: ['API_KEY'],
    });
    expect(() => expandEnv('${EMPTY}', env, 'f')).toThrow('$EMPTY is not set (or empty)');
  });

  it('unsetEnvReferences lists every missing variable, in order', () => {
    expect(unsetEnvReferences('${X}${A}${Y:-d}${Z}', env)).toEqual(['X', 'Z']);
    expect(envReferences('${X}${Y:-d}')).toEqual([{ name: 'X' }, { name: 'Y', fallback: 'd' }]);
  });

  it('sink settings refuse an unset secret, header or secretsEnv instead of leaving it out', () => {
    const sink = (extra: Record<string, unknown>) => ({ kind: 'http', url: 'http://x/y', ...extra });
    expect(() => compileSinkSettings(sink({ secrets: ['${WH}'] }), 'fin', 'cd', 8, {})).toThrow(
      "subscriber fin's sink.secrets[0] reads it",
    );
    expect(() => compileSinkSettings(sink({ headers: { 'X-Key': '${K}' } }), 'fin', 'cd', 8, {})).toThrow(
      "$K is not set (or empty) in this environment, and subscriber fin's sink.headers.X-Key reads it",
    );
    expect(() => compileSinkSettings(sink({ secretsEnv: 'WHS' }), 'fin', 'cd', 8, { WHS: '' })).toThrow(
      "$WHS is not set (or empty) in this environment, and subscriber fin's sink.secretsEnv reads it. Set it where the hub runs",
    );
    // An explicit empty default is an explicit "unsigned".
    expect(compileSinkSettings(sink({ secrets: ['${WH:-}'] }), 'fin', 'cd', 8, {})).toMatchObject({
      secrets: [],
    });
  });
});

describe('the checks report an unset variable a subscriber reads', () => {
  let dir: string;
  const HOME = { home: '/nonexistent-crossdock-home' };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-expand-env-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function config(name: string, sink: string): string {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(
      file,
      [
        'sites:',
        '  - { id: us-chi, name: S, country: US, connector: { kind: sdk } }',
        'subscribers:',
        '  - { id: k, sink: { kind: kafka } }',
        '  - id: fin',
        '    sink:',
        ...sink.split('\n').map((l) => `      ${l}`),
        'routes:',
        '  - { name: r, match: { eventTypes: [OrderReleased] }, to: [fin] }',
        '',
      ].join('\n'),
    );
    return file;
  }

  const webhook = 'kind: http\nurl: http://127.0.0.1:9/hook\nsecrets:\n  - whsec_fixed\n  - ${CD_TEST_WH}';

  it('config check: an error with the field path, its line and the variable', () => {
    const res = checkHubConfig(config('wh', webhook), { ...HOME, env: {} });
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([
      {
        path: 'subscribers[1].sink.secrets[1]',
        line: 11,
        variable: 'CD_TEST_WH',
        message:
          '$CD_TEST_WH (webhook signing secret of subscriber fin) is not set (or empty) in this environment, and subscribers[1].sink.secrets[1] reads it. Set it where the hub runs, or write an explicit default: ${CD_TEST_WH:-default}',
      },
    ]);
    expect(checkHubConfig(config('wh', webhook), { ...HOME, env: { CD_TEST_WH: 'whsec_x' } })).toMatchObject({
      ok: true,
      problems: [],
    });
  });

  it('secretsEnv and headers too; every one listed at once', () => {
    const file = config(
      'many',
      'kind: http\nurl: http://127.0.0.1:9/hook\nsecretsEnv: CD_TEST_WHS\nheaders: { X-Api-Key: "${CD_TEST_KEY}", X-Fixed: "${CD_TEST_D:-d}" }',
    );
    const res = checkHubConfig(file, { ...HOME, env: { CD_TEST_WHS: '' } });
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => [p.path, p.line, p.variable])).toEqual([
      ['subscribers[1].sink.headers.X-Api-Key', 10, 'CD_TEST_KEY'],
      ['subscribers[1].sink.secretsEnv', 9, 'CD_TEST_WHS'],
    ]);
    expect(res.problems[1]!.message).toContain('(webhook signing secrets of subscriber fin)');
  });

  it('the CLI side of config apply only warns (the hub checks its own environment)', () => {
    const res = checkHubConfig(config('wh', webhook), { ...HOME, env: {}, secretsElsewhere: true });
    expect(res.ok).toBe(true);
    expect(res.problems).toMatchObject([{ severity: 'warning', variable: 'CD_TEST_WH' }]);
  });

  it('crossdock start refuses (CD_E_CONFIG_INVALID naming the field and the variable)', () => {
    const file = config('wh', webhook);
    const cfg = loadConfig(file);
    expect(() => refuseStartupProblems(cfg, file, { env: {} })).toThrow(
      /has 1 problem\(s\):\n {2}subscribers\[1\]\.sink\.secrets\[1\] \(line 11\): \$CD_TEST_WH .* is not set/,
    );
  });

  it('config apply is refused and the running configuration stays', async () => {
    const file = config('wh', webhook);
    const text = fs.readFileSync(file, 'utf8');
    const before = process.env.CD_TEST_WH;
    delete process.env.CD_TEST_WH;
    const apply = jest.fn();
    const outcome = await applyConfigText(text, file, () => loadConfig(file), apply);
    if (before !== undefined) process.env.CD_TEST_WH = before;
    expect(apply).not.toHaveBeenCalled();
    expect(outcome).toMatchObject({
      applied: false,
      code: 'CD_E_CONFIG_INVALID',
      problems: [{ path: 'subscribers[1].sink.secrets[1]', variable: 'CD_TEST_WH' }],
    });
    expect(startupProblems(loadConfig(file), configLineLocator(text), { env: {} })).toHaveLength(1);
  });
});
