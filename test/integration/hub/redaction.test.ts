import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { newAdminToken, tokenSha256 } from '../../../dlq';
import { freePort } from '../../../stack/proc';
import {
  oneSiteConfig,
  receiver,
  runCli,
  startHub,
  type CliResult,
  type HubProcess,
  type Receiver,
} from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = path.join(ROOT, 'sites/us-chi/samples/order-released.input.json');

/**
 * Issue #16: "secret redaction over the outputs of a full hub run". A hub started as a user does
 * (`crossdock start`, on the shared stack) with distinctive secrets — a site signing key, a webhook
 * secret and an API key header read through `${NAME}` (variables whose names say nothing, so only
 * the configuration tells they are secret), a Redis password inside REDIS_URL (the shared Redis
 * has no requirepass: it accepts the AUTH with a warning), an admin API token — takes signed events,
 * refuses a badly signed request, delivers to one receiver and dead-letters at another that
 * answers 400 echoing the API key header in its body; then `stack status --json` (also with the
 * Redis down), `config check --json` of a bad file quoting a secret, `dlq list --json`,
 * `events trace --json`. Every byte of every stdout, stderr, the hub's log, its /status and
 * /metrics, and every file under its CROSSDOCK_HOME (run file included) is searched for each
 * secret: none may appear.
 */
describe('no secret appears in any output of a full hub run', () => {
  const prefix = randomName('red');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-redact-'));
  const rand = () => crypto.randomBytes(12).toString('hex');
  const secrets = {
    siteKey: `sitekey-${rand()}`,
    webhook: `whsec_${crypto.randomBytes(24).toString('base64')}`,
    apiKey: `apikey-${rand()}`,
    redisPassword: `redispw-${rand()}`,
    adminToken: newAdminToken(),
    metricsToken: `metrics-${rand()}`,
  };
  const env = {
    CROSSDOCK_HOME: home,
    CD_IT_RED_CHI: secrets.siteKey,
    CD_IT_RED_WH: secrets.webhook,
    CD_IT_RED_HDR: secrets.apiKey,
    REDIS_URL: `redis://:${secrets.redisPassword}@127.0.0.1:16379`,
    CROSSDOCK_ADMIN_TOKEN: secrets.adminToken,
    CD_IT_RED_METRICS: secrets.metricsToken,
  };
  const outputs: Array<{ what: string; text: string }> = [];
  const record = (what: string, res: CliResult) => {
    outputs.push(
      { what: `${what} (stdout)`, text: res.stdout },
      { what: `${what} (stderr)`, text: res.stderr },
    );
    return res;
  };
  let erp: Receiver;
  let echo: http.Server;
  let echoUrl: string;
  let hub: HubProcess | undefined;

  beforeAll(async () => {
    erp = await receiver();
    // A receiver that refuses with 400 and echoes the request's API key header in its body.
    echo = http.createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'refused', echo: { 'x-api-key': req.headers['x-api-key'] } })),
      );
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/hook`;

    const doc = oneSiteConfig(prefix, erp.url) as ReturnType<typeof oneSiteConfig> & {
      hub: Record<string, unknown>;
    };
    doc.hub.admin = { tokens: [{ name: 'ops', role: 'admin', sha256: tokenSha256(secrets.adminToken) }] };
    doc.hub.health = { tokenEnv: 'CD_IT_RED_METRICS' };
    doc.sites.push({
      id: 'us-chi',
      name: 'Chicago DC',
      country: 'US',
      connector: { kind: 'http', keys: [{ id: 'chi-red', secretEnv: 'CD_IT_RED_CHI' }] },
    });
    const headers = { 'X-Api-Key': '${CD_IT_RED_HDR}' };
    doc.subscribers[0]!.sink = {
      kind: 'http',
      url: erp.url,
      secrets: ['${CD_IT_RED_WH}'],
      headers,
    } as (typeof doc.subscribers)[0]['sink'];
    doc.subscribers.push({ id: 'echo', sink: { kind: 'http', url: echoUrl, headers } as never });
    doc.routes[0]!.to = ['erp', 'echo'];
    hub = await startHub(doc, env);
  });

  afterAll(async () => {
    await hub?.dispose();
    await erp?.close();
    await new Promise((r) => echo?.close(r));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs events, refusals, dead letters and the CLI, and no output holds a secret', async () => {
    const h = hub!;
    // Signed ingest: two events, delivered to erp (signed, with the API key) and dead-lettered at echo.
    const sent = record('send --json', await h.cli(['send', 'us-chi', '--file', SAMPLE, '--json']));
    expect(sent.code).toBe(0);
    const eventId = (JSON.parse(sent.stdout) as { answer: { body: { eventIds: string[] } } }).answer.body
      .eventIds[0]!;
    record('send', await h.cli(['send', 'us-chi', '--file', SAMPLE]));
    await eventually(
      () => erp.got.some((r) => r.headers['idempotency-key'] === eventId),
      'the event at erp',
      60_000,
    );
    const delivered = erp.got.find((r) => r.headers['idempotency-key'] === eventId)!;
    // The secrets were in use (not empty): the API key header sent, the webhook signed.
    expect(delivered.headers['x-api-key']).toBe(secrets.apiKey);
    expect(delivered.headers['webhook-signature']).toMatch(/^v1,/);

    // A request signed with the wrong key: refused.
    const refused = await fetch(`http://127.0.0.1:${h.ingestPort}/v1/sites/us-chi/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-cd-key-id': 'chi-red',
        'x-cd-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-cd-signature': `sha256=${'0'.repeat(64)}`,
      },
      body: fs.readFileSync(SAMPLE, 'utf8'),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    // The dead letter at echo (its 400 body, the API key echoed in it, is the failure's reason).
    let letters: CliResult | undefined;
    await eventually(
      async () => {
        letters = await h.cli(['dlq', 'list', '--subscriber', 'echo', '--json']);
        return letters.code === 0 && (JSON.parse(letters.stdout) as { items: unknown[] }).items.length > 0;
      },
      'the dead letter of echo',
      60_000,
    );
    record('dlq list --json', letters!);
    expect(letters!.stdout).toContain('refused');
    record('dlq list', await h.cli(['dlq', 'list', '--subscriber', 'echo']));
    const trace = record('events trace --json', await h.cli(['events', 'trace', eventId, '--json']));
    expect(trace.code).toBe(0);
    record('events trace', await h.cli(['events', 'trace', eventId]));

    // stack status: the Redis of REDIS_URL up, then one that does not answer.
    const status = record('stack status --json', await h.cli(['stack', 'status', '--json']));
    // The password is left out of the endpoint (core/connection-env.ts) or shown as ***.
    expect(status.stdout).toMatch(/"endpoint": "redis:\/\/(:\*\*\*@)?127\.0\.0\.1:16379"/);
    const deadRedis = `redis://:${secrets.redisPassword}@127.0.0.1:${await freePort()}`;
    const down = record(
      'stack status, Redis down',
      await runCli(['stack', 'status'], { ...env, REDIS_URL: deadRedis }),
    );
    expect(down.code).toBe(1);

    // config check of a bad file: a subscriber URL that does not parse (its port), holding the API key.
    const bad = path.join(home, 'bad.yaml');
    const badDoc = YAML.parse(fs.readFileSync(h.file, 'utf8')) as {
      subscribers: Array<{ sink: { url: string } }>;
    };
    badDoc.subscribers[1]!.sink.url = `http://127.0.0.1:99999/hook?key=${secrets.apiKey}`;
    fs.writeFileSync(bad, YAML.stringify(badDoc));
    const check = record('config check --json', await h.cli(['config', 'check', bad, '--json']));
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('subscribers[1].sink.url');
    record('config check', await h.cli(['config', 'check', bad]));
    fs.rmSync(bad);

    // The health server's documents (with the token; refused without it).
    for (const route of ['/status', '/metrics']) {
      const res = await fetch(`http://127.0.0.1:${h.healthPort}${route}`, {
        headers: { authorization: `Bearer ${secrets.metricsToken}` },
      });
      expect(res.status).toBe(200);
      outputs.push({ what: `GET ${route}`, text: await res.text() });
      const without = await fetch(`http://127.0.0.1:${h.healthPort}${route}`);
      expect(without.status).toBe(401);
      outputs.push({ what: `GET ${route} without token`, text: await without.text() });
    }

    expect(await h.stop()).toBe(0);
    outputs.push({ what: 'hub log', text: h.log() });
    for (const file of fs.readdirSync(home, { recursive: true, withFileTypes: true }))
      if (file.isFile()) {
        const full = path.join(file.parentPath, file.name);
        outputs.push({ what: path.relative(home, full), text: fs.readFileSync(full, 'latin1') });
      }
    // The run: the hub logged its deliveries and the failure.
    expect(h.log()).toContain('echo');
    expect(outputs.length).toBeGreaterThan(20);

    const found = outputs.flatMap(({ what, text }) =>
      Object.entries({ ...secrets, webhookKey: secrets.webhook.slice('whsec_'.length) })
        .filter(([, secret]) => text.includes(secret))
        .map(([name]) => `${name} in ${what}`),
    );
    expect(found).toEqual([]);
  });
});
