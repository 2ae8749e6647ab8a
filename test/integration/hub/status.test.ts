import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { signedHeaders } from '../../../connectors/sources/http/auth';
import type { StatusDocument } from '../../../core/health';
import { stackPaths } from '../../../stack';
import { freePort } from '../../../stack/proc';
import { runCli } from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Readiness means "this process can accept work", as a user runs the hub (`crossdock start`): a
 * subscriber whose receiver is down (a webhook to a port nobody listens on) opens its breaker,
 * which shows on /status and /metrics, while /readyz stays 200 and HTTP ingest keeps accepting.
 * The admin API's overview (GET /api/v1/overview) and the console's Overview page say the same,
 * with the reason, from the same process.
 */
describe('crossdock start: /readyz and /status with a subscriber down (real Kafka, registry, Redis)', () => {
  const prefix = randomName('st');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-status-'));
  let hub: ChildProcess;
  let hubLog = '';
  let ingestPort = 0;
  let healthPort = 0;
  const base = () => `http://127.0.0.1:${healthPort}`;
  const statusDoc = async () => (await (await fetch(`${base()}/status`)).json()) as StatusDocument;

  beforeAll(async () => {
    const closedPort = await freePort(); // nobody listens there
    const config = {
      hub: { topicPrefix: prefix, topics: { partitions: 1 }, router: { groupId: `${prefix}-router` } },
      sites: [
        {
          id: 'us-chi',
          name: 'Chicago DC',
          country: 'US',
          connector: { kind: 'http', keys: [{ id: 'chi-st', secretEnv: 'STATUS_TEST_CHI_KEY' }] },
        },
      ],
      subscribers: [
        {
          id: 'tms',
          sink: { kind: 'http', url: `http://127.0.0.1:${closedPort}/tms`, timeoutMs: 1000 },
          delivery: { breaker: { failureThreshold: 2, openMs: 60000 } },
        },
      ],
      routes: [{ name: 'orders-to-tms', match: { eventTypes: ['Order*'] }, to: ['tms'] }],
    };
    const file = path.join(home, 'hub.yaml');
    fs.writeFileSync(file, YAML.stringify(config));
    [ingestPort, healthPort] = await Promise.all([freePort(), freePort()]);
    hub = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/crossdock.js'),
        'start',
        '--config',
        file,
        '--health-port',
        String(healthPort),
        '--admin-port',
        '0',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CROSSDOCK_HOME: home,
          CROSSDOCK_CACHE_DIR: stackPaths().cache,
          CROSSDOCK_INGEST_PORT: String(ingestPort),
          STATUS_TEST_CHI_KEY: 'chi-status-secret',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    hub.stdout!.on('data', (d: Buffer) => (hubLog += d.toString()));
    hub.stderr!.on('data', (d: Buffer) => (hubLog += d.toString()));
    await eventually(
      async () => (await fetch(`${base()}/readyz`).catch(() => undefined))?.status === 200,
      `the hub to be ready (log so far:\n${hubLog})`,
      90_000,
    );
  });

  afterAll(async () => {
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub.once('exit', r));
      hub.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15000)))]);
      clearTimeout(timer);
      if (hub.exitCode === null) hub.kill('SIGKILL');
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  const postOrder = (orderNumber: string) => {
    const sample = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
    ) as Record<string, unknown>;
    const body = JSON.stringify({ ...sample, orderNumber });
    return fetch(`http://127.0.0.1:${ingestPort}/v1/sites/us-chi/events`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders({ id: 'chi-st', secret: 'chi-status-secret' }, body),
      },
    });
  };

  it('reports its own dependencies and components on /status while ready', async () => {
    const doc = await statusDoc();
    expect(doc.ready).toBe(true);
    for (const dep of ['kafka', 'redis', 'registry'])
      expect(doc.dependencies[dep]).toMatchObject({ up: true, checkedAt: expect.any(String) });
    expect(doc.checks).toMatchObject({
      kafka: true,
      redis: true,
      registry: true,
      'components-started': true,
    });
    expect(doc.components['http-ingest']).toMatchObject({
      started: true,
      ready: true,
      queue: { events: 0, maxEvents: 10000 },
    });
    expect(doc.components.router).toMatchObject({ started: true });
    expect(doc.components['connector:tms']).toMatchObject({ started: true });
    expect(doc.subscribers.tms).toMatchObject({ breaker: 'closed', inRetry: 0, heldKeys: 0 });
  });

  it('a subscriber down opens its breaker on /status and /metrics; /readyz stays 200 and ingest accepts', async () => {
    for (let i = 0; i < 3; i++) expect((await postOrder(randomName('ST'))).status).toBe(202);
    await eventually(
      async () => (await statusDoc()).subscribers.tms?.breaker === 'open',
      `the tms breaker to open (log so far:\n${hubLog.slice(-3000)})`,
      60_000,
    );
    const doc = await statusDoc();
    expect(doc.subscribers.tms).toMatchObject({
      breaker: 'open',
      consuming: true,
      lastError: { code: expect.stringMatching(/^CD_E_/), class: 'transient' },
    });
    expect(doc.subscribers.tms!.breakerRetryInMs).toBeGreaterThan(0);
    // The events wait in retry; the one whose failure opened the breaker may be between its
    // attempt and its retry entry at the moment the breaker shows open.
    await eventually(
      async () => Number((await statusDoc()).subscribers.tms?.inRetry ?? 0) >= 1,
      'tms events in retry while its breaker is open',
    );
    expect(doc.ready).toBe(true);
    const readyz = await fetch(`${base()}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ ready: true, checks: { 'connector:tms': true } });
    const metrics = await (await fetch(`${base()}/metrics`)).text();
    expect(metrics).toMatch(/crossdock_delivery_breaker_state\{subscriber="tms"\} 2/);
    // Ingest still takes work: the TMS being down is not a reason to refuse a site.
    expect((await postOrder(randomName('ST'))).status).toBe(202);
  });

  it('the overview (API and console page) shows tms bad with its reason, the site and router ok; polling it is not audited', async () => {
    // Where the console is and the token to sign in with: `crossdock admin console`, from the run file.
    const found = await runCli(['admin', 'console', '--token', '--json'], { CROSSDOCK_HOME: home });
    expect(found.code).toBe(0);
    const { url, localToken } = JSON.parse(found.stdout) as { url: string; localToken: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
    const api = url.replace(/\/console\/$/, '/api/v1');
    const auth = { authorization: `Bearer ${localToken}` };
    const overview = async () => {
      const res = await fetch(`${api}/overview`, { headers: auth });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        ready: boolean;
        dependencies: Array<{ name: string; up: boolean }>;
        sites: Array<{
          id: string;
          kind: string;
          eventsIn: number;
          state: string;
          lastEventAt: number | null;
        }>;
        router: { running: boolean; routes: Array<{ name: string; to: string[] }>; state: string };
        subscribers: Array<{ id: string; breaker: string; state: string; reason?: string; inRetry: number }>;
      };
    };
    await overview();
    // The site's last event comes from the tracker's scorecards (read every few seconds), its
    // count from the router's counter once it has read the last order.
    await eventually(async () => {
      const site = (await overview()).sites[0];
      return site?.lastEventAt !== null && (site?.eventsIn ?? 0) >= 4;
    }, 'the site to have its last event and four events in');
    const doc = await overview();
    expect(doc.ready).toBe(true);
    expect(doc.dependencies.map((d) => [d.name, d.up])).toEqual([
      ['kafka', true],
      ['redis', true],
      ['registry', true],
    ]);
    expect(doc.sites).toEqual([
      expect.objectContaining({ id: 'us-chi', kind: 'http', state: 'ok', eventsIn: expect.any(Number) }),
    ]);
    expect(doc.router).toMatchObject({
      running: true,
      state: 'ok',
      routes: [{ name: 'orders-to-tms', to: ['tms'] }],
    });
    expect(doc.subscribers).toEqual([expect.objectContaining({ id: 'tms', breaker: 'open', state: 'bad' })]);
    expect(doc.subscribers[0]!.reason).toMatch(
      /^breaker open since \d\d:\d\d:\d\d UTC \(\d+ (s|min) ago\)(, next probe in \d+ (s|min))?; last error CD_E_DELIVERY_\w+ \(transient\)/,
    );

    // The console's page, signed in with the same token: the subscriber drawn bad, with its reason.
    const page = await fetch(`${url}overview`, { headers: { cookie: `cd_console=${localToken}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/data-subscriber="tms"\s+data-state="bad"\s+data-breaker="open"/);
    expect(html).toContain('<p class="reason">breaker open since');
    expect(html).toMatch(/data-site="us-chi" data-state="ok"/);

    // None of these reads is in the audit trail; a refused one is.
    expect((await fetch(`${api}/overview`)).status).toBe(401);
    const audit = await fetch(`${api}/audit?op=hub.overview&limit=100`, { headers: auth });
    const records = ((await audit.json()) as { records: Array<{ result: string; who: string }> }).records;
    expect(records.map((r) => `${r.who} ${r.result}`)).toEqual(['anonymous refused']);
  });
});
