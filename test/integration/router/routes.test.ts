import '../../helpers/integration-timeout';
import type { Producer } from 'kafkajs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistry } from '../../../core/registry';
import { businessKey, currentVersion } from '../../../schemas';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { entry, sampleEvent, wireEvent, type SampleOptions, type WireEvent } from './events';
import {
  Collector,
  allTopics,
  idsOf,
  produce,
  settle,
  startRouter,
  testConfig,
  type RunningRouter,
} from './harness';

/**
 * Each route operator against the real broker, registry and Redis, plus one event fanned out to
 * three subscribers: exactly one copy each, read with read_committed, bytes untouched.
 */
const subs = [
  'sub-type',
  'sub-site',
  'sub-country',
  'sub-group',
  'sub-header',
  'sub-equals',
  'sub-in',
  'sub-prefix',
  'sub-exists',
  'sub-range',
  'f1',
  'f2',
  'f3',
];
const config = testConfig({
  subscribers: subs,
  routes: [
    { name: 'r-type', match: { eventTypes: ['Order*Placed'] }, to: ['sub-type'] },
    { name: 'r-site', match: { eventTypes: ['ReturnAuthorized'], sites: ['us-dal'] }, to: ['sub-site'] },
    {
      name: 'r-country',
      match: { eventTypes: ['ReturnAuthorized'], countries: ['CA'] },
      to: ['sub-country'],
    },
    { name: 'r-group', match: { eventTypes: ['ReturnAuthorized'], groups: ['south'] }, to: ['sub-group'] },
    {
      name: 'r-header',
      match: { eventTypes: ['ShipmentConfirmed'], headers: [{ header: 'ce_source', prefix: '/sites/us-' }] },
      to: ['sub-header'],
    },
    {
      name: 'r-equals',
      match: { eventTypes: ['OrderReleased'], fields: [{ field: 'currency', equals: 'MXN' }] },
      to: ['sub-equals'],
    },
    {
      name: 'r-in',
      match: {
        eventTypes: ['OrderReleased'],
        fields: [{ field: 'salesChannel', in: ['WEB', 'MARKETPLACE'] }],
      },
      to: ['sub-in'],
    },
    {
      name: 'r-prefix',
      match: { eventTypes: ['OrderReleased'], fields: [{ field: 'orderId', prefix: 'VIP-' }] },
      to: ['sub-prefix'],
    },
    {
      name: 'r-exists',
      match: { eventTypes: ['OrderReleased'], fields: [{ field: 'promisedDeliveryDate', exists: true }] },
      to: ['sub-exists'],
    },
    {
      name: 'r-range',
      match: {
        eventTypes: ['OrderReleased'],
        fields: [{ field: 'orderTotal', range: { gte: 1000, lt: 5000 } }],
      },
      to: ['sub-range'],
    },
    { name: 'r-fan', match: { eventTypes: ['InvoiceGenerated'] }, to: ['f1', 'f2', 'f3'] },
  ],
});
const t = allTopics(config);
const kafka = testKafka();
let producer: Producer;
let running: RunningRouter;
let collector: Collector;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const plainOrder = (e: Record<string, any>) => {
  e.currency = 'USD';
  e.salesChannel = 'PHONE';
  e.orderId = `N-${e.metadata.eventId.slice(0, 8)}`;
  e.promisedDeliveryDate = null;
  e.orderTotal = '10.00';
};

async function make(o: SampleOptions, ceSource?: string): Promise<WireEvent> {
  const w = await wireEvent(testEndpoints().registryUrl, o);
  if (ceSource) w.headers.ce_source = ceSource;
  return w;
}

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  running = await startRouter(config);
  collector = new Collector(kafka, [...subs.map(t.deliver), t.unrouted, t.dlq]);
  await collector.start();
});

afterAll(async () => {
  await collector?.stop();
  await running?.stop();
  await producer?.disconnect();
});

it('routes by event type glob, site, country, group, header and each field operator; fans out to three subscribers exactly once', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const order = (patch: (e: Record<string, any>) => void) =>
    make({ eventType: 'OrderReleased', siteId: 'us-chi', patch: (e) => (plainOrder(e), patch(e)) });
  const ev = {
    hold: await make({ eventType: 'OrderHoldPlaced', siteId: 'us-chi' }),
    retDal: await make({ eventType: 'ReturnAuthorized', siteId: 'us-dal' }),
    retTor: await make({ eventType: 'ReturnAuthorized', siteId: 'ca-tor' }),
    retChi: await make({ eventType: 'ReturnAuthorized', siteId: 'us-chi' }),
    shipUs: await make({ eventType: 'ShipmentConfirmed', siteId: 'us-chi' }, '/sites/us-chi'),
    shipCa: await make({ eventType: 'ShipmentConfirmed', siteId: 'ca-tor' }, '/sites/ca-tor'),
    mxn: await order((e) => (e.currency = 'MXN')),
    web: await order((e) => (e.salesChannel = 'WEB')),
    vip: await order((e) => (e.orderId = `VIP-${e.metadata.eventId.slice(0, 8)}`)),
    promised: await order((e) => (e.promisedDeliveryDate = '2026-12-24')),
    big: await order((e) => (e.orderTotal = '1500.00')),
    edge: await order((e) => (e.orderTotal = '5000.00')),
    invoice: await make({ eventType: 'InvoiceGenerated', siteId: 'us-chi' }),
  };
  for (const w of Object.values(ev))
    await produce(producer, t.ingress(w.event.metadata.siteId), [
      { key: w.key, value: w.value, headers: w.headers },
    ]);

  const id = (w: WireEvent) => w.event.metadata.eventId as string;
  const want: Record<string, WireEvent[]> = {
    'sub-type': [ev.hold],
    'sub-site': [ev.retDal],
    'sub-country': [ev.retTor],
    'sub-group': [ev.retDal],
    'sub-header': [ev.shipUs],
    'sub-equals': [ev.mxn],
    'sub-in': [ev.web],
    'sub-prefix': [ev.vip],
    'sub-exists': [ev.promised],
    'sub-range': [ev.big],
    f1: [ev.invoice],
    f2: [ev.invoice],
    f3: [ev.invoice],
  };
  const unrouted = [ev.retChi, ev.shipCa, ev.edge];
  const total = Object.values(want).flat().length + unrouted.length;
  await eventually(() => collector.count() >= total, `${total} routed or unrouted copies`, 60000);
  await settle();

  for (const [sub, list] of Object.entries(want))
    expect({ sub, ids: idsOf(collector.get(t.deliver(sub))) }).toEqual({ sub, ids: list.map(id).sort() });
  expect(idsOf(collector.get(t.unrouted))).toEqual(unrouted.map(id).sort());
  expect(collector.get(t.dlq)).toEqual([]);

  // The copies are the original bytes, keyed by the business key, with the CloudEvents headers
  // (ce_type the canonical record full name, whatever the producer wrote) and the route.
  for (const sub of ['f1', 'f2', 'f3']) {
    const [copy] = collector.get(t.deliver(sub));
    expect(copy!.value!.equals(ev.invoice.value)).toBe(true);
    expect(copy!.key).toBe(ev.invoice.key);
    expect(copy!.headers).toMatchObject({
      'cd-route': 'r-fan',
      ce_id: id(ev.invoice),
      ce_type: entry('InvoiceGenerated').subject,
      traceparent: String(ev.invoice.headers.traceparent),
    });
  }
  const metrics = await running.health.metrics.getSingleMetricAsString('crossdock_router_unrouted_total');
  expect(metrics).toMatch(/crossdock_router_unrouted_total\{site="us-chi",type="ReturnAuthorized"\} 1/);
});

it('routes an event from a client that is not ours (Confluent serializer, record-name subject, no CloudEvents headers) with its bytes unchanged', async () => {
  const e = entry('OrderHoldPlaced');
  const registry = createRegistry(testEndpoints().registryUrl);
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(currentVersion(e)!.schema) },
    { subject: e.subject },
  );
  const event = sampleEvent({ eventType: 'OrderHoldPlaced', siteId: 'ca-tor' });
  const value = await registry.encode(id, event);
  await produce(producer, t.ingress('ca-tor'), [{ key: businessKey(e, event), value }]);
  await eventually(
    () => collector.get(t.deliver('sub-type')).some((r) => r.value?.equals(value)),
    'the foreign event on sub-type',
  );
  const copy = collector.get(t.deliver('sub-type')).find((r) => r.value?.equals(value))!;
  expect(copy.key).toBe(businessKey(e, event));
  // No headers came in: the router stamped every CloudEvents header from the decoded event.
  const meta = event.metadata as { eventId: string; sourceSystem: string; occurredAt: Date };
  expect(copy.headers).toEqual({
    'cd-route': 'r-type',
    ce_specversion: '1.0',
    ce_id: meta.eventId,
    ce_type: e.subject,
    ce_source: `crossdock://sites/ca-tor/${meta.sourceSystem}`,
    ce_time: new Date(meta.occurredAt).toISOString(),
    ce_subject: businessKey(e, event),
    'content-type': 'application/avro',
  });
});
