import type { OverviewDoc, OverviewSite, OverviewSubscriber } from '../../../dlq';

/** A site of an overview document, ok unless changed. */
export function overviewSite(id: string, over: Partial<OverviewSite> = {}): OverviewSite {
  return {
    id,
    name: `Site ${id}`,
    kind: 'http',
    eventsIn: 120,
    eventsPerSecond: 2.5,
    lastEventAt: 9_000,
    deadLetters: { open: 0, total: 0 },
    state: 'ok',
    ...over,
  };
}

/** A subscriber of an overview document, ok unless changed. */
export function overviewSubscriber(id: string, over: Partial<OverviewSubscriber> = {}): OverviewSubscriber {
  return {
    id,
    kind: 'http',
    routes: ['orders'],
    consuming: true,
    delivered: 100,
    deliveredPerSecond: 2,
    failures: 0,
    deadLettered: 0,
    deadLetters: { open: 0, total: 0 },
    inRetry: 0,
    parked: 0,
    heldKeys: 0,
    lag: 0,
    breaker: 'closed',
    breakerRetryInMs: 0,
    state: 'ok',
    ...over,
  };
}

/**
 * An overview document as hub/overview.ts answers it: two sites, the router, two subscribers,
 * the ERP's breaker open (bad, with its reason).
 */
export function overviewDoc(over: Partial<OverviewDoc> = {}): OverviewDoc {
  return {
    at: 10_000,
    rateWindowSeconds: 10,
    ready: true,
    dependencies: [
      { name: 'kafka', up: true, checkedAt: '1970-01-01T00:00:09.000Z', latencyMs: 3 },
      { name: 'redis', up: true, checkedAt: '1970-01-01T00:00:09.000Z', latencyMs: 1 },
      {
        name: 'registry',
        up: false,
        checkedAt: '1970-01-01T00:00:09.000Z',
        lastError: 'no answer within 3000 ms',
        downSince: '1970-01-01T00:00:05.000Z',
      },
    ],
    sites: [
      overviewSite('us-atl', { name: 'Atlanta DC' }),
      overviewSite('us-chi', {
        name: 'Chicago DC',
        kind: 'csv',
        eventsPerSecond: 0,
        lastEventAt: null,
        deadLetters: { open: 3, total: 4 },
        state: 'warn',
        reason: 'no event in the last 24 h',
      }),
    ],
    router: {
      running: true,
      lag: 12,
      eventsIn: 240,
      eventsPerSecond: 2.5,
      duplicates: 1,
      deadLettered: 4,
      routes: [{ name: 'orders', to: ['erp', 'tms'] }],
      state: 'ok',
    },
    subscribers: [
      overviewSubscriber('erp', {
        breaker: 'open',
        breakerRetryInMs: 4000,
        breakerSince: '1970-01-01T00:00:07.000Z',
        inRetry: 7,
        deliveredPerSecond: 0,
        deadLetters: { open: 5, total: 9 },
        lastError: { code: 'CD_E_DELIVERY_REJECTED', class: 'permanent', at: '1970-01-01T00:00:08.000Z' },
        state: 'bad',
        reason: 'breaker open since 00:00:07 UTC (3 s ago); last error CD_E_DELIVERY_REJECTED (permanent)',
      }),
      overviewSubscriber('tms', { routes: ['orders'] }),
    ],
    deadLetters: { open: 8, overdue: 1, oldestOpenAt: 5_000 },
    ...over,
  };
}
