import type { FastifyInstance } from 'fastify';
import { CrossdockError } from '../../../core/errors';
import { catalogPage } from '../../../console/pages/catalog';
import { flowsPage, OVERDUE_LIMIT } from '../../../console/pages/flows';
import { tracePage } from '../../../console/pages/trace';
import type { EventTrace, Tracer } from '../../../dlq';
import type { FlowFigures, FlowInstance, SiteScorecard } from '../../../flows';
import { fakeFlowReader } from '../dlq/flow-fakes';
import { consoleApp, signedIn } from './console-app';

/** The Trace, Catalog and Flows pages over the admin API on fakes (console-app.ts). */

const PAGES = [tracePage, catalogPage, flowsPage];
const H = 3_600_000;
// In the past of any clock the tests run on (the instance page tells missing from waiting by now).
const T = Date.UTC(2020, 11, 5, 10, 0, 0);
const FAR = Date.UTC(2100, 0, 1);

const TRACES: Record<string, EventTrace> = {
  'ev-1': {
    eventId: 'ev-1',
    accepted: { site: 'us-atl', topic: 'cd.ingress.us-atl', partition: 2, offset: '41', at: T },
    routed: [
      { subscriber: 'erp', route: 'orders-to-erp' },
      { subscriber: 'wms' },
      { subscriber: 'crm' },
      { subscriber: 'bi' },
    ],
    subscribers: [
      { subscriber: 'wms', state: 'delivered' },
      {
        subscriber: 'crm',
        state: 'in-retry',
        attempts: 3,
        nextAttemptAt: T + 60_000,
        lastCode: 'CD_E_DELIVERY_TIMEOUT',
      },
      {
        subscriber: 'erp',
        state: 'dead-lettered',
        deadLetters: [
          { id: 'x.dlq.deliver.erp:0:5', code: 'CD_E_DELIVERY_REJECTED', at: T + H, state: 'new' },
        ],
      },
      { subscriber: 'bi', state: 'parked', orderKey: 'ATL-9', waitingBehind: 'ev-0' },
    ],
  },
  'ev-bad': {
    eventId: 'ev-bad',
    rejected: [{ id: 'x.dlq.router:0:7', code: 'CD_E_SCHEMA_INVALID', at: T, state: 'new' }],
    subscribers: [],
  },
};
const tracer: Tracer = {
  trace: async (id) => {
    if (id === 'ev-down')
      throw new CrossdockError('CD_E_ADMIN_UNAVAILABLE', 'the trace could not be read', { retriable: true });
    return TRACES[id] ?? { eventId: id, subscribers: [] };
  },
};

function flow(over: Partial<FlowFigures> = {}): FlowFigures {
  return {
    flow: 'order-to-cash',
    started: 0,
    completed: 0,
    completedOnTime: 0,
    incomplete: 0,
    completionRate: null,
    outOfOrder: 0,
    duplicates: 0,
    alerts: 0,
    steps: [],
    ...over,
  };
}

function card(siteId: string, over: Partial<SiteScorecard> = {}): SiteScorecard {
  return {
    siteId,
    from: T - 24 * H,
    to: T,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    rejectedBy: [],
    deprecated: 0,
    deprecatedShare: null,
    versions: [],
    flows: [],
    mappingVariant: `${siteId} > base`,
    lastEventAt: null,
    conformance: 1,
    configured: true,
    ...over,
  };
}

/** Worst first, as the API answers them. */
const CARDS: SiteScorecard[] = [
  card('us-nwk', {
    accepted: 20,
    rejected: 4,
    rejectedBy: [{ code: 'CD_E_RULE_VIOLATION', rule: 'positive-quantities', count: 4 }],
    deprecated: 5,
    deprecatedShare: 0.25,
    versions: [
      { eventType: 'OrderReleased', version: 1, deprecated: true, count: 5 },
      { eventType: 'OrderReleased', version: 2, deprecated: false, count: 15 },
    ],
    flows: [
      flow({
        started: 10,
        completed: 6,
        completedOnTime: 4,
        incomplete: 2,
        completionRate: 0.75,
        steps: [
          {
            step: 'OrderReleased',
            stepIndex: 0,
            arrived: 10,
            onTime: 10,
            p50Ms: null,
            p95Ms: null,
            withinMs: 0,
          },
          {
            step: 'ShipmentConfirmed',
            stepIndex: 1,
            arrived: 8,
            onTime: 6,
            p50Ms: 2 * H,
            p95Ms: 60 * H,
            withinMs: 48 * H,
          },
        ],
      }),
    ],
    lastEventAt: T,
    conformance: 0.4,
  }),
  card('ca-yvr', {
    accepted: 3,
    versions: [{ eventType: 'OrderReleased', version: 1, deprecated: true, count: 1 }],
    deprecated: 1,
    deprecatedShare: 1 / 3,
    flows: [flow({ started: 1, completed: 1, completedOnTime: 1, completionRate: 1 })],
    conformance: 0.66,
  }),
  card('us-atl', { mappingVariant: 'sdk' }),
];

const INSTANCE: FlowInstance = {
  flow: 'order-to-cash',
  key: 'ORD 1/2',
  siteId: 'us-nwk',
  startedAt: T,
  steps: [
    { eventType: 'OrderReleased', eventId: 'ev-1', at: T, late: false },
    { eventType: 'ShipmentConfirmed', eventId: 'ev-2', at: T + 50 * H, dueAt: T + 48 * H, late: true },
    { eventType: 'InvoiceGenerated', dueAt: T + 74 * H },
    { eventType: 'PaymentReceived' },
    { eventType: 'ReturnAuthorized', dueAt: FAR },
  ],
  complete: false,
  alerts: ['alert-1'],
};

describe('console: Trace', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await consoleApp({ pages: PAGES, over: { tracer } }));
  });
  afterAll(() => app.close());
  const get = (url: string) => app.inject({ url, headers: signedIn('viewer') });

  it('without an id: a labelled search form, and the three pages in the navigation in order', async () => {
    const res = await get('/console/trace');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<label for="eventId">Event id</label>');
    expect(res.body).toMatch(/<form class="filters" method="get" action="\/console\/trace" role="search">/);
    expect(res.body).not.toContain('id="trace"');
    const nav = [...res.body.matchAll(/<li><a href="(\/console\/[a-z]+)"/g)].map((m) => m[1]);
    expect(nav).toEqual(['/console/trace', '/console/catalog', '/console/flows']);
  });

  it('draws the path: accepted, routed, then each subscriber with its state, times and dead letters linked', async () => {
    const res = await get('/console/trace?eventId=ev-1');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<section id="trace" data-event-id="ev-1"');
    expect(res.body).toContain('value="ev-1"');
    const accepted = /<li data-trace-step="accepted">([\s\S]*?)<\/li>/.exec(res.body)![1]!;
    expect(accepted).toContain('<time datetime="2020-12-05T10:00:00.000Z">2020-12-05 10:00:00 UTC</time>');
    expect(accepted).toContain('<strong>us-atl</strong>');
    expect(accepted).toContain('topic <code>cd.ingress.us-atl</code>, partition 2, offset 41');
    const routed = /<li data-trace-step="routed">([\s\S]*?)<\/li>/.exec(res.body)![1]!;
    expect(routed).toContain('<strong>erp</strong> (route <code>orders-to-erp</code>)');
    const states = [...res.body.matchAll(/data-subscriber="([^"]+)" data-trace-state="([^"]+)"/g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    expect(states).toEqual(['wms=delivered', 'crm=in-retry', 'erp=dead-lettered', 'bi=parked']);
    const row = (sub: string) => new RegExp(`<tr data-subscriber="${sub}"[\\s\\S]*?</tr>`).exec(res.body)![0];
    expect(row('crm')).toContain(
      '3 attempts so far; next attempt <time datetime="2020-12-05T10:01:00.000Z">',
    );
    expect(row('crm')).toContain('<code>CD_E_DELIVERY_TIMEOUT</code>');
    expect(row('erp')).toContain(
      '<a href="/console/dead-letters/x.dlq.deliver.erp%3A0%3A5">x.dlq.deliver.erp:0:5</a>',
    );
    expect(row('erp')).toContain('<code>CD_E_DELIVERY_REJECTED</code>');
    expect(row('bi')).toContain('<a href="/console/trace?eventId=ev-0">ev-0</a>');
    expect(row('bi')).toContain('<code>ATL-9</code>');
  });

  it('an event the router rejected: the router dead letter, linked', async () => {
    const res = await get('/console/trace?eventId=ev-bad');
    const rejected = /<li data-trace-step="rejected">([\s\S]*?)<\/li>/.exec(res.body)![1]!;
    expect(rejected).toContain('<code>CD_E_SCHEMA_INVALID</code>');
    expect(rejected).toContain('href="/console/dead-letters/x.dlq.router%3A0%3A7"');
    expect(res.body).not.toContain('data-trace-step="accepted"');
    expect(res.body).toContain('No subscriber has state of it.');
  });

  it('an id nobody has seen: a clear message on the page (200, no error), the input escaped', async () => {
    const res = await get(`/console/trace?eventId=${encodeURIComponent(' <b>nope</b> ')}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-trace-unknown');
    expect(res.body).toContain('No part of this hub knows the event <code>&lt;b&gt;nope&lt;/b&gt;</code>');
    expect(res.body).not.toContain('<b>nope');
    expect(res.body).not.toContain('data-error-code');
  });

  it('an id longer than the API takes: the console code naming the field, the form to fix it', async () => {
    const res = await get(`/console/trace?eventId=${'x'.repeat(201)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('role="alert" data-error-code="CD_E_CONSOLE_FORM_INVALID"');
    expect(res.body).toContain('eventId: at most 200 characters (this one has 201)');
    expect(res.body).toContain('<label for="eventId">Event id</label>');
  });

  it('a trace the API cannot give (its tracer failed): the API code inside the page', async () => {
    const res = await get('/console/trace?eventId=ev-down');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('role="alert" data-error-code="CD_E_ADMIN_UNAVAILABLE"');
    expect(res.body).toContain('(HTTP 503)');
  });
});

describe('console: Catalog', () => {
  it('lists event types with versions, statuses and personal fields; deprecated senders from the scorecards of 7 days', async () => {
    const asked: unknown[] = [];
    const { app } = await consoleApp({
      pages: PAGES,
      over: {
        scorecards: async (q) => {
          asked.push(q);
          return CARDS;
        },
      },
    });
    const res = await app.inject({ url: '/console/catalog', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(asked).toEqual([{ since: '7d' }]);
    expect(res.body).toContain('<h1>Catalog</h1>');
    const order = /<tr data-event-type="OrderReleased">[\s\S]*?<\/tr>/.exec(res.body)![0];
    expect(order).toMatch(
      /data-version="2" data-version-status="active"[\s\S]*data-version="1" data-version-status="deprecated"/,
    );
    expect(order).toContain('retire after 2027-06-30');
    expect(order).toContain('still sent by <strong>us-nwk</strong> (5), <strong>ca-yvr</strong> (1)');
    expect(order).toContain('<li><code>shipTo.email</code></li>');
    expect(res.body).toContain('data-event-type="ShipmentConfirmed"');
    const senders = [
      ...res.body.matchAll(
        /<tr data-deprecated-sender="([^"]+)" data-event-type="([^"]+)" data-version="(\d+)">([\s\S]*?)<\/tr>/g,
      ),
    ];
    expect(senders.map((m) => `${m[1]} ${m[2]} v${m[3]}`)).toEqual([
      'us-nwk OrderReleased v1',
      'ca-yvr OrderReleased v1',
    ]);
    expect(senders[0]![4]).toContain('<td class="num">25.0%</td>');
    expect(senders[1]![4]).toContain('<td class="num">33.3%</td>');
    expect(res.body).toContain('<option value="7d" selected>');

    asked.length = 0;
    await app.inject({ url: '/console/catalog?since=30d', headers: signedIn('viewer') });
    await app.inject({ url: '/console/catalog?since=forever', headers: signedIn('viewer') });
    expect(asked).toEqual([{ since: '30d' }, { since: '7d' }]);
    await app.close();
  });

  it('no deprecated sender: says so; no scorecard reader: the catalog all the same, and the API code', async () => {
    let { app } = await consoleApp({ pages: PAGES, over: { scorecards: async () => [card('us-atl')] } });
    let res = await app.inject({ url: '/console/catalog', headers: signedIn('viewer') });
    expect(res.body).toContain(
      'data-deprecated-senders="0">No site sent a deprecated version in the last 7 days.',
    );
    await app.close();
    ({ app } = await consoleApp({ pages: PAGES, over: { scorecards: undefined } }));
    res = await app.inject({ url: '/console/catalog', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-error-code="CD_E_ADMIN_UNAVAILABLE"');
    expect(res.body).toContain('data-event-type="OrderReleased"');
    await app.close();
  });
});

describe('console: Flows and scorecards', () => {
  const reader = () =>
    fakeFlowReader({
      summary: [
        { flow: 'order-to-cash', open: 7, overdue: 60 },
        { flow: 'returns', open: 0, overdue: 0 },
      ],
      overdue: Array.from({ length: 60 }, (_, i) => ({
        flow: 'order-to-cash',
        key: `ORD-${i}`,
        siteId: 'us-nwk',
        step: 'ShipmentConfirmed',
        stepIndex: 1,
        dueAt: T + i,
        alertId: `alert-${i}`,
      })),
      instances: [INSTANCE],
    });

  it('per flow: open and overdue now, on time / late / expired of the period; the longest overdue, bounded', async () => {
    const flows = reader();
    const asked: unknown[] = [];
    const { app } = await consoleApp({
      pages: PAGES,
      over: {
        flows,
        scorecards: async (q) => {
          asked.push(q);
          return CARDS;
        },
      },
    });
    const res = await app.inject({ url: '/console/flows', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(asked).toEqual([{ since: '24h' }]);
    expect(flows.overdueLimits).toEqual([OVERDUE_LIMIT]);
    const o2c = /<tr data-flow="order-to-cash">([\s\S]*?)<\/tr>/.exec(res.body)![1]!;
    const cells = [...o2c.matchAll(/<td class="num[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
    // open 7, overdue 60; started 11, on time 5, late 2, expired 2; completion 7 of 9 ended.
    expect(cells).toEqual(['7', '60', '11', '5', '2', '2', '77.8%']);
    expect(res.body).toContain('The 50 longest overdue of 60 overdue instances');
    const rows = [...res.body.matchAll(/<tr data-overdue-key="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toHaveLength(50);
    expect(rows[0]).toBe('ORD-0');
    const first = /<tr data-overdue-key="ORD-0"[\s\S]*?<\/tr>/.exec(res.body)![0];
    expect(first).toContain('href="/console/flows/instance?flow=order-to-cash&amp;key=ORD-0"');
    expect(first).toContain('href="/console/trace?eventId=alert-0"');
    expect(first).toContain('<td>ShipmentConfirmed</td>');
    expect(res.body).toContain('<select id="flow" name="flow" required>');
    await app.close();
  });

  it('site conformance worst first: rejections by code, deprecated share, completion, p95 against the deadline', async () => {
    const { app } = await consoleApp({
      pages: PAGES,
      over: { flows: reader(), scorecards: async () => CARDS },
    });
    const res = await app.inject({ url: '/console/flows?since=7d', headers: signedIn('viewer') });
    const sites = [...res.body.matchAll(/<tr data-site="([^"]+)" data-conformance="([^"]+)"/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(sites).toEqual(['us-nwk 0.4000', 'ca-yvr 0.6600', 'us-atl 1.0000']);
    const nwk = /<tr data-site="us-nwk"[\s\S]*?<\/tr>/.exec(res.body)![0];
    expect(nwk).toContain('<td class="num">40.0%</td>');
    expect(nwk).toContain('<li><code>CD_E_RULE_VIOLATION</code> (positive-quantities): 4</li>');
    expect(nwk).toContain('25.0%');
    expect(nwk).toContain('order-to-cash: 75.0%');
    expect(nwk).toMatch(
      /ShipmentConfirmed: p50 2 h, p95\s*<span class="status-bad">2 d 12 h<\/span>\s*of 2 d/,
    );
    expect(nwk).toContain('over the deadline');
    expect(nwk).toContain('<code>us-nwk &gt; base</code>');
    expect(/<tr data-site="us-atl"[\s\S]*?<\/tr>/.exec(res.body)![0]).toContain('never');
    expect(res.body).toContain('<option value="7d" selected>');
    await app.close();
  });

  it('a hub with no flows says so (no error, no overdue list) and still shows the scorecards', async () => {
    const { app } = await consoleApp({
      pages: PAGES,
      over: { flows: fakeFlowReader(), scorecards: async () => [card('us-atl')] },
    });
    const res = await app.inject({ url: '/console/flows', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-no-flows');
    expect(res.body).not.toContain('data-error-code');
    expect(res.body).not.toContain('Overdue instances');
    expect(res.body).toContain('data-site="us-atl"');
    await app.close();
  });

  it('a hub whose API has no flow reader: the API code on the page, the scorecards all the same', async () => {
    const { app } = await consoleApp({ pages: PAGES, over: { scorecards: async () => CARDS } });
    const res = await app.inject({ url: '/console/flows', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-error-code="CD_E_ADMIN_UNAVAILABLE"');
    expect(res.body).toContain('data-site="us-nwk"');
    await app.close();
  });

  it('one instance: each step on time, late, missing or not due, its events and alerts traced; unknown ones coded', async () => {
    const { app } = await consoleApp({ pages: PAGES, over: { flows: reader() } });
    const get = (url: string) => app.inject({ url, headers: signedIn('viewer') });
    let res = await get(`/console/flows/instance?flow=order-to-cash&key=${encodeURIComponent('ORD 1/2')}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(
      'id="instance"\n    data-flow="order-to-cash"\n    data-key="ORD 1/2"\n    data-complete="false"',
    );
    const states = [...res.body.matchAll(/data-step="(\d)" data-step-state="([^"]+)"/g)].map((m) => m[2]);
    expect(states).toEqual(['on-time', 'late', 'missing', 'not-due', 'waiting']);
    expect(res.body).toContain('<a href="/console/trace?eventId=ev-2">ev-2</a>');
    expect(res.body).toContain('<a href="/console/trace?eventId=alert-1">alert-1</a>');
    expect(res.body).toContain('value="ORD 1/2"');

    res = await get('/console/flows/instance?flow=order-to-cash&key=nope');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-error-code="CD_E_FLOW_INSTANCE_NOT_FOUND"');
    expect(res.body).toContain('(HTTP 404)');
    res = await get('/console/flows/instance?flow=nope&key=k');
    expect(res.body).toContain('data-error-code="CD_E_FLOW_UNKNOWN"');
    expect(res.body).toContain('(HTTP 404)');
    res = await get('/console/flows/instance');
    expect(res.body).not.toContain('id="instance"');
    expect(res.body).toContain('<label for="key">Instance key</label>');
    await app.close();
  });
});
