import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/hub';
import { NAMES, TOKENS, startApiHarness, type ApiHarness } from './api-harness';

/**
 * The CLI against the admin API, as a user runs it (`node bin/crossdock.js …` in its own process):
 * `--hub` and CROSSDOCK_ADMIN_TOKEN, the local token of the run file, JSON and human output, and
 * the exit codes: 0 done, 1 some letters refused, 2 a bad selector, 3 for 401 and 403 and a hub
 * that does not answer.
 */
describe('dlq: the CLI through the admin API', () => {
  let h: ApiHarness;
  let home: string;
  beforeAll(async () => {
    h = await startApiHarness();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dlq-cli-'));
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const cli = (args: string[], token?: string) =>
    runCli(args, {
      CROSSDOCK_HOME: home,
      ...(token ? { CROSSDOCK_ADMIN_TOKEN: token } : { CROSSDOCK_ADMIN_TOKEN: '' }),
    });

  it('lists as JSON with a token from the environment; 401 and 403 exit 3 with their codes', async () => {
    let r = await cli(['dlq', 'list', '--json', '--hub', h.url, '--subscriber', 'erp'], TOKENS.viewer);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const page = JSON.parse(r.stdout) as { total: number; items: Array<{ id: string }> };
    expect(page.total).toBe(2);
    expect(page.items.map((i) => i.id).sort()).toEqual([...h.ids.erp].sort());

    r = await cli(['dlq', 'list', '--json', '--hub', h.url], 'wrong-token');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'CD_E_ADMIN_UNAUTHORIZED' });
    expect(JSON.parse(r.stdout).error.message).toContain('token from CROSSDOCK_ADMIN_TOKEN');

    r = await cli(['dlq', 'discard', h.ids.router, '--reason', 'noise', '--hub', h.url], TOKENS.viewer);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'error CD_E_ADMIN_FORBIDDEN: dlq.discard needs the role operator; vera has viewer',
    );

    r = await cli(['dlq', 'reindex', '--json', '--hub', h.url], TOKENS.operator);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'CD_E_ADMIN_FORBIDDEN',
      details: { needed: 'admin' },
    });
  });

  it('exit 1 when some letters are refused, 2 for a bad selector, 3 when the hub does not answer', async () => {
    const unknown = `${h.topics.dlqDeliver('erp')}:0:4242`;
    let r = await cli(['dlq', 'claim', h.ids.router, unknown, '--hub', h.url], TOKENS.operator);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('claimed 1 of 2; refused 1:');
    expect(r.stdout).toContain(`${unknown}: CD_E_DLQ_NOT_FOUND`);

    r = await cli(['dlq', 'claim', 'not-an-id', '--hub', h.url], TOKENS.operator);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error CD_E_DLQ_SELECTOR_INVALID: selector.ids[0]');
    r = await cli(['dlq', 'discard', '--reason', 'x', '--hub', h.url], TOKENS.operator);
    expect(r.code).toBe(2);

    r = await cli(['dlq', 'list', '--hub', 'http://127.0.0.1:9'], TOKENS.viewer);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('CD_E_HUB_NOT_RUNNING');
  });

  it('uses the local admin token of the run file, only for the run file’s own adminUrl', async () => {
    fs.mkdirSync(path.join(home, 'run'), { recursive: true });
    fs.writeFileSync(
      path.join(home, 'run', 'hub.json'),
      JSON.stringify({
        pid: process.pid,
        url: 'http://127.0.0.1:9',
        token: 'x',
        configFile: 'x',
        adminUrl: h.url,
        adminToken: TOKENS.local,
      }),
      { mode: 0o600 },
    );
    let r = await cli(['dlq', 'show', h.ids.erp[0]!, '--json']);
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout) as { event: { masked: string; value: { shipTo: { name: string } } } };
    // The local token is an admin's: unmasked.
    expect(shown.event.masked).toBe('none');
    expect(shown.event.value.shipTo.name).toBe(h.personName);

    r = await cli(['audit', 'list', '--who', NAMES.local, '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/local-admin\s+admin\s+dlq\.show\s+ok/);

    // Another hub named with --hub never gets the local token.
    r = await cli(['dlq', 'list', '--hub', 'http://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('CD_E_ADMIN_UNAUTHORIZED: no token for the admin API at http://127.0.0.1:9');
  });

  it('prints human tables: groups, queue and the masked show of a viewer', async () => {
    let r = await cli(['dlq', 'groups', '--hub', h.url], TOKENS.viewer);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^COUNT\s+OPEN\s+CODE/);
    expect(r.stdout).toContain('CD_E_DELIVERY_REJECTED');
    r = await cli(['dlq', 'show', h.ids.erp[1]!, '--hub', h.url], TOKENS.viewer);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('personal fields masked');
    expect(r.stdout).toContain('"name": "***"');
    expect(r.stdout).not.toContain(h.personName);
    r = await cli(['dlq', 'queue', '--json', '--hub', h.url], TOKENS.viewer);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toHaveProperty('open');
  });
});
