import { stringify } from 'yaml';
import { loadConfigText } from '../../../hub';
import { globToRegExp } from '../../../router/glob';
import { compileRoutes, testCondition, valueAt } from '../../../router/match';

const config = loadConfigText(
  stringify({
    sites: [
      { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } },
      { id: 'mx-mty', name: 'Monterrey', country: 'MX', groups: ['mexico'], connector: { kind: 'sdk' } },
    ],
    subscribers: ['erp', 'fin', 'mx', 'all'].map((id) => ({ id, sink: { kind: 'kafka' } })),
    routes: [
      { name: 'orders', match: { eventTypes: ['Order*'] }, to: ['erp'] },
      {
        name: 'big-invoices',
        match: { eventTypes: ['InvoiceGenerated'], fields: [{ field: 'total', range: { gte: 1000 } }] },
        to: ['fin'],
      },
      {
        name: 'mexico',
        match: { countries: ['MX'], headers: [{ header: 'ce_source', prefix: '/sites/' }] },
        to: ['mx', 'erp'],
      },
      { name: 'everything', match: {}, to: ['all'] },
    ],
  }),
);

describe('globs', () => {
  it('`*` stays inside a dot segment, `**` crosses them, the rest is literal', () => {
    expect(globToRegExp('Order*').test('OrderReleased')).toBe(true);
    expect(globToRegExp('Order*').test('Order.Released')).toBe(false);
    expect(globToRegExp('com.*.Order*').test('com.crossdock.OrderReleased')).toBe(true);
    expect(globToRegExp('**.OrderReleased').test('com.crossdock.order.OrderReleased')).toBe(true);
    expect(globToRegExp('a.b').test('aXb')).toBe(false);
    expect(globToRegExp('(x)+').test('(x)+')).toBe(true);
  });
});

describe('conditions', () => {
  it.each([
    [{ equals: 'WEB' }, 'WEB', true],
    [{ equals: 'WEB' }, 'EDI', false],
    [{ equals: 5 }, '5.00', true],
    [{ in: ['A', 'B'] }, 'B', true],
    [{ in: ['A', 'B'] }, 'C', false],
    [{ prefix: 'VIP-' }, 'VIP-1', true],
    [{ prefix: 'VIP-' }, 42, false],
    [{ exists: true }, null, false],
    [{ exists: true }, 0, true],
    [{ exists: false }, undefined, true],
    [{ range: { gte: 1000, lt: 5000 } }, '1000.00', true],
    [{ range: { gte: 1000, lt: 5000 } }, '5000.00', false],
    [{ range: { gt: 0 } }, 'abc', false],
    [{ range: { lte: -1 } }, -1, true],
  ])('%j on %j → %s', (cond, value, holds) => {
    expect(testCondition(cond, value, 'x') === undefined).toBe(holds);
  });

  it('reads dot paths through records and arrays', () => {
    expect(valueAt({ a: { b: [{ c: 1 }, { c: 2 }] } }, 'a.b.1.c')).toBe(2);
    expect(valueAt({ a: null }, 'a.b')).toBeUndefined();
  });
});

describe('routing decisions', () => {
  const router = compileRoutes(config);
  it('sends an event to the union of the matching routes, each subscriber once, naming the first route', () => {
    const d = router.decide({
      eventType: 'OrderReleased',
      siteId: 'mx-mty',
      headers: { ce_source: '/sites/mx-mty' },
      event: {},
    });
    expect(d.subscribers).toEqual(['erp', 'mx', 'all']);
    expect(d.routeOf).toEqual({ erp: 'orders', mx: 'mexico', all: 'everything' });
  });
  it('explains why a route did not match', () => {
    const d = router.decide({
      eventType: 'InvoiceGenerated',
      siteId: 'us-chi',
      headers: {},
      event: { total: '999.99' },
    });
    expect(d.subscribers).toEqual(['all']);
    expect(d.verdicts.find((v) => v.route === 'big-invoices')!.reason).toBe(
      'field total is "999.99", want within {"gte":1000}',
    );
    expect(d.verdicts.find((v) => v.route === 'mexico')!.reason).toMatch(/country US not in \["MX"\]/);
  });
  it('route() (the hot path) answers as decide() does, with and without field routes', () => {
    const byTypeAndSite = compileRoutes({
      ...config,
      routes: config.routes.filter((r) => !r.match.fields && !r.match.headers),
    });
    const inputs = [
      { eventType: 'OrderReleased', siteId: 'mx-mty', headers: {}, event: {} },
      { eventType: 'InvoiceGenerated', siteId: 'us-chi', headers: {}, event: { total: '1200.00' } },
      { eventType: 'InvoiceGenerated', siteId: 'us-chi', headers: {}, event: { total: '999.99' } },
    ];
    for (const r of [router, byTypeAndSite])
      for (const input of inputs) {
        const { subscribers, routeOf } = r.decide(input);
        expect(r.route(input)).toEqual({ subscribers, routeOf });
        expect(r.route(input)).toEqual({ subscribers, routeOf }); // cached or not, the same
      }
    expect(byTypeAndSite.usesFields).toBe(false);
    expect(router.usesFields).toBe(true);
  });
});

describe('the hub site crossdock (flow alerts): in no configuration, matched by type and payload', () => {
  const hubConfig = loadConfigText(
    stringify({
      sites: [
        { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } },
      ],
      subscribers: ['ops', 'us', 'north', 'all'].map((id) => ({ id, sink: { kind: 'kafka' } })),
      routes: [
        { name: 'us', match: { countries: ['US'] }, to: ['us'] },
        { name: 'north', match: { groups: ['north'] }, to: ['north'] },
        {
          name: 'alerts-of-chicago',
          match: { eventTypes: ['FlowAlertRaised'], fields: [{ field: 'siteId', equals: 'us-chi' }] },
          to: ['ops'],
        },
        { name: 'everything', match: {}, to: ['all'] },
      ],
    }),
  );
  const router = compileRoutes(hubConfig);
  const input = (siteId: string) => ({
    eventType: 'FlowAlertRaised',
    siteId: 'crossdock',
    headers: {},
    event: { siteId, flow: 'order-to-cash', kind: 'STEP_LATE' },
  });

  it('country and group criteria do not match it (and do not fail); payload fields do', () => {
    const d = router.decide(input('us-chi'));
    expect(d.subscribers).toEqual(['ops', 'all']);
    expect(d.verdicts.slice(0, 2)).toEqual([
      expect.objectContaining({ route: 'us', matched: false, reason: 'country ? not in ["US"]' }),
      expect.objectContaining({ route: 'north', matched: false, reason: 'site groups [] not in ["north"]' }),
    ]);
    expect(router.route(input('us-chi')).subscribers).toEqual(['ops', 'all']);
    expect(router.route(input('mx-mty')).subscribers).toEqual(['all']);
  });
});
