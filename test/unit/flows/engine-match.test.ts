import { LATENCY_BUCKETS_MS, SCORE_FIELDS, type FlowDefinition } from '../../../flows';
import {
  compileFlowMatcher,
  flowAlertId,
  flowEventFields,
  instanceMember,
  keyValue,
} from '../../../flows/engine';
import { latencyFieldPrefix, parseMember } from '../../../flows/engine/store';

const step = (index: number, eventType: string, extra: Partial<FlowDefinition['steps'][number]> = {}) => ({
  index,
  eventType,
  key: { kind: 'correlationId' } as const,
  withinMs: index === 0 ? 0 : 3_600_000,
  withinBySiteGroup: {},
  where: [],
  ...extra,
});

const FLOWS: FlowDefinition[] = [
  {
    name: 'order-to-cash',
    expireAfterMs: 86_400_000,
    steps: [
      step(0, 'OrderReleased'),
      step(1, 'ShipmentConfirmed'),
      step(2, 'InvoiceGenerated', { where: [{ field: 'totalAmount', range: { gte: 0 } }] }),
    ],
  },
  {
    name: 'returns',
    expireAfterMs: 86_400_000,
    steps: [
      step(0, 'ReturnAuthorized', { key: { kind: 'field', field: 'orderId' } }),
      step(1, 'InvoiceGenerated', {
        key: { kind: 'field', field: 'orderId' },
        where: [{ field: 'totalAmount', range: { lt: 0 } }],
      }),
    ],
  },
];

describe('flows/engine flowEventFields: what the tracker decodes of an event', () => {
  it("each type's key fields and condition fields of every flow, by their first path segment; none for a type no step has", () => {
    const fields = flowEventFields([
      ...FLOWS,
      {
        name: 'lines',
        expireAfterMs: 86_400_000,
        steps: [
          step(0, 'OrderReleased', { where: [{ field: 'lines.0.sku', exists: true }] }),
          step(1, 'OrderHoldPlaced', { key: { kind: 'field', field: 'hold.orderId' } }),
        ],
      },
    ]);
    expect(fields('InvoiceGenerated')).toEqual(['orderId', 'totalAmount']);
    expect(fields('OrderReleased')).toEqual(['lines']);
    expect(fields('ShipmentConfirmed')).toEqual([]);
    expect(fields('ReturnAuthorized')).toEqual(['orderId']);
    expect(fields('OrderHoldPlaced')).toEqual(['hold']);
    expect(fields('InventoryAdjusted')).toEqual([]);
  });
});

describe('flows/engine matching', () => {
  const m = compileFlowMatcher(FLOWS);
  const names = (r: ReturnType<typeof m.match>) =>
    r.matches.map((x) => `${x.flow.name}/${x.step.index}/${x.key}`);

  it('an invoice is a step of the flow whose conditions it meets (decimals as strings compared as numbers)', () => {
    const invoice = (total: string) => ({
      eventType: 'InvoiceGenerated',
      correlationId: 'c-1',
      event: { metadata: { correlationId: 'c-1' }, orderId: 'SO-9', totalAmount: total },
    });
    expect(names(m.match(invoice('10.00')))).toEqual(['order-to-cash/2/c-1']);
    expect(names(m.match(invoice('0.00')))).toEqual(['order-to-cash/2/c-1']);
    expect(names(m.match(invoice('-0.01')))).toEqual(['returns/1/SO-9']);
  });

  it('an event without a key value for a flow is keyless for it, not a match', () => {
    const r = m.match({ eventType: 'ReturnAuthorized', correlationId: 'c-2', event: { orderId: '' } });
    expect(r.matches).toEqual([]);
    expect(r.keyless.map((k) => `${k.flow.name}/${k.step.index}`)).toEqual(['returns/0']);
    expect(m.match({ eventType: 'OrderReleased', event: { metadata: {} } }).keyless).toHaveLength(1);
  });

  it('an event type no flow has, or no decoded event, matches nothing', () => {
    expect(m.match({ eventType: 'PriceChanged', event: {} })).toEqual({ matches: [], keyless: [] });
    expect(m.match({ eventType: 'OrderReleased', correlationId: 'x' })).toEqual({ matches: [], keyless: [] });
  });

  it('a key field may be a number; the correlation id falls back to metadata', () => {
    const s = step(0, 'X', { key: { kind: 'field', field: 'header.no' } });
    expect(keyValue(s, { header: { no: 42 } }, undefined)).toBe('42');
    expect(keyValue(step(0, 'X'), { metadata: { correlationId: 'm-1' } }, undefined)).toBe('m-1');
    expect(keyValue(s, { header: { no: { deep: 1 } } }, undefined)).toBeUndefined();
  });
});

describe('flows/engine ids and fields', () => {
  it('alert ids are deterministic UUIDs, different per kind, flow, key and step', () => {
    const id = flowAlertId('STEP_LATE', 'order-to-cash', 'c-1', 1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(flowAlertId('STEP_LATE', 'order-to-cash', 'c-1', 1)).toBe(id);
    const others = [
      flowAlertId('FLOW_INCOMPLETE', 'order-to-cash', 'c-1', 1),
      flowAlertId('STEP_LATE', 'returns', 'c-1', 1),
      flowAlertId('STEP_LATE', 'order-to-cash', 'c-2', 1),
      flowAlertId('STEP_LATE', 'order-to-cash', 'c-1', 2),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('the latency field the script builds is SCORE_FIELDS.stepLatency for every bucket', () => {
    for (let b = 0; b <= LATENCY_BUCKETS_MS.length; b++)
      expect(latencyFieldPrefix('order-to-cash', 2) + String(b)).toBe(
        SCORE_FIELDS.stepLatency('order-to-cash', 2, b),
      );
  });

  it('a deadlines member names its flow and key', () => {
    expect(parseMember(instanceMember('returns', 'SO:9'))).toEqual({ flow: 'returns', key: 'SO:9' });
    expect(parseMember('no-separator')).toBeUndefined();
  });
});
