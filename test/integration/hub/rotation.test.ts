import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { signedHeaders } from '../../../connectors/sources/http/auth';
import { generateSecret, secretKey } from '../../../connectors/sinks/signing';
import { oneSiteConfig, startHub, type HubProcess } from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
) as Record<string, unknown>;

/** One webhook as the receiver saw it: whether it was signed, and validly under what it accepted then. */
interface Delivery {
  eventId: string;
  signed: boolean;
  valid: boolean;
}

/**
 * A subscriber's receiver that checks Standard Webhooks signatures against the secrets it accepts
 * at that moment (changed by the test as an operator would during a rotation). It answers 200 to
 * every request: a bad signature is recorded, not retried into hiding.
 */
async function verifyingReceiver() {
  const accepted = new Set<string>();
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = String(req.headers['webhook-id'] ?? '');
      const ts = String(req.headers['webhook-timestamp'] ?? '');
      const sent = String(req.headers['webhook-signature'] ?? '')
        .split(' ')
        .filter(Boolean);
      const valid = [...accepted].some((secret) => {
        const mac = crypto.createHmac('sha256', secretKey(secret)).update(`${id}.${ts}.`).update(body);
        return sent.includes(`v1,${mac.digest('base64')}`);
      });
      got.push({ eventId: String(req.headers['idempotency-key']), signed: sent.length > 0, valid });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    accepted,
    got,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Rotation while events flow (issue #16), as an operator does it with `crossdock start` and
 * `crossdock config apply`: a site's HTTP signing key (add the new key next to the old, switch the
 * sender, remove the old) and a subscriber's webhook secret (the receiver accepts both, the new
 * secret goes first in the list, then the old one is dropped, then the receiver forgets it). A
 * sender posts the whole time: every request is accepted (202: no 401, no 503 while HTTP ingest
 * takes the new keys in place), every accepted event is delivered, each delivery signed validly
 * under a secret the receiver accepted at that moment, none unsigned.
 */
describe('rotation of a site key and a webhook secret while events flow (crossdock start, config apply)', () => {
  const prefix = randomName('rot');
  const keyA = { id: 'chi-a', secret: crypto.randomBytes(32).toString('base64url') };
  const keyB = { id: 'chi-b', secret: crypto.randomBytes(32).toString('base64url') };
  const whA = generateSecret();
  const whB = generateSecret();
  let erp: Awaited<ReturnType<typeof verifyingReceiver>>;
  let hub: HubProcess;

  const doc = (keys: Array<{ id: string; secretEnv: string }>, secrets: string[]) => {
    const d = oneSiteConfig(prefix, 'http://placeholder');
    d.sites.push({ id: 'us-chi', name: 'Chicago DC', country: 'US', connector: { kind: 'http', keys } });
    d.subscribers = [{ id: 'erp', sink: { kind: 'http', url: erp.url, secrets } as never }];
    return d;
  };
  const A = { id: keyA.id, secretEnv: 'ROT_TEST_KEY_A' };
  const B = { id: keyB.id, secretEnv: 'ROT_TEST_KEY_B' };

  beforeAll(async () => {
    erp = await verifyingReceiver();
    erp.accepted.add(whA);
    // Both generations of each secret are in the hub's environment from the start: config apply
    // changes which ones the configuration names, the environment of a running process does not change.
    hub = await startHub(doc([A], ['${ROT_TEST_WH_A}']), {
      ROT_TEST_KEY_A: keyA.secret,
      ROT_TEST_KEY_B: keyB.secret,
      ROT_TEST_WH_A: whA,
      ROT_TEST_WH_B: whB,
    });
  });

  afterAll(async () => {
    await hub?.dispose();
    await erp?.close();
  });

  const apply = async (name: string, d: unknown) => {
    const file = path.join(hub.home, name);
    fs.writeFileSync(file, YAML.stringify(d));
    const res = await hub.cli(['config', 'apply', file, '--json']);
    expect([name, res.code, res.stderr]).toEqual([name, 0, '']);
    return JSON.parse(res.stdout) as {
      applied: boolean;
      change: { started: string[]; reconfigured: string[] };
    };
  };

  it('no request refused, no event lost, every delivery validly signed', async () => {
    let key = keyA;
    const answers: Array<{ status: number; code?: string; key: string }> = [];
    const accepted: string[] = [];
    let flowing = true;
    const sender = (async () => {
      let n = 0;
      while (flowing) {
        const body = JSON.stringify({ ...SAMPLE, orderNumber: `ROT-${prefix}-${n++}` });
        const k = key;
        const res = await fetch(`http://127.0.0.1:${hub.ingestPort}/v1/sites/us-chi/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signedHeaders(k, body) },
          body,
        });
        const json = (await res.json()) as { code?: string; eventIds?: string[] };
        answers.push({ status: res.status, key: k.id, ...(json.code ? { code: json.code } : {}) });
        accepted.push(...(json.eventIds ?? []));
      }
    })();
    const sent = async (more: number) => {
      const target = answers.length + more;
      await eventually(() => answers.length >= target, `${more} more requests`, 60_000);
    };

    await sent(10);
    // The site key: the new one next to the old, the sender switches, the old one goes.
    const both = await apply('keys-a-b.yaml', doc([A, B], ['${ROT_TEST_WH_A}']));
    expect(both.change.reconfigured).toContain('http-ingest');
    expect(both.change.started).not.toContain('http-ingest');
    await sent(10);
    key = keyB;
    await sent(10);
    await apply('keys-b.yaml', doc([B], ['${ROT_TEST_WH_A}']));
    await sent(10);

    // The webhook secret: the receiver accepts both, the hub signs with the new one first, then
    // only with it; then the receiver forgets the old one.
    erp.accepted.add(whB);
    await apply('wh-b-a.yaml', doc([B], ['${ROT_TEST_WH_B}', '${ROT_TEST_WH_A}']));
    await sent(10);
    await apply('wh-b.yaml', doc([B], ['${ROT_TEST_WH_B}']));
    erp.accepted.delete(whA);
    await sent(10);
    flowing = false;
    await sender;

    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect(new Set(answers.map((a) => a.key))).toEqual(new Set([keyA.id, keyB.id]));
    await eventually(
      () => accepted.every((id) => erp.got.some((g) => g.eventId === id)),
      'every accepted event at the receiver',
      90_000,
    );
    expect(erp.got.filter((g) => !g.signed)).toEqual([]);
    expect(erp.got.filter((g) => !g.valid)).toEqual([]);
    // Each accepted event was delivered (a retry may deliver one twice; none is missing).
    expect([...new Set(erp.got.map((g) => g.eventId))].sort()).toEqual([...accepted].sort());
  });
});
