import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../hub';
import { createExplainer, type EventVerdict } from '../../../router';
import { explainCases } from '../../../router/explain-input';
import { loadCatalog } from '../../../schemas';

/** `crossdock routes test`: the router's verdict, from the router's own checks (router/explain.ts). */

const root = path.resolve(__dirname, '../../..');
const config = loadConfig(path.join(root, 'examples/hub.yaml'));
const clock = { now: () => Date.parse('2026-12-01T00:00:00Z') };
const explainer = createExplainer(config, { catalog: loadCatalog(), clock });
const golden = JSON.parse(
  fs.readFileSync(path.join(root, 'sites/us-chi/samples/order-released.expected.json'), 'utf8'),
) as { events: Array<Record<string, unknown> & { metadata: Record<string, unknown> }> };
const good = () => structuredClone(golden.events[0]!);

async function one(input: unknown): Promise<EventVerdict> {
  const res = await explainer.explain(input);
  expect(res.events).toHaveLength(1);
  expect(res.ok).toBe(res.events[0]!.outcome === 'routed' || res.events[0]!.outcome === 'unrouted');
  return res.events[0]!;
}

describe('routes test: the full verdict', () => {
  it('routes a golden sample read as a golden sample (its events, their type and site)', async () => {
    const res = await explainer.explain(golden);
    expect(res.ok).toBe(true);
    expect(res.events[0]).toMatchObject({
      label: 'events[0]',
      outcome: 'routed',
      eventType: 'OrderReleased',
      siteId: 'us-chi',
      schema: { subject: 'com.crossdock.order.OrderReleased', version: 2, status: 'active' },
    });
    expect(res.events[0]!.subscribers.map((s) => s.id)).toEqual(['central-erp', 'tms', 'analytics']);
  });

  it('gives one verdict per event of `site test --json` output, arriving on its siteId', async () => {
    const second = good();
    second.currency = 'EUR';
    const res = await explainer.explain({
      siteId: 'us-chi',
      variant: 'x',
      events: [good(), second],
      problems: [],
    });
    expect(res.events.map((e) => [e.label, e.outcome, e.code])).toEqual([
      ['events[0]', 'routed', undefined],
      ['events[1]', 'dead-lettered', 'CD_E_RULE_VIOLATION'],
    ]);
    expect(res.ok).toBe(false);
  });

  it('a golden sample of problems: refused by the connector, with its codes', async () => {
    const bad = JSON.parse(
      fs.readFileSync(path.join(root, 'sites/mx-mty/samples/bad-dialect.expected.json'), 'utf8'),
    ) as unknown;
    const v = await one(bad);
    expect(v).toMatchObject({ outcome: 'refused', stage: 'connector', code: 'CD_E_INPUT_BAD_DATE' });
    expect(v.reason).toContain('$.moneda CD_E_INPUT_UNKNOWN_CURRENCY');
  });

  it('wrong currency: dead-lettered by the data rule, naming rule and field', async () => {
    const e = good();
    e.currency = 'EUR';
    const v = await one(e);
    expect(v).toMatchObject({ outcome: 'dead-lettered', code: 'CD_E_RULE_VIOLATION', stage: 'router.rules' });
    expect(v.reason).toMatch(/rule known-currency: currency/);
  });

  it('misspelled event type: CD_E_UNKNOWN_EVENT_TYPE with the near name', async () => {
    const e = good();
    e.metadata.eventType = 'OrderReleasd';
    const v = await one(e);
    expect(v).toMatchObject({ outcome: 'dead-lettered', code: 'CD_E_UNKNOWN_EVENT_TYPE' });
    expect(v.reason).toContain('did you mean OrderReleased?');
  });

  it('misspelled type in the metadata of an OrderReleased record: CD_E_TYPE_MISMATCH', async () => {
    const e = good();
    e.metadata.eventType = 'OrderReleasd';
    const v = await one({ event: e, subject: 'com.crossdock.order.OrderReleased' });
    expect(v).toMatchObject({
      outcome: 'dead-lettered',
      code: 'CD_E_TYPE_MISMATCH',
      stage: 'router.metadata',
    });
  });

  it('unknown site: CD_E_UNKNOWN_SITE (router.site), listing the configured ones', async () => {
    const e = good();
    e.metadata.siteId = 'us-xyz';
    const v = await one(e);
    expect(v).toMatchObject({ outcome: 'dead-lettered', code: 'CD_E_UNKNOWN_SITE', stage: 'router.site' });
    expect(v.reason).toContain('us-chi, us-nwk');
  });

  it('arriving on another site than metadata.siteId: CD_E_SITE_MISMATCH', async () => {
    const v = await one({ event: good(), siteId: 'us-nwk' });
    expect(v).toMatchObject({ code: 'CD_E_SITE_MISMATCH' });
  });

  it('missing required field: refused before the router, naming the field', async () => {
    const e = good();
    delete e.customerId;
    const v = await one(e);
    expect(v).toMatchObject({ outcome: 'refused', code: 'CD_E_INPUT_REJECTED' });
    expect(v.reason).toContain('customerId: expected string, got nothing');
  });

  it('a version the catalog lacks: CD_E_UNKNOWN_SCHEMA_VERSION; a deprecated one is routed', async () => {
    expect(await one({ event: good(), version: 7 })).toMatchObject({ code: 'CD_E_UNKNOWN_SCHEMA_VERSION' });
    expect(await one({ event: good(), version: 1 })).toMatchObject({
      outcome: 'routed',
      schema: { version: 1, status: 'deprecated' },
    });
  });

  it('headers and keys that contradict the event: the router codes', async () => {
    expect(await one({ event: good(), headers: { ce_type: 'OrderShipped' } })).toMatchObject({
      code: 'CD_E_HEADER_MISMATCH',
    });
    expect(await one({ event: good(), key: 'nope' })).toMatchObject({ code: 'CD_E_KEY_MISMATCH' });
  });

  it('metadata the router refuses: an empty correlationId, a time in the future', async () => {
    const e = good();
    e.metadata.correlationId = '';
    expect(await one(e)).toMatchObject({ code: 'CD_E_BAD_METADATA' });
    const f = good();
    f.metadata.occurredAt = '2027-06-01T00:00:00.000Z';
    expect(await one(f)).toMatchObject({ code: 'CD_E_OCCURRED_IN_FUTURE' });
  });

  it('an array of inputs gives one verdict per event, in order', async () => {
    const res = await explainer.explain([good(), { event: good(), key: 'x' }]);
    expect(res.events.map((e) => [e.label, e.outcome])).toEqual([
      ['[0]', 'routed'],
      ['[1]', 'dead-lettered'],
    ]);
  });
});

describe('routes test: flow alerts (the hub site crossdock, read from cd.flow.alerts)', () => {
  const alert = () =>
    JSON.parse(
      fs.readFileSync(path.join(root, 'schemas/process/FlowAlertRaised/example.json'), 'utf8'),
    ) as Record<string, unknown> & { metadata: Record<string, unknown> };

  it("routes a FlowAlertRaised by its payload's flow: order flows to the ERP, not to finance", async () => {
    const v = await one(alert());
    expect(v).toMatchObject({ outcome: 'routed', eventType: 'FlowAlertRaised', siteId: 'crossdock' });
    expect(v.subscribers).toEqual([
      { id: 'central-erp', route: 'order-flow-alerts', topic: 'cd.deliver.central-erp' },
      { id: 'analytics', route: 'everything-to-analytics', topic: 'cd.deliver.analytics' },
    ]);
    expect(v.routes.find((r) => r.route === 'finance-flow-alerts')).toMatchObject({
      matched: false,
      reason: 'field flow is "order-to-cash", want one of ["transfers","returns"]',
    });
  });

  it('a transfers alert goes to finance instead', async () => {
    const a = alert();
    a.flow = 'transfers';
    expect((await one(a)).subscribers.map((s) => s.id)).toEqual(['finance', 'analytics']);
  });

  it('on the alerts topic metadata.siteId must be crossdock (CD_E_SITE_MISMATCH)', async () => {
    const a = alert();
    a.metadata.siteId = 'us-chi';
    const v = await one({ event: a, siteId: 'crossdock' });
    expect(v).toMatchObject({
      outcome: 'dead-lettered',
      code: 'CD_E_SITE_MISMATCH',
      stage: 'router.metadata',
    });
    expect(v.reason).toContain("cd.flow.alerts, which holds the hub's own events only");
  });

  it('an event of site crossdock said to arrive on an ingress topic is refused (CD_E_SITE_MISMATCH)', async () => {
    const v = await one({ event: alert(), siteId: 'us-chi' });
    expect(v).toMatchObject({ outcome: 'dead-lettered', code: 'CD_E_SITE_MISMATCH' });
    const e = good();
    e.metadata.siteId = 'crossdock';
    expect(await one({ event: e, siteId: 'us-chi' })).toMatchObject({ code: 'CD_E_SITE_MISMATCH' });
  });
});

describe('routes test: input shapes', () => {
  it('refuses what is no event with a usage error naming where', () => {
    expect(() => explainCases({ foo: 1 })).toThrow(/event: not a canonical event/);
    expect(() => explainCases({ events: [{ x: 1 }] })).toThrow(/events\[0\]: not a canonical event/);
    expect(() => explainCases({ event: good(), version: 'two' })).toThrow(/version must be/);
    expect(() => explainCases(42)).toThrow(/expected an event/);
  });
});
