import { Registry } from 'prom-client';
import { systemClock } from '../../../core/clock';
import { topicsForPrefix } from '../../../core/names/topics';
import { silentLogger } from '../../../core/logger';
import { routerLog } from '../../../router/log-events';
import type { Analyzer, RecordAnalysis } from '../../../router/analysis';
import { planBatch } from '../../../router/batch';
import { createRouterMetrics } from '../../../router/metrics';
import type { IngressRecord } from '../../../router/validate';

/**
 * A batch's counters reach the metrics only through BatchPlan.record(), which the router calls
 * once the batch's transaction committed: a batch planned twice (dropped after a rebalance or a
 * failed transaction, then read again) is counted once.
 */
const records: IngressRecord[] = ['0', '1', '2', '3'].map((offset) => ({
  topic: 'cd.ingress.us-chi',
  partition: 0,
  offset,
  key: Buffer.from(`k${offset}`),
  value: Buffer.from([0, 0, 0, 0, 1, Number(offset)]),
  headers: { ce_id: Buffer.from(`e${offset}`), 'cd-route': Buffer.from('forged') },
}));
const route = { subscribers: ['erp', 'finance'], routeOf: { erp: 'all', finance: 'money' } };
const facts = {
  subject: 'com.crossdock.order.OrderReleased',
  sourceSystem: 'sap',
  occurredAt: Date.UTC(2026, 0, 2),
};
const verdicts: RecordAnalysis[] = [
  {
    ok: true,
    eventId: 'e0',
    correlationId: 'c',
    eventType: 'OrderReleased',
    ...facts,
    hash: 'h',
    route,
    seen: 'new',
  },
  {
    ok: true,
    eventId: 'e1',
    correlationId: 'c',
    eventType: 'OrderReleased',
    ...facts,
    hash: 'h',
    route,
    seen: 'duplicate',
  },
  { ok: false, rejection: { code: 'CD_E_BAD_FRAMING', message: 'no', stage: 'router.framing' } },
  {
    ok: true,
    eventId: 'e3',
    correlationId: 'c',
    eventType: 'OrderHeld',
    ...facts,
    subject: 'com.crossdock.order.OrderHeld',
    hash: 'h',
    route: { subscribers: [], routeOf: {} },
    seen: 'new',
  },
];
const analyzer: Analyzer = { analyze: async () => verdicts, close: async () => undefined };

async function counters(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await registry.getMetricsAsJSON())
    for (const v of m.values as Array<{ value: number; labels: Record<string, string | number> }>)
      if (m.name.endsWith('_total')) out[`${m.name}{${Object.values(v.labels).join(',')}}`] = v.value;
  return out;
}

describe('planned batch counters (router/batch.ts)', () => {
  it('plans the copies without counting, and record() counts the batch once', async () => {
    const registry = new Registry();
    const metrics = createRouterMetrics(registry);
    const deps = {
      analyzer,
      topics: topicsForPrefix('cd'),
      sendUnrouted: true,
      clock: systemClock,
      log: routerLog(silentLogger()),
      metrics,
    };
    const plan = await planBatch(deps, 'us-chi', records);
    // Planned again, as after a rewind: still nothing counted.
    const again = await planBatch(deps, 'us-chi', records);
    expect(await counters(registry)).toEqual({});
    expect(plan.counts).toEqual({ valid: 2, deadLettered: 1, duplicates: 1, unrouted: 1, copies: 2 });
    expect([...plan.out.keys()].sort()).toEqual(
      ['cd.deliver.erp', 'cd.deliver.finance', 'cd.dlq.router', 'cd.unrouted'].sort(),
    );
    // The hub's cd-* headers of the ingress record never travel; cd-route names the route.
    expect(plan.out.get('cd.deliver.finance')![0]!.headers!['cd-route']).toBe('money');
    again.record();
    expect(await counters(registry)).toEqual({
      'crossdock_router_events_in_total{us-chi,OrderReleased}': 2,
      'crossdock_router_events_in_total{us-chi,unknown}': 1,
      'crossdock_router_events_in_total{us-chi,OrderHeld}': 1,
      'crossdock_router_routed_total{erp}': 1,
      'crossdock_router_routed_total{finance}': 1,
      'crossdock_router_duplicates_total{us-chi,OrderReleased}': 1,
      'crossdock_router_unrouted_total{us-chi,OrderHeld}': 1,
      'crossdock_router_dead_letters_total{CD_E_BAD_FRAMING}': 1,
    });
  });
});
