import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Admin, IHeaders, Producer } from 'kafkajs';
import { avroType, frame } from '../../../core/avro';
import { isCrossdockError } from '../../../core/errors';
import { topics } from '../../../core/names/topics';
import { registryRequest } from '../../../core/registry';
import { createSiteEventEncoder } from '../../../connectors/sources';
import { createExplainer, type EventVerdict } from '../../../router';
import { businessKey, encodeEvent, entryVersion, loadCatalog, type CatalogEntry } from '../../../schemas';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { Collector, allTopics, startRouter, testConfig, type RunningRouter } from './harness';

/**
 * `crossdock routes test` and the router agree: a corpus of good and bad events, each given to the
 * explainer (router/explain.ts) as the JSON `routes test` reads, and produced to a real router's
 * ingress as a producer would write it (the claimed catalog version, a schema of its own where the
 * type or version is not in the catalog, the given key, headers and arrival site). Where each one
 * ends — delivered to which subscribers, unrouted, or dead-lettered with which code — must be the
 * verdict `routes test` gave. Events no producer can write (a required field missing) are refused
 * by the SDK's encoder with the code `routes test` gives.
 */

const root = path.resolve(__dirname, '../../..');
const config = testConfig({
  subscribers: ['erp', 'notify'],
  routes: [
    { name: 'orders', match: { eventTypes: ['Order*'] }, to: ['erp'] },
    { name: 'north-orders', match: { eventTypes: ['OrderReleased'], groups: ['north'] }, to: ['notify'] },
    {
      name: 'serious-exceptions',
      match: {
        eventTypes: ['OrderExceptionRaised'],
        fields: [{ field: 'severity', in: ['HIGH', 'CRITICAL'] }],
      },
      to: ['notify'],
    },
    {
      name: 'late-steps',
      match: { eventTypes: ['FlowAlertRaised'], fields: [{ field: 'kind', equals: 'STEP_LATE' }] },
      to: ['notify'],
    },
  ],
  rules: {
    OrderReleased: [
      { name: 'known-currency', schema: { properties: { currency: { enum: ['USD', 'CAD', 'MXN'] } } } },
    ],
  },
  // Unknown subjects and versions wait for a catalog push first: briefly here.
  router: { unknownVersionGraceMs: 1000, sendUnrouted: true },
});
const t = allTopics(config);
const catalog = loadCatalog();
const registryUrl = testEndpoints().registryUrl;
const kafka = testKafka();
const UNKNOWN_SITE = 'us-xyz';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (rel: string): Json => JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8')) as Json;
const goldenChi = read('sites/us-chi/samples/order-released.expected.json');
const goldenDal = read('sites/us-dal/samples/orders.expected.json');
const example = (domain: string, type: string) => read(`schemas/${domain}/${type}/example.json`);

/** A fresh copy with its own eventId and business key, so each case is told apart by its key. */
function fresh(event: Json, i: number): Json {
  const e = structuredClone(event);
  e.metadata.eventId = crypto.randomUUID();
  e.orderId = `${String(e.orderId ?? 'X')}-${i}-${crypto.randomBytes(3).toString('hex')}`;
  return e;
}

interface Case {
  name: string;
  /** What `routes test` reads. */
  input: Json;
  /** The verdict the corpus is meant to exercise (so that both sides cannot be wrong alike). */
  want: string;
}

function corpus(): Case[] {
  let i = 0;
  const chi = () => fresh(goldenChi.events[0], i++);
  const c = (name: string, want: string, input: Json): Case => ({ name, want, input });
  const wrongCurrency = chi();
  wrongCurrency.currency = 'EUR';
  const misspelled = chi();
  misspelled.metadata.eventType = 'OrderReleasd';
  const misspelledOwn = chi();
  misspelledOwn.metadata.eventType = 'OrderReleasd';
  const unknownSite = chi();
  unknownSite.metadata.siteId = UNKNOWN_SITE;
  const missing = chi();
  delete missing.customerId;
  const future = chi();
  future.metadata.occurredAt = new Date(Date.now() + 86_400_000).toISOString();
  const exception = (severity: string) => {
    const e = fresh(example('order', 'OrderExceptionRaised'), i++);
    e.severity = severity;
    return e;
  };
  const inventory = example('inventory', 'InventoryAdjusted');
  inventory.metadata.eventId = crypto.randomUUID();
  inventory.sku = `SKU-${crypto.randomBytes(4).toString('hex')}`;
  // Flow alerts: the hub's own site, read from the flow alerts topic.
  const alert = (kind: string, siteId = 'crossdock') => {
    const e = example('process', 'FlowAlertRaised');
    e.metadata.eventId = crypto.randomUUID();
    e.metadata.siteId = siteId;
    e.alertId = `order-to-cash:${e.metadata.eventId}:1:${kind}`;
    e.kind = kind;
    return e;
  };
  const dal = structuredClone(goldenDal);
  for (const e of dal.events as Json[]) Object.assign(e, fresh(e, i++));
  return [
    c('good, us-chi', 'routed erp,notify', chi()),
    c('golden sample of us-dal (two events)', 'routed erp', dal),
    c('deprecated version 1', 'routed erp,notify', { event: chi(), version: 1 }),
    c('wrong currency', 'CD_E_RULE_VIOLATION', wrongCurrency),
    c('misspelled type, written as OrderReleased', 'CD_E_TYPE_MISMATCH', {
      event: misspelled,
      subject: 'com.crossdock.order.OrderReleased',
    }),
    c('misspelled type, a schema of its own', 'CD_E_UNKNOWN_EVENT_TYPE', misspelledOwn),
    c('unknown site', 'CD_E_UNKNOWN_SITE', unknownSite),
    c('arrives on another site', 'CD_E_SITE_MISMATCH', { event: chi(), siteId: 'us-dal' }),
    c('missing required field', 'CD_E_INPUT_REJECTED', missing),
    c('version not in the catalog', 'CD_E_UNKNOWN_SCHEMA_VERSION', { event: chi(), version: 7 }),
    c('key is not the business key', 'CD_E_KEY_MISMATCH', { event: chi(), key: `wrong-${i++}` }),
    c('ce_type header contradicts', 'CD_E_HEADER_MISMATCH', {
      event: chi(),
      headers: { ce_type: 'OrderShipped' },
    }),
    c('occurredAt a day ahead', 'CD_E_OCCURRED_IN_FUTURE', future),
    c('high severity exception (payload route)', 'routed erp,notify', exception('HIGH')),
    c('low severity exception', 'routed erp', exception('LOW')),
    c('no route for the type', 'unrouted', inventory),
    c('flow alert, late step (payload route)', 'routed notify', alert('STEP_LATE')),
    c('flow alert, incomplete flow', 'unrouted', alert('FLOW_INCOMPLETE')),
    c('flow alert claiming a site', 'CD_E_SITE_MISMATCH', {
      event: alert('STEP_LATE', 'us-chi'),
      siteId: 'crossdock',
    }),
    c('hub site on an ingress topic', 'CD_E_SITE_MISMATCH', { event: alert('STEP_LATE'), siteId: 'us-chi' }),
  ];
}

/** The events of one routes-test input, each as the producer side sees it. */
function eventsOf(input: Json): Array<{ event: Json; envelope: Json }> {
  if (Array.isArray(input.events))
    return (input.events as Json[]).map((event) => ({ event, envelope: { event } }));
  return 'event' in input
    ? [{ event: input.event as Json, envelope: input }]
    : [{ event: input, envelope: { event: input } }];
}

async function register(schema: object): Promise<number> {
  const res = await registryRequest(registryUrl, 'POST', `/subjects/${randomName('verdict')}/versions`, {
    schema: JSON.stringify(schema),
  });
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: number }).id;
}

type Produced = { key: string; topic: string; value: Buffer; headers: IHeaders } | { refused: string };

/** The record a producer writes for one event (independent of router/explain.ts). */
async function producerRecord(envelope: Json): Promise<Produced> {
  const event = envelope.event as Json;
  const siteId = (envelope.siteId as string | undefined) ?? (event.metadata.siteId as string);
  const claimedType = event.metadata.eventType as string;
  const entry: CatalogEntry | undefined = envelope.subject
    ? catalog.bySubject(envelope.subject as string)
    : catalog.byEventType(claimedType);
  const base = catalog.byEventType('OrderReleased')!;
  const v2 = entryVersion(base, 2).schema as { name: string; fields: unknown[] };
  let value: Buffer;
  if (!entry) {
    // A producer with a schema of its own for the misspelled type (registered outside the catalog).
    const own = { ...v2, name: claimedType };
    value = frame(await register(own), avroType(own).toBuffer(event));
  } else if (envelope.version !== undefined && !entry.versions.some((v) => v.version === envelope.version)) {
    // A version the catalog does not have: the same record with a field more, registered by hand.
    const rogue = { ...v2, fields: [...v2.fields, { name: 'extraField', type: 'string', default: '' }] };
    value = frame(await register(rogue), avroType(rogue).toBuffer({ ...event, extraField: 'x' }));
  } else {
    try {
      value = await encodeEvent(registryUrl, entry, envelope.version as number | undefined, event);
    } catch {
      // What the SDK says of an event that does not fit its schema.
      const { metadata, ...body } = event;
      const encoder = createSiteEventEncoder({
        siteId,
        sourceSystem: String(metadata.sourceSystem),
        topicPrefix: config.hub.topicPrefix,
        ids: registryUrl,
      });
      try {
        await encoder.encode(entry.eventType, body, {
          eventId: String(metadata.eventId),
          occurredAt: new Date(String(metadata.occurredAt)),
        });
      } catch (err) {
        if (isCrossdockError(err)) return { refused: err.code };
        throw err;
      }
      throw new Error('the SDK encoded what encodeEvent refused');
    }
  }
  return {
    key: (envelope.key as string | undefined) ?? businessKey(entry ?? base, event),
    // The hub's own site's events are read from the flow alerts topic (docs/flows.md).
    topic: siteId === 'crossdock' ? topics(config).flowAlerts : t.ingress(siteId),
    value,
    headers: (envelope.headers as IHeaders | undefined) ?? {},
  };
}

/** A verdict as a short comparable string. */
function summary(v: Pick<EventVerdict, 'outcome' | 'code' | 'subscribers'>): string {
  if (v.outcome === 'routed')
    return `routed ${v.subscribers
      .map((s) => s.id)
      .sort()
      .join(',')}`;
  if (v.outcome === 'unrouted') return 'unrouted';
  return v.code!;
}

let running: RunningRouter;
let collector: Collector;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  // An ingress topic of a site the configuration does not have.
  await createTopics(admin, [t.ingress(UNKNOWN_SITE)]);
  running = await startRouter(config);
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  collector = new Collector(kafka, [t.deliver('erp'), t.deliver('notify'), t.dlq, t.unrouted]);
  await collector.start();
});

afterAll(async () => {
  await producer?.disconnect();
  await collector?.stop();
  await running?.stop();
  await admin?.disconnect();
});

it('routes test and the router agree on a corpus of good and bad events', async () => {
  const explainer = createExplainer(config, { catalog, clock: { now: () => Date.now() } });
  const cases = corpus();
  const expected: Array<{ name: string; key: string | undefined; verdict: string }> = [];
  const actualRefused = new Map<string, string>();
  for (const c of cases) {
    const res = await explainer.explain(c.input);
    const events = eventsOf(c.input);
    expect(res.events).toHaveLength(events.length);
    for (const [j, { envelope }] of events.entries()) {
      const verdict = summary(res.events[j]!);
      // The corpus exercises what it says it does.
      expect(`${c.name}: ${verdict}`).toBe(`${c.name}: ${c.want}`);
      const record = await producerRecord(envelope);
      const name = events.length > 1 ? `${c.name} #${j}` : c.name;
      if ('refused' in record) {
        actualRefused.set(name, record.refused);
        expected.push({ name, key: undefined, verdict });
        continue;
      }
      await producer.send({ topic: record.topic, acks: -1, messages: [record] });
      expected.push({ name, key: record.key, verdict });
    }
  }

  // Where each one ends: every copy and dead letter carries the original key.
  const endsOf = (key: string) => ({
    subscribers: ['erp', 'notify'].filter((s) => collector.get(t.deliver(s)).some((r) => r.key === key)),
    dlq: collector.get(t.dlq).find((r) => r.key === key)?.headers['cd-error-code'],
    unrouted: collector.get(t.unrouted).some((r) => r.key === key),
  });
  const actualOf = () =>
    expected.map(({ name, key }) => {
      if (key === undefined) return `${name}: ${actualRefused.get(name)}`;
      const e = endsOf(key);
      if (e.dlq) return `${name}: ${e.dlq}`;
      if (e.unrouted) return `${name}: unrouted`;
      return `${name}: ${e.subscribers.length ? `routed ${e.subscribers.sort().join(',')}` : '(nowhere yet)'}`;
    });
  const want = expected.map((e) => `${e.name}: ${e.verdict}`);
  // Wait for the router to be done with all of them; a disagreement shows in the comparison below.
  await eventually(() => actualOf().join('\n') === want.join('\n'), 'the router to agree').catch(
    () => undefined,
  );
  expect(actualOf()).toEqual(want);
  expect(collector.crashes).toEqual([]);
});
