import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bearerMatches, createHealthServer } from '../../../core/health';
import { checkHubConfig, healthToken, loadConfig, METRICS_TOKEN_ENV } from '../../../hub';

/**
 * The health server's token: /metrics and /status answer 401 CD_E_METRICS_UNAUTHORIZED without
 * it or with another, 200 with it; /healthz and /readyz stay open for probes. The token comes from
 * the variable hub.health.tokenEnv names (unset: a start-up error naming it) or CROSSDOCK_METRICS_TOKEN.
 */
describe('health server token', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });
  async function serve(token?: string) {
    const health = createHealthServer(undefined, { defaultMetrics: false, token });
    servers.push(health);
    health.addReadiness('kafka', () => true);
    const port = await health.listen(0);
    return `http://127.0.0.1:${port}`;
  }
  const get = async (url: string, authorization?: string) => {
    const res = await fetch(url, authorization ? { headers: { authorization } } : {});
    return { status: res.status, text: await res.text(), www: res.headers.get('www-authenticate') };
  };

  it('/metrics and /status: 401 with no token or a wrong one, 200 with it', async () => {
    const base = await serve('s3cret-token');
    for (const route of ['/metrics', '/status']) {
      for (const authorization of [
        undefined,
        'Bearer wrong',
        'Bearer s3cret-token-and-more',
        'Basic s3cret-token',
        's3cret-token',
      ]) {
        const res = await get(base + route, authorization);
        expect([route, authorization, res.status]).toEqual([route, authorization, 401]);
        expect(JSON.parse(res.text)).toMatchObject({ code: 'CD_E_METRICS_UNAUTHORIZED', retriable: false });
        expect(res.www).toBe('Bearer realm="crossdock"');
        expect(res.text).not.toContain('s3cret');
      }
      expect((await get(base + route, 'Bearer s3cret-token')).status).toBe(200);
    }
  });

  it('/healthz and /readyz need no token (probes)', async () => {
    const base = await serve('s3cret-token');
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect((await get(`${base}/readyz`)).status).toBe(200);
  });

  it('without a token every route is open, as before', async () => {
    const base = await serve(undefined);
    expect((await get(`${base}/metrics`)).status).toBe(200);
    expect((await get(`${base}/status`)).status).toBe(200);
  });

  it('bearerMatches: the exact token only', () => {
    expect(bearerMatches('Bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('Bearer abcd', 'abc')).toBe(false);
    expect(bearerMatches('Bearer ', 'abc')).toBe(false);
    expect(bearerMatches(undefined, 'abc')).toBe(false);
  });
});

describe('the token from the configuration', () => {
  const sitesDir = path.resolve(__dirname, '../../../sites');
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-health-token-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (hub: string) => {
    const f = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(
      f,
      [
        hub,
        'sites:',
        `  - { id: us-chi, name: S, country: US, connector: { kind: csv, mappingDir: ${sitesDir} } }`,
        'subscribers:',
        '  - { id: s, sink: { kind: kafka } }',
        'routes:',
        '  - { name: r, match: { eventTypes: [OrderReleased] }, to: [s] }',
        '',
      ].join('\n'),
    );
    return f;
  };

  it('hub.health.tokenEnv names the variable; unset, start-up refuses naming it', () => {
    const config = loadConfig(file('hub:\n  health:\n    tokenEnv: PROM_SCRAPE_TOKEN'));
    expect(healthToken(config, { PROM_SCRAPE_TOKEN: 't1', [METRICS_TOKEN_ENV]: 'other' })).toBe('t1');
    let thrown: unknown;
    try {
      healthToken(config, { [METRICS_TOKEN_ENV]: 'other' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'CD_E_CONFIG_INVALID' });
    expect(String((thrown as Error).message)).toMatch(
      /hub\.health\.tokenEnv: \$PROM_SCRAPE_TOKEN .* is not set/,
    );
    expect(() => healthToken(config, { PROM_SCRAPE_TOKEN: '' })).toThrow(/\$PROM_SCRAPE_TOKEN/);
  });

  it('no tokenEnv: CROSSDOCK_METRICS_TOKEN when set, else none', () => {
    const config = loadConfig(file('hub: {}'));
    expect(healthToken(config, { [METRICS_TOKEN_ENV]: 't2' })).toBe('t2');
    expect(healthToken(config, {})).toBeUndefined();
  });

  it('config check: a warning naming the variable and its line; an error with requireSecrets', () => {
    const f = file('hub:\n  health:\n    tokenEnv: PROM_SCRAPE_TOKEN');
    const warned = checkHubConfig(f, { env: {}, home: '/nonexistent-crossdock-home' });
    expect(warned.ok).toBe(true);
    expect(warned.problems).toEqual([
      expect.objectContaining({ path: 'hub.health.tokenEnv', line: 3, severity: 'warning' }),
    ]);
    expect(warned.problems[0]!.message).toContain('$PROM_SCRAPE_TOKEN');
    const refused = checkHubConfig(f, { env: {}, home: '/nonexistent-crossdock-home', requireSecrets: true });
    expect(refused.ok).toBe(false);
  });
});
