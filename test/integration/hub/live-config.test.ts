import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { businessKey, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { oneSiteConfig, receiver, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * Configuration changes while the hub runs (issue #13, item 3), with the hub started as a user
 * starts it (`crossdock start`) and changed as a user changes it: `crossdock config apply <file>`,
 * SIGHUP, and `crossdock site add`. Events flow the whole time; every one is counted at the
 * receivers by eventId.
 */
describe('live configuration changes (crossdock start, config apply, SIGHUP, site add)', () => {
  const prefix = randomName('live');
  const kafka = testKafka();
  const producer = kafka.producer();
  const catalog = loadCatalog();
  const entry = catalog.byEventType('OrderReleased')!;
  let erp: Receiver;
  let tms: Receiver;
  let hub: HubProcess;

  const base = () => {
    const doc = oneSiteConfig(prefix, erp.url, { topicRefreshMs: 1000 });
    doc.hub.topics.partitions = 2;
    return doc;
  };

  /** Publishes one OrderReleased of `siteId` the way a plain Confluent producer would; returns its eventId. */
  async function publish(siteId = 'us-atl'): Promise<string> {
    const eventId = crypto.randomUUID();
    const event = exampleEvent('OrderReleased');
    Object.assign(event.metadata as Record<string, unknown>, { eventId, siteId });
    event.orderId = `ORD-${eventId.slice(0, 8)}`;
    const value = await encodeEvent(testEndpoints().registryUrl, entry, undefined, event);
    await producer.send({
      topic: `${prefix}.ingress.${siteId}`,
      acks: -1,
      messages: [{ key: businessKey(entry, event), value }],
    });
    return eventId;
  }

  const idsOf = (r: Receiver) => r.got.map((g) => String(g.headers['idempotency-key']));
  const writeConfig = (name: string, doc: unknown) => {
    const file = path.join(hub.home, name);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
  };
  const routedTo = async (subscriber: string) => {
    const text = await (await fetch(`http://127.0.0.1:${hub.healthPort}/metrics`)).text();
    const m = new RegExp(`crossdock_router_routed_total\\{subscriber="${subscriber}"\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : 0;
  };

  beforeAll(async () => {
    erp = await receiver();
    tms = await receiver();
    hub = await startHub(base());
    await producer.connect();
  });

  afterAll(async () => {
    await hub?.dispose();
    await producer.disconnect();
    await erp?.close();
    await tms?.close();
  });

  it('config apply adds a subscriber and a route while events flow: the next events follow it, none lost or doubled', async () => {
    const before: string[] = [];
    for (let i = 0; i < 20; i++) before.push(await publish());

    const next = base();
    next.subscribers.push({ id: 'tms', sink: { kind: 'http', url: tms.url } });
    next.routes.push({ name: 'orders-to-tms', match: { eventTypes: ['OrderReleased'] }, to: ['tms'] });
    // Events keep arriving while the change is applied.
    const during: string[] = [];
    let flowing = true;
    const stream = (async () => {
      while (flowing) during.push(await publish());
    })();
    const applied = await hub.cli(['config', 'apply', writeConfig('with-tms.yaml', next), '--json']);
    flowing = false;
    await stream;
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const answer = JSON.parse(applied.stdout) as {
      applied: boolean;
      change: { started: string[]; reconfigured: string[]; diff: { subscribers: { added: string[] } } };
    };
    expect(answer.applied).toBe(true);
    expect(answer.change.diff.subscribers.added).toEqual(['tms']);
    // The new subscriber's connector, and the dead-letter units that follow the subscribers (the
    // indexer reads tms's dead-letter topic too; the replay runner checks items against them).
    expect(answer.change.started).toEqual(['connector:tms', 'dlq-indexer', 'dlq-replay']);
    expect(answer.change.reconfigured).toEqual(['router']);

    const after: string[] = [];
    for (let i = 0; i < 20; i++) after.push(await publish());
    const all = [...before, ...during, ...after];
    await eventually(
      () => erp.got.length >= all.length && tms.got.length >= after.length,
      'deliveries',
      60_000,
    );
    // erp: every event exactly once, across the switch.
    expect(idsOf(erp).sort()).toEqual([...all].sort());
    // tms: every event routed after the switch, each once; none from before it.
    const toTms = idsOf(tms);
    expect(new Set(toTms).size).toBe(toTms.length);
    for (const id of after) expect(toTms).toContain(id);
    for (const id of before) expect(toTms).not.toContain(id);
  });

  it('refuses an invalid file and a restart-only change with their problems, and changes nothing', async () => {
    const bad = base();
    bad.routes.push({
      name: 'to-nowhere',
      match: { eventTypes: ['OrderReleased'] },
      to: ['no-such-subscriber'],
    });
    const invalid = await hub.cli(['config', 'apply', writeConfig('bad.yaml', bad)]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/routes\[1\]\.to\[0\]/);
    expect(invalid.stdout).toMatch(/no-such-subscriber/);

    const prefixChange = base();
    prefixChange.hub.topicPrefix = `${prefix}x`;
    const restart = await hub.cli(['config', 'apply', writeConfig('prefix.yaml', prefixChange), '--json']);
    expect(restart.code).toBe(1);
    const refusal = JSON.parse(restart.stdout) as {
      applied: boolean;
      code: string;
      problems: Array<{ path: string }>;
    };
    expect(refusal).toMatchObject({ applied: false, code: 'CD_E_CONFIG_RESTART_ONLY' });
    expect(refusal.problems.map((p) => p.path)).toEqual(['hub.topicPrefix']);

    // Still routed by the configuration applied in the first test: both subscribers.
    const id = await publish();
    await eventually(() => idsOf(erp).includes(id) && idsOf(tms).includes(id), 'both subscribers', 60_000);
  });

  it('SIGHUP re-reads the file the hub was started with', async () => {
    // The start file still has erp alone: tms is dropped from the routes.
    const tmsBefore = await routedTo('tms');
    hub.child.kill('SIGHUP');
    const reloaded = () =>
      hub
        .log()
        .split('\n')
        .some((l) => l.includes('"hub.config_applied"') && l.includes('"via":"SIGHUP"'));
    await eventually(reloaded, 'the reload', 30_000);
    const id = await publish();
    await eventually(() => idsOf(erp).includes(id), 'erp', 60_000);
    expect(await routedTo('tms')).toBe(tmsBefore);
  });

  it('consumes a site added with `crossdock site add` and config apply without a restart', async () => {
    const added = await hub.cli([
      'site',
      'add',
      'us-mia',
      '--kind',
      'sdk',
      '--no-scram',
      '--prefix',
      prefix,
      '--json',
    ]);
    expect(added.code).toBe(0);
    // Then the site joins the configuration, as `site add` says (the router refuses events of an
    // ingress topic whose site is not configured: CD_E_UNKNOWN_SITE).
    const withSite = base();
    withSite.sites.push({ id: 'us-mia', name: 'Miami DC', country: 'US', connector: { kind: 'sdk' } });
    const applied = await hub.cli(['config', 'apply', writeConfig('with-mia.yaml', withSite), '--json']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const id = await publish('us-mia');
    // topicRefreshMs is 1 s here: the router subscribes again and routes it.
    await eventually(() => idsOf(erp).includes(id), 'the new site event at erp', 60_000);
  });
});
