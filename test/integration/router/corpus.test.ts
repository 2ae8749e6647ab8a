import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { IHeaders, Producer } from 'kafkajs';
import { avroType, frame } from '../../../core/avro';
import { registryRequest } from '../../../core/registry';
import { loadCatalog, entryVersion } from '../../../schemas';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type SampleOptions, type WireEvent } from './events';
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
 * The bad-input corpus: each kind ends in the router DLQ with its code, its stage and the
 * untouched original bytes, and the valid events produced after each one keep flowing.
 */
const config = testConfig({
  subscribers: ['all'],
  routes: [{ name: 'everything', match: {}, to: ['all'] }],
  // Unknown subjects and versions wait for a catalog push (router/catalog-grace.ts): briefly here.
  router: { maxEventBytes: 4096, unknownVersionGraceMs: 1000 },
  rules: {
    OrderReleased: [
      { name: 'known-currency', schema: { properties: { currency: { enum: ['USD', 'CAD', 'MXN'] } } } },
      {
        name: 'positive-quantity',
        schema: {
          properties: {
            lines: {
              items: {
                properties: {
                  quantity: { pattern: '^\\+?(0*[1-9][0-9]*(\\.[0-9]+)?|0*\\.[0-9]*[1-9][0-9]*)$' },
                },
              },
            },
          },
        },
      },
    ],
  },
});
const t = allTopics(config);
const chi = t.ingress('us-chi');
const kafka = testKafka();
const registryUrl = testEndpoints().registryUrl;
let producer: Producer;
let running: RunningRouter;
let collector: Collector;

// OrderReleased v1 is deprecated in the catalog; this router's catalog (its entries, which travel
// to the analysis workers) says retired.
const catalog = loadCatalog();
const retiredCatalog = {
  entries: catalog.entries.map((e) =>
    e.eventType === 'OrderReleased'
      ? {
          ...e,
          versions: e.versions.map((v) => (v.version === 1 ? { ...v, status: 'retired' as const } : v)),
        }
      : e,
  ),
};

async function register(schema: object): Promise<number> {
  const res = await registryRequest(
    registryUrl,
    'POST',
    `/subjects/${randomName('router-corpus')}/versions`,
    { schema: JSON.stringify(schema) },
  );
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: number }).id;
}

const ev = (o: SampleOptions = {}) =>
  wireEvent(registryUrl, { eventType: 'OrderReleased', siteId: 'us-chi', ...o });

interface Kind {
  name: string;
  code: string;
  stage: string;
  key: string | null;
  value: Buffer | null;
  headers?: IHeaders;
}

function replaceBytes(buf: Buffer, from: string, to: string): Buffer {
  const i = buf.indexOf(Buffer.from(from));
  if (i < 0 || from.length !== to.length) throw new Error('cannot patch');
  const out = Buffer.from(buf);
  out.write(to, i);
  return out;
}

async function corpus(): Promise<Kind[]> {
  const kinds: Kind[] = [];
  const add = (
    name: string,
    code: string,
    stage: string,
    w: { key: string | null; value: Buffer | null; headers?: IHeaders },
  ) => kinds.push({ name, code, stage, ...w });
  const uniq = () => crypto.randomBytes(6).toString('hex');

  add('tombstone', 'CD_E_EMPTY_VALUE', 'router.size', { key: `k-${uniq()}`, value: null });
  add('too large', 'CD_E_EVENT_TOO_LARGE', 'router.size', {
    key: `k-${uniq()}`,
    value: Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), crypto.randomBytes(5000)]),
  });
  add('plain text', 'CD_E_BAD_FRAMING', 'router.framing', {
    key: `k-${uniq()}`,
    value: Buffer.from(`hello ${uniq()}`),
  });
  add('json instead of avro', 'CD_E_BAD_FRAMING', 'router.framing', {
    key: `k-${uniq()}`,
    value: Buffer.from(JSON.stringify({ orderId: uniq() })),
  });
  const good = await ev();
  const wrongMagic = Buffer.from(good.value);
  wrongMagic[0] = 1;
  add('wrong magic byte', 'CD_E_BAD_FRAMING', 'router.framing', {
    key: good.key,
    value: wrongMagic,
    headers: good.headers,
  });
  add('shorter than the framing', 'CD_E_BAD_FRAMING', 'router.framing', {
    key: `k-${uniq()}`,
    value: Buffer.from([0, 0, 1]),
  });
  add('framing without a body', 'CD_E_BAD_FRAMING', 'router.framing', {
    key: `k-${uniq()}`,
    value: Buffer.from([0, 0x7f, 0xff, 0xff, 0x01]),
  });
  add('unknown schema id', 'CD_E_UNKNOWN_SCHEMA_ID', 'router.schema', {
    key: `k-${uniq()}`,
    value: frame(0x7ffffff0 - crypto.randomInt(1000), Buffer.from('abc')),
  });

  const stringId = await register({
    type: 'record',
    name: `NotInCatalog${uniq()}`,
    namespace: 'com.example',
    fields: [{ name: 'a', type: 'string' }],
  });
  add('record not in the catalog', 'CD_E_UNKNOWN_EVENT_TYPE', 'router.schema', {
    key: `k-${uniq()}`,
    value: frame(
      stringId,
      avroType({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'string' }] }).toBuffer({ a: 'x' }),
    ),
  });
  const enumId = await register({ type: 'enum', name: `Loose${uniq()}`, symbols: ['A', 'B'] });
  add('schema that is not a record', 'CD_E_UNKNOWN_EVENT_TYPE', 'router.schema', {
    key: `k-${uniq()}`,
    value: frame(enumId, Buffer.from([2])),
  });

  // A schema named like a catalog record but registered outside the catalog.
  const v2 = entryVersion(catalog.byEventType('OrderReleased')!, 2).schema as { fields: unknown[] };
  const rogue = { ...v2, fields: [...v2.fields, { name: 'rogueField', type: 'string', default: '' }] };
  const rogueId = await register(rogue);
  const rogueEvent = await ev();
  add('catalog subject, unknown version', 'CD_E_UNKNOWN_SCHEMA_VERSION', 'router.schema', {
    key: rogueEvent.key,
    value: frame(rogueId, avroType(rogue).toBuffer({ ...rogueEvent.event, rogueField: 'x' })),
  });
  add('retired version', 'CD_E_VERSION_RETIRED', 'router.schema', await ev({ version: 1 }));

  const trunc = await ev();
  add('truncated body', 'CD_E_UNDECODABLE_EVENT', 'router.schema', {
    ...trunc,
    value: trunc.value.subarray(0, trunc.value.length - 7),
  });
  const trail = await ev();
  add('trailing bytes', 'CD_E_TRAILING_BYTES', 'router.schema', {
    ...trail,
    value: Buffer.concat([trail.value, Buffer.from([1, 2])]),
  });
  const garbage = await ev();
  add('garbage body with a known id', 'CD_E_UNDECODABLE_EVENT', 'router.schema', {
    ...garbage,
    value: Buffer.concat([garbage.value.subarray(0, 5), Buffer.alloc(24, 0xff)]),
  });

  const badId = await ev();
  add('eventId not a UUID', 'CD_E_BAD_METADATA', 'router.metadata', {
    ...badId,
    value: replaceBytes(badId.value, badId.event.metadata.eventId, 'not-a-uuid-'.padEnd(36, 'x')),
  });
  add(
    'occurredAt in 1970',
    'CD_E_BAD_METADATA',
    'router.metadata',
    await ev({ occurredAt: new Date(86_400_000) }),
  );
  add(
    'occurredAt a day ahead',
    'CD_E_OCCURRED_IN_FUTURE',
    'router.metadata',
    await ev({ occurredAt: new Date(Date.now() + 86_400_000) }),
  );
  add(
    'empty sourceSystem',
    'CD_E_BAD_METADATA',
    'router.metadata',
    await ev({ patch: (e) => (e.metadata.sourceSystem = '') }),
  );
  add(
    'eventType of another record',
    'CD_E_TYPE_MISMATCH',
    'router.metadata',
    await ev({ patch: (e) => (e.metadata.eventType = 'OrderHoldPlaced') }),
  );
  add('siteId of another site', 'CD_E_SITE_MISMATCH', 'router.metadata', await ev({ siteId: 'us-dal' }));

  const h1 = await ev();
  add('ce_id differs', 'CD_E_HEADER_MISMATCH', 'router.headers', {
    ...h1,
    headers: { ...h1.headers, ce_id: crypto.randomUUID() },
  });
  const h2 = await ev();
  add('ce_type differs', 'CD_E_HEADER_MISMATCH', 'router.headers', {
    ...h2,
    headers: { ...h2.headers, ce_type: 'InvoiceGenerated' },
  });
  const h3 = await ev();
  add('ce_time differs', 'CD_E_HEADER_MISMATCH', 'router.headers', {
    ...h3,
    headers: { ...h3.headers, ce_time: new Date(0).toISOString() },
  });
  const h4 = await ev();
  add('content-type json', 'CD_E_HEADER_MISMATCH', 'router.headers', {
    ...h4,
    headers: { ...h4.headers, 'content-type': 'application/json' },
  });

  const k1 = await ev();
  add('key is not the business key', 'CD_E_KEY_MISMATCH', 'router.key', { ...k1, key: `${k1.key}-x` });
  const k2 = await ev();
  add('no key', 'CD_E_KEY_MISMATCH', 'router.key', { ...k2, key: null });
  const k3 = await ev({ patch: (e) => (e.orderId = '') });
  add('empty business key field', 'CD_E_MISSING_BUSINESS_KEY', 'router.key', { ...k3, key: `k-${uniq()}` });

  add(
    'rule: unknown currency',
    'CD_E_RULE_VIOLATION',
    'router.rules',
    await ev({ patch: (e) => (e.currency = 'EUR') }),
  );
  add(
    'rule: zero quantity',
    'CD_E_RULE_VIOLATION',
    'router.rules',
    await ev({ patch: (e) => (e.lines[1].quantity = '0.0000') }),
  );
  return kinds;
}

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  running = await startRouter(config, { catalog: retiredCatalog });
  collector = new Collector(kafka, [t.deliver('all'), t.dlq, t.unrouted]);
  await collector.start();
});

afterAll(async () => {
  await collector?.stop();
  await running?.stop();
  await producer?.disconnect();
});

it('dead-letters at least twenty kinds of bad input with their codes and original bytes, and keeps routing the events after each', async () => {
  const kinds = await corpus();
  expect(kinds.length).toBeGreaterThanOrEqual(20);
  const valid: WireEvent[] = [];
  for (const k of kinds) {
    const after = await ev();
    valid.push(after);
    // One partition's order: bad record, then a good one right behind it.
    await produce(producer, chi, [
      { key: k.key, value: k.value, headers: k.headers },
      { key: after.key, value: after.value, headers: after.headers },
    ]);
  }
  await eventually(
    () =>
      collector.get(t.dlq).length >= kinds.length && collector.get(t.deliver('all')).length >= valid.length,
    'every bad record dead-lettered and every good one routed',
    60000,
  );
  await settle();

  const dlq = collector.get(t.dlq);
  expect(dlq).toHaveLength(kinds.length);
  for (const k of kinds) {
    const hits = dlq.filter(
      (d) =>
        d.key === k.key &&
        (k.value === null ? d.value === null : d.value !== null && d.value.equals(k.value)),
    );
    expect({ kind: k.name, copies: hits.length }).toEqual({ kind: k.name, copies: 1 });
    const h = hits[0]!.headers;
    expect({ kind: k.name, code: h['cd-error-code'], stage: h['cd-error-stage'] }).toEqual({
      kind: k.name,
      code: k.code,
      stage: k.stage,
    });
    expect(h['cd-error-message']!.length).toBeGreaterThan(5);
    expect(h).toMatchObject({ 'cd-original-topic': chi, 'cd-attempts': '1' });
    expect(Number(h['cd-original-offset'])).toBeGreaterThanOrEqual(0);
    expect(Date.parse(h['cd-first-failed-at']!)).toBe(Date.parse(h['cd-last-failed-at']!));
    if (k.headers?.ce_id) expect(h.ce_id).toBe(String(k.headers.ce_id));
  }
  expect(idsOf(collector.get(t.deliver('all')))).toEqual(
    valid.map((v) => v.event.metadata.eventId as string).sort(),
  );
  const rule = dlq.find(
    (d) =>
      d.headers['cd-error-code'] === 'CD_E_RULE_VIOLATION' &&
      /positive-quantity/.test(d.headers['cd-error-message']!),
  );
  expect(rule?.headers['cd-error-message']).toContain('lines.1.quantity');
  expect(await running.health.metrics.getSingleMetricAsString('crossdock_router_dead_letters_total')).toMatch(
    /code="CD_E_HEADER_MISMATCH"\} 4/,
  );
});
