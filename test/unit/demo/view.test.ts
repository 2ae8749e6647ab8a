import { snapshotOf, type MetricsSnapshot } from '../../../demo/metrics';
import { buildSummary, quantile, renderSummary } from '../../../demo/summary';
import { emptyObserved } from '../../../demo/observer';
import { SenderLedger } from '../../../demo/ledger';
import { renderLine, renderView, type ViewInput } from '../../../demo/view';
import type { Reconciliation } from '../../../demo/reconcile';

const metrics = (at: number, delivered: number, inChi: number, breaker: number) =>
  [
    {
      name: 'crossdock_router_events_in_total',
      values: [
        { value: inChi, labels: { site: 'us-chi', type: 'OrderReleased' } },
        { value: 2, labels: { site: 'us-chi', type: 'InvoiceGenerated' } },
      ],
    },
    {
      name: 'crossdock_delivery_delivered_total',
      values: [{ value: delivered, labels: { subscriber: 'tms' } }],
    },
    { name: 'crossdock_delivery_breaker_state', values: [{ value: breaker, labels: { subscriber: 'tms' } }] },
    { name: 'crossdock_delivery_in_retry', values: [{ value: 4, labels: { subscriber: 'tms' } }] },
    {
      name: 'crossdock_delivery_retries_scheduled_total',
      values: [{ value: 9, labels: { subscriber: 'tms' } }],
    },
    {
      name: 'crossdock_router_dead_letters_total',
      values: [{ value: 3, labels: { code: 'CD_E_RULE_VIOLATION' } }],
    },
    {
      name: 'crossdock_delivery_dead_lettered_total',
      values: [{ value: 1, labels: { subscriber: 'erp', code: 'CD_E_DELIVERY_REJECTED' } }],
    },
    {
      name: 'crossdock_router_duplicates_total',
      values: [{ value: 5, labels: { site: 'us-atl', type: 'OrderReleased' } }],
    },
    {
      name: 'crossdock_router_consumer_lag',
      values: [
        { value: 2, labels: { topic: 'x', partition: '0' } },
        { value: 1, labels: { topic: 'x', partition: '1' } },
      ],
    },
  ].map((m) => ({ ...m, at }));

const NO_FLOWS = {
  timeScale: '1 day of business = 4 s',
  flowNames: [],
  scorecards: { unavailable: 'none in this test' },
  alertsOnTopic: null,
  planned: {},
};

function input(prev: MetricsSnapshot, cur: MetricsSnapshot): ViewInput {
  const ledger = new SenderLedger();
  const t = ledger.site('us-chi', 'http');
  t.sent = 40;
  ledger.refused(t, 'CD_E_INPUT_BAD_DATE', 2);
  return {
    runId: 'demo-abc123',
    seed: 7,
    rate: 20,
    elapsedS: 65,
    durationS: 120,
    prev,
    cur,
    sites: [{ id: 'us-chi', kind: 'http' }],
    subscribers: ['tms', 'erp'],
    tallies: ledger.sites,
    lagBySub: { tms: 7, erp: undefined },
    logFile: '/tmp/demo.log',
    hints: ['try: crossdock dlq groups'],
  };
}

describe('demo live view', () => {
  const prev = snapshotOf(metrics(0, 100, 10, 0), 10_000);
  const cur = snapshotOf(metrics(0, 150, 30, 2), 12_000);

  it('reads the hub metrics it shows', () => {
    expect(cur).toMatchObject({
      inBySite: { 'us-chi': 32 },
      deliveredBySub: { tms: 150 },
      breakerBySub: { tms: 2 },
      inRetryBySub: { tms: 4 },
      retriesBySub: { tms: 9 },
      deadByCode: { CD_E_RULE_VIOLATION: 3, CD_E_DELIVERY_REJECTED: 1 },
      deadBySub: { router: 3, erp: 1 },
      duplicates: 5,
      lag: 3,
    });
  });

  it('shows rates per site and subscriber, breaker states, dead letters by code and where the log goes', () => {
    const text = renderView(input(prev, cur)).join('\n');
    expect(text).toContain('1:05 / 2:00');
    expect(text).toMatch(/us-chi\s+http\s+40\s+10\.0\s+32\s+2/);
    expect(text).toMatch(/tms\s+25\.0\s+150\s+7\s+4\s+0\s+OPEN/);
    expect(text).toMatch(/erp\s+0\.0\s+0\s+-\s+0\s+1\s+closed/);
    expect(text).toContain('CD_E_RULE_VIOLATION 3, CD_E_DELIVERY_REJECTED 1');
    expect(text).toContain('router lag 3');
    expect(text).toContain('/tmp/demo.log');
  });

  it('prints one plain line when stdout is not a terminal', () => {
    const line = renderLine(input(prev, cur));
    expect(line).not.toContain('\n');
    expect(line).toContain('in 10.0/s (32)');
    expect(line).toContain('out 25.0/s (150)');
    expect(line).toContain('breakers tms OPEN');
    expect(line).toContain('lag 3+7');
  });

  it('says when the sites have stopped and deliveries settle', () => {
    expect(renderView({ ...input(prev, cur), phase: 'settling' })[0]).toContain(
      'sites stopped at 2:00: settling',
    );
  });
});

describe('demo summary', () => {
  it('takes quantiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('says when the reconciliation does not hold and which events to trace', () => {
    const observed = emptyObserved();
    observed.accepted.set('e1', { siteId: 'us-chi', type: 'OrderReleased', at: 1000 });
    const reconciliation: Reconciliation = {
      holds: false,
      accepted: 1,
      routed: 1,
      routerDeadLettered: {},
      unrouted: 0,
      undecided: 0,
      subscribers: {
        tms: { expected: 1, delivered: 0, waiting: 0, deadLettered: {}, missing: 1, unexpected: 0 },
      },
      missingSample: [{ eventId: 'e1', subscriber: 'tms' }],
    };
    const s = buildSummary({
      runId: 'demo-abc123',
      topicPrefix: 'demo-abc123',
      seed: 1,
      rate: 20,
      sentForSeconds: 10,
      tallies: new SenderLedger().sites,
      observed,
      received: new Map([['tms', new Map()]]),
      metrics: snapshotOf([], 0),
      reconciliation,
      flows: NO_FLOWS,
      cleanup: 'removed',
      logFile: '/tmp/x.log',
      next: ['npx crossdock events trace e1'],
    });
    const text = renderSummary(s);
    expect(text).toContain('DOES NOT HOLD');
    expect(text).toContain('1 MISSING');
    expect(text).toContain('e1 → tms');
    expect(text).toContain('npx crossdock events trace e1');
  });

  it('measures latency from the ingress topic to the subscriber', () => {
    const observed = emptyObserved();
    observed.accepted.set('e1', { siteId: 'us-chi', type: 'OrderReleased', at: 1000 });
    observed.accepted.set('e2', { siteId: 'us-chi', type: 'OrderReleased', at: 1000 });
    observed.sinkDelivered.set(
      'analytics',
      new Map([
        ['e1', 1040],
        ['e2', 1300],
      ]),
    );
    const s = buildSummary({
      runId: 'r',
      topicPrefix: 'r',
      seed: 1,
      rate: 1,
      sentForSeconds: 1,
      tallies: new SenderLedger().sites,
      observed,
      received: new Map([['tms', new Map([['e1', { at: 1010 }]])]]),
      metrics: snapshotOf([], 0),
      reconciliation: {
        holds: true,
        accepted: 2,
        routed: 2,
        routerDeadLettered: {},
        unrouted: 0,
        undecided: 0,
        subscribers: {
          tms: { expected: 1, delivered: 1, waiting: 0, deadLettered: {}, missing: 0, unexpected: 0 },
          analytics: { expected: 2, delivered: 2, waiting: 0, deadLettered: {}, missing: 0, unexpected: 0 },
        },
        missingSample: [],
      },
      flows: NO_FLOWS,
      cleanup: '',
      logFile: '',
      next: [],
    });
    expect(s.latencyMs).toEqual({ p50: 40, p99: 300, copies: 3 });
  });
});
