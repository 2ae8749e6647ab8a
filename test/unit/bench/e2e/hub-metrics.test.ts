import { countersOf, phaseOf, sumMetric } from '../../../../bench/e2e/hub-metrics';

const text = (
  batches: number,
  seconds: number,
  txns: number,
  routed: number,
  posts: number,
  postSeconds: number,
) => `
# HELP crossdock_router_batch_seconds Time to process one fetched batch, transaction included.
# TYPE crossdock_router_batch_seconds histogram
crossdock_router_batch_seconds_bucket{le="0.005"} 0
crossdock_router_batch_seconds_sum ${seconds}
crossdock_router_batch_seconds_count ${batches}
crossdock_router_transactions_total{outcome="committed"} ${txns}
crossdock_router_transactions_total{outcome="aborted"} 7
crossdock_router_events_in_total{site="us-chi",event_type="OrderReleased"} ${routed - 10}
crossdock_router_events_in_total{site="us-nwk",event_type="OrderReleased"} 10
crossdock_delivery_latency_seconds_sum{subscriber="e2e"} ${postSeconds}
crossdock_delivery_latency_seconds_count{subscriber="e2e"} ${posts}
crossdock_delivery_latency_seconds_count_extra 99
`;

describe('e2e: the hub’s own metrics per phase', () => {
  it('sums the samples of one metric name, optionally of one label value', () => {
    const t = text(4, 2, 3, 100, 5, 1);
    expect(sumMetric(t, 'crossdock_router_events_in_total')).toBe(100);
    expect(sumMetric(t, 'crossdock_router_transactions_total')).toBe(10);
    expect(sumMetric(t, 'crossdock_router_transactions_total', 'outcome="committed"')).toBe(3);
    expect(sumMetric(t, 'crossdock_delivery_latency_seconds_count')).toBe(5);
    expect(sumMetric(t, 'crossdock_no_such_metric')).toBe(0);
  });

  it('turns two readings into what the hub did between them', () => {
    const before = countersOf(text(10, 1, 10, 500, 500, 2));
    const after = countersOf(text(30, 5, 25, 2000, 2000, 8));
    expect(phaseOf(before, after)).toEqual({
      routerBatches: 20,
      routerBatchMeanMs: 200,
      transactions: 15,
      eventsPerTransaction: 100,
      deliveries: 1500,
      postMeanMs: 4,
    });
    expect(phaseOf(before, before)).toMatchObject({
      routerBatchMeanMs: null,
      eventsPerTransaction: null,
      postMeanMs: null,
    });
  });
});
