import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { stackPaths } from '../../../stack';
import { oneSiteConfig, runCli } from '../../helpers/hub';
import { randomName } from '../../helpers/stack';

/**
 * Issue #16, "secrets never fail open": a webhook secret read from an unset variable is a
 * configuration error naming the field and the variable — `config check` exits 1, `crossdock
 * start` and `crossdock connector` refuse to start — and never an unsigned webhook.
 */
describe('an unset webhook secret fails the check and the start-up, naming the variable', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-unset-secret-'));
  const prefix = randomName('unset');
  const variable = `CD_IT_UNSET_${prefix.replace(/\W/g, '_').toUpperCase()}`;
  const file = path.join(home, 'hub.yaml');
  const env = { CROSSDOCK_HOME: home, CROSSDOCK_CACHE_DIR: stackPaths().cache };

  beforeAll(() => {
    const doc = oneSiteConfig(prefix, 'http://127.0.0.1:9/events');
    (doc.subscribers[0]!.sink as Record<string, unknown>).secrets = [`\${${variable}}`];
    fs.writeFileSync(file, YAML.stringify(doc));
    delete process.env[variable];
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('config check: exit 1, the field path, its line and the variable', async () => {
    const res = await runCli(['config', 'check', file], env);
    expect(res.code).toBe(1);
    const line = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(variable));
    expect(res.stdout).toContain(`subscribers[0].sink.secrets[0] (line ${line + 1}): $${variable}`);
    expect(res.stdout).toContain('is not set (or empty) in this environment');

    const json = await runCli(['config', 'check', file, '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: [{ path: 'subscribers[0].sink.secrets[0]', variable, line: line + 1 }],
    });
  });

  it('crossdock start and crossdock connector refuse to start (exit 3) naming it; set, the check passes', async () => {
    for (const args of [
      ['start', '--config', file, '--health-port', '0', '--admin-port', '0'],
      ['connector', 'erp', '--config', file, '--health-port', '0'],
    ]) {
      const res = await runCli(args, env);
      expect({ command: args[0], code: res.code }).toEqual({ command: args[0], code: 3 });
      expect(res.stderr).toContain(`$${variable}`);
      expect(res.stderr).toMatch(/sink\.secrets\[0\]/);
    }
    const set = await runCli(['config', 'check', file], { ...env, [variable]: 'whsec_c2V0' });
    expect(set.code).toBe(0);
  });
});
