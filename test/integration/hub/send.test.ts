import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfigText, localKeySecrets } from '../../../hub';
import { freePort } from '../../../stack/proc';
import { oneSiteConfig, receiver, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = path.join(ROOT, 'sites/us-chi/samples/order-released.input.json');

/**
 * The README's quickstart as a test: local key secrets made by `crossdock keys`' function, a hub
 * started with them (it reads $CROSSDOCK_HOME/local-keys.env), and `crossdock send` posting a
 * site's own record that reaches the subscriber's receiver. Then the answers it prints when the
 * hub refuses the input, for a site that is not an HTTP site, and when nothing listens.
 */
describe('crossdock send: a first event in one command (real hub, Kafka, registry, Redis)', () => {
  const prefix = randomName('snd');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-send-'));
  let erp: Receiver;
  let hub: HubProcess;

  beforeAll(async () => {
    erp = await receiver();
    const doc = oneSiteConfig(prefix, erp.url);
    doc.sites.push(
      {
        id: 'us-chi',
        name: 'Chicago DC',
        country: 'US',
        connector: { kind: 'http', keys: [{ id: 'chi-2026a', secretEnv: 'CROSSDOCK_KEY_US_CHI' }] },
      },
      { id: 'us-dal', name: 'Dallas DC', country: 'US', connector: { kind: 'csv' } },
    );
    const made = localKeySecrets(loadConfigText(YAML.stringify(doc)), home, {});
    expect(made.created).toEqual(['CROSSDOCK_KEY_US_CHI']);
    // The hub's home is this one (with local-keys.env); the variable itself is not set.
    hub = await startHub(doc, { CROSSDOCK_HOME: home, CROSSDOCK_KEY_US_CHI: '' });
  });

  afterAll(async () => {
    await hub?.dispose();
    await erp?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("signs and posts the site's record: 202, and the event reaches the subscriber's receiver", async () => {
    const res = await hub.cli(['send', 'us-chi', '--file', SAMPLE, '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      siteId: string;
      keyId: string;
      answer: { url: string; status: number; body: { accepted: number; eventIds: string[] } };
    };
    expect(out).toMatchObject({ siteId: 'us-chi', keyId: 'chi-2026a' });
    // The ingest address came from the running hub's run file.
    expect(out.answer.url).toBe(`http://127.0.0.1:${hub.ingestPort}/v1/sites/us-chi/events`);
    expect(out.answer.status).toBe(202);
    expect(out.answer.body.accepted).toBe(1);
    const [eventId] = out.answer.body.eventIds;
    await eventually(
      () => erp.got.some((r) => r.headers['idempotency-key'] === eventId),
      'the event at the erp receiver',
      60_000,
    );
    const delivered = erp.got.find((r) => r.headers['idempotency-key'] === eventId)!;
    expect(JSON.parse(delivered.body)).toMatchObject({
      metadata: { eventId, eventType: 'OrderReleased', siteId: 'us-chi' },
      orderId: 'CHI-100234',
    });
  });

  it('prints the accepted eventId and how to trace it', async () => {
    const res = await hub.cli(['send', 'us-chi', '--file', SAMPLE]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /^202 from http:\/\/127\.0\.0\.1:\d+\/v1\/sites\/us-chi\/events \(key chi-2026a\)/,
    );
    expect(res.stdout).toMatch(/accepted 1 event\(s\):\n {2}[0-9a-f-]{36}\n/);
    expect(res.stdout).toMatch(/npx crossdock events trace [0-9a-f-]{36}/);
  });

  it('a record the hub refuses: exit 1 with the code and every problem', async () => {
    const bad = path.join(home, 'bad-order.json');
    const record = JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(bad, JSON.stringify({ ...record, releasedAt: 'yesterday', currency: 'XXQ' }));
    const res = await hub.cli(['send', 'us-chi', '--file', bad]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('400 from');
    expect(res.stdout).toContain('CD_E_INPUT_REJECTED');
    expect(res.stdout).toContain('$.releasedAt');
    expect(res.stdout).toContain('$.currency');
  });

  it('a csv site: exit 2, pointing at its drop folder instead', async () => {
    const res = await hub.cli(['send', 'us-dal', '--file', SAMPLE]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('CD_E_USAGE');
    expect(res.stderr).toContain('csv site');
    expect(res.stderr).toContain(path.join(home, 'drop', 'us-dal'));
  });

  it('nothing listening: exit 3 with CD_E_INGEST_UNREACHABLE', async () => {
    const port = await freePort();
    const res = await hub.cli(['send', 'us-chi', '--file', SAMPLE, '--hub-url', `http://127.0.0.1:${port}`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('CD_E_INGEST_UNREACHABLE');
    expect(res.stderr).toContain('ECONNREFUSED');
  });
});
