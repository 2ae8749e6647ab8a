/**
 * The hub's own account of a phase, from its Prometheus metrics (GET /metrics on the health port)
 * read before and after: router batches and their mean time (fetch to commit, transaction
 * included), transactions, events per transaction, and the HTTP sink's mean POST time. Pure
 * parsing and differences; unit-tested in test/unit/bench/e2e/hub-metrics.test.ts.
 */

/** Sum of every sample of `name` (any labels) in Prometheus text exposition. */
export function sumMetric(text: string, name: string, labelFilter?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labelFilter && !(rest.startsWith('{') && rest.slice(0, rest.indexOf('}') + 1).includes(labelFilter)))
      continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export interface HubCounters {
  routerBatches: number;
  routerBatchSeconds: number;
  transactions: number;
  routed: number;
  deliveries: number;
  deliverySeconds: number;
}

export function countersOf(text: string): HubCounters {
  return {
    routerBatches: sumMetric(text, 'crossdock_router_batch_seconds_count'),
    routerBatchSeconds: sumMetric(text, 'crossdock_router_batch_seconds_sum'),
    transactions: sumMetric(text, 'crossdock_router_transactions_total', 'outcome="committed"'),
    routed: sumMetric(text, 'crossdock_router_events_in_total'),
    deliveries: sumMetric(text, 'crossdock_delivery_latency_seconds_count'),
    deliverySeconds: sumMetric(text, 'crossdock_delivery_latency_seconds_sum'),
  };
}

/** What the hub did between two readings. */
export interface HubPhase {
  routerBatches: number;
  /** Mean time of a router batch, fetch to commit (ms). */
  routerBatchMeanMs: number | null;
  transactions: number;
  /** Events the router took in per committed transaction. */
  eventsPerTransaction: number | null;
  deliveries: number;
  /** Mean time of one POST to the receiver (ms). */
  postMeanMs: number | null;
}

export function phaseOf(before: HubCounters, after: HubCounters): HubPhase {
  const d = (k: keyof HubCounters) => after[k] - before[k];
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    routerBatches: d('routerBatches'),
    routerBatchMeanMs:
      d('routerBatches') > 0 ? r((d('routerBatchSeconds') / d('routerBatches')) * 1000) : null,
    transactions: d('transactions'),
    eventsPerTransaction: d('transactions') > 0 ? r(d('routed') / d('transactions')) : null,
    deliveries: d('deliveries'),
    postMeanMs: d('deliveries') > 0 ? r((d('deliverySeconds') / d('deliveries')) * 1000) : null,
  };
}
