import type { IHeaders } from 'kafkajs';
import { systemClock } from '../../../core/clock';
import { silentLogger } from '../../../core/logger';
import { topicsForPrefix } from '../../../core/names/topics';
import type { Analyzer, RecordAnalysis } from '../../../router/analysis';
import { planBatch } from '../../../router/batch';
import { routerLog } from '../../../router/log-events';
import { createRouterMetrics } from '../../../router/metrics';
import type { IngressRecord } from '../../../router/validate';
import { Registry } from 'prom-client';

/**
 * The router stamps every CloudEvents header a producer left out on the copies it fans out, from
 * the decoded event (router/batch.ts), keeps the ones present, and always writes the canonical
 * ce_type. The value and key bytes are the ingress record's own.
 */
const EVENT_ID = '0b7e3c1a-5d2f-4e8a-9c6b-1f2e3d4c5b6a';
const OCCURRED = Date.UTC(2026, 10, 3, 14, 5, 6, 789);

function accepted(subscribers: string[]): RecordAnalysis {
  return {
    ok: true,
    eventId: EVENT_ID,
    correlationId: 'corr-1',
    eventType: 'OrderReleased',
    subject: 'com.crossdock.order.OrderReleased',
    sourceSystem: 'sap-ecc',
    occurredAt: OCCURRED,
    hash: 'h',
    route: { subscribers, routeOf: Object.fromEntries(subscribers.map((s) => [s, 'r1'])) },
    seen: 'new',
  };
}

async function copiesOf(headers: IHeaders | undefined, sendUnrouted = false, subscribers = ['erp', 'tms']) {
  const record: IngressRecord = {
    topic: 'cd.ingress.us-atl',
    partition: 0,
    offset: '7',
    key: Buffer.from('SO-1001'),
    value: Buffer.from([0, 0, 0, 0, 9, 1, 2, 3]),
    ...(headers ? { headers } : {}),
  };
  const analyzer: Analyzer = { analyze: async () => [accepted(subscribers)], close: async () => undefined };
  const plan = await planBatch(
    {
      analyzer,
      topics: topicsForPrefix('cd'),
      sendUnrouted,
      clock: systemClock,
      log: routerLog(silentLogger()),
      metrics: createRouterMetrics(new Registry()),
    },
    'us-atl',
    [record],
  );
  return { plan, record };
}

const text = (v: IHeaders[string]) => (v === undefined ? undefined : String(v));

describe('CloudEvents headers on the copies (router/batch.ts)', () => {
  it('stamps every header on a copy of an event produced with none (a plain Confluent serializer)', async () => {
    const { plan, record } = await copiesOf(undefined);
    for (const sub of ['erp', 'tms']) {
      const [copy] = plan.out.get(`cd.deliver.${sub}`)!;
      const h = copy!.headers!;
      expect(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, text(v)]))).toEqual({
        ce_specversion: '1.0',
        ce_id: EVENT_ID,
        ce_type: 'com.crossdock.order.OrderReleased',
        ce_source: 'crossdock://sites/us-atl/sap-ecc',
        ce_time: '2026-11-03T14:05:06.789Z',
        ce_subject: 'SO-1001',
        'content-type': 'application/avro',
        'cd-route': 'r1',
      });
      expect(copy!.value).toBe(record.value);
      expect(copy!.key).toBe(record.key);
    }
  });

  it('keeps the headers present, adds only the missing ones, and writes the canonical ce_type', async () => {
    const { plan } = await copiesOf({
      ce_id: Buffer.from(EVENT_ID),
      ce_type: Buffer.from('OrderReleased'),
      ce_source: Buffer.from('urn:legacy:atl'),
      traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      'x-site-batch': Buffer.from('b-17'),
      'cd-error-code': Buffer.from('forged'),
    });
    const h = plan.out.get('cd.deliver.erp')![0]!.headers!;
    expect(text(h.ce_source)).toBe('urn:legacy:atl');
    expect(text(h.ce_id)).toBe(EVENT_ID);
    expect(text(h.ce_type)).toBe('com.crossdock.order.OrderReleased');
    expect(text(h.ce_time)).toBe('2026-11-03T14:05:06.789Z');
    expect(text(h.ce_specversion)).toBe('1.0');
    expect(text(h.traceparent)).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(text(h['x-site-batch'])).toBe('b-17');
    expect(h['cd-error-code']).toBeUndefined();
  });

  it('stamps the unrouted copy too', async () => {
    const { plan } = await copiesOf({}, true, []);
    const h = plan.out.get('cd.unrouted')![0]!.headers!;
    expect(text(h.ce_id)).toBe(EVENT_ID);
    expect(text(h.ce_subject)).toBe('SO-1001');
  });
});
