import { Gauge, Registry } from 'prom-client';
import { deliveryMetrics } from '../../../connectors/sinks';
import type { HubConfig } from '../../../core/config';
import { createHealthServer, type HealthServer } from '../../../core/health';
import type { DeadLetterGroup, OverviewDoc } from '../../../dlq';
import { FLOW_METRIC_NAMES } from '../../../flows';
import { hubOverview } from '../../../hub';
import { moment, span, verdict } from '../../../hub/overview-states';
import { createRouterMetrics } from '../../../router';

const HOUR = 3600_000;
const T0 = Date.parse('2026-12-05T12:00:00.000Z');

const CONFIG = {
  sites: [
    { id: 'us-atl', name: 'Atlanta DC', connector: { kind: 'http' } },
    { id: 'us-chi', name: 'Chicago DC', connector: { kind: 'csv' } },
    { id: 'mx-mty', name: 'Monterrey', connector: { kind: 'sdk' } },
  ],
  subscribers: [
    { id: 'erp', sink: { kind: 'http' } },
    { id: 'analytics', sink: { kind: 'kafka' } },
  ],
  routes: [
    { name: 'orders', to: ['erp', 'analytics'] },
    { name: 'invoices', to: ['erp'] },
  ],
} as unknown as HubConfig;

function group(over: Partial<DeadLetterGroup>): DeadLetterGroup {
  return { group: 'g', code: 'CD_E_X', count: 1, open: 1, firstSeen: T0, lastSeen: T0, ...over };
}

/**
 * A process with the router's and two connectors' real metrics in one registry, a /status with
 * every component started, and an index of dead letters the test changes.
 */
function world(options: { lastEventGauge?: boolean } = {}) {
  const registry = new Registry();
  const health: HealthServer = createHealthServer(registry, { defaultMetrics: false });
  const router = createRouterMetrics(registry);
  const erp = deliveryMetrics(registry, 'erp');
  const analytics = deliveryMetrics(registry, 'analytics');
  const lastEvent: Record<string, number> = {};
  if (options.lastEventGauge !== false)
    new Gauge({
      name: FLOW_METRIC_NAMES.siteLastEvent,
      help: 'test',
      labelNames: ['site'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [site, ms] of Object.entries(lastEvent)) this.set({ site }, Math.floor(ms / 1000));
      },
    });
  const status: Record<string, Record<string, unknown>> = {
    erp: { consuming: true, breaker: 'closed', breakerRetryInMs: 0, inRetry: 0, heldKeys: 0, lag: 0 },
    analytics: { consuming: true, breaker: 'closed', breakerRetryInMs: 0, inRetry: 0, heldKeys: 0, lag: 3 },
  };
  const components: Record<string, Record<string, unknown>> = {
    'http-ingest': { started: true, ready: true },
    'csv-drop-folder': { started: true, ready: true },
    router: { started: true },
  };
  const deps: Record<string, Record<string, unknown>> = {
    kafka: { up: true, checkedAt: new Date(T0).toISOString(), latencyMs: 2 },
    redis: { up: true, checkedAt: new Date(T0).toISOString(), latencyMs: 1 },
  };
  let routerHealthy = true;
  health.addReadiness('router', () => routerHealthy);
  for (const id of Object.keys(status)) health.addStatus('subscribers', id, () => status[id]!);
  for (const name of Object.keys(components))
    health.addStatus('components', name, () => components[name] ?? { started: false });
  for (const name of Object.keys(deps)) health.addStatus('dependencies', name, () => deps[name]!);
  let groups: DeadLetterGroup[] = [];
  let indexDown = false;
  const redisDown = () => {
    throw Object.assign(new Error('Redis did not answer'), { code: 'CD_E_DLQ_UNAVAILABLE' });
  };
  let now = T0;
  const overview = hubOverview({
    health,
    config: () => CONFIG,
    store: {
      groups: async () => (indexDown ? redisDown() : groups),
      summary: async () =>
        indexDown ? redisDown() : { open: 4, overdue: 1, oldestOpenAt: T0 - HOUR, depth: [] },
    },
    now: () => now,
  });
  return {
    read: () => overview(),
    health,
    advance: (ms: number) => void (now += ms),
    now: () => now,
    router,
    erp,
    analytics,
    lastEvent,
    status,
    components,
    deps,
    setGroups: (g: DeadLetterGroup[]) => void (groups = g),
    setRouterHealthy: (h: boolean) => void (routerHealthy = h),
    setIndexDown: (d: boolean) => void (indexDown = d),
  };
}

const site = (doc: OverviewDoc, id: string) => doc.sites.find((s) => s.id === id)!;
const sub = (doc: OverviewDoc, id: string) => doc.subscribers.find((s) => s.id === id)!;

describe('hub overview: the live figures of the process', () => {
  it('lists the configured sites, router and subscribers with their counters; no rates on the first read', async () => {
    const w = world();
    for (let i = 0; i < 30; i++) w.router.eventsIn.inc({ site: 'us-atl', type: 'OrderReleased' });
    w.router.duplicates.inc({ site: 'us-atl', type: 'OrderReleased' });
    w.router.lag.set({ topic: 'cd.ingress.us-atl', partition: '0' }, 7);
    for (let i = 0; i < 20; i++) w.erp.delivered();
    w.lastEvent['us-atl'] = T0 - 5000;
    w.lastEvent['us-chi'] = T0 - 60_000;
    w.lastEvent['mx-mty'] = T0 - 1000;
    w.setGroups([
      group({ group: 'a', subscriber: 'erp', site: 'us-atl', count: 5, open: 3 }),
      group({ group: 'b', subscriber: 'erp', site: 'us-chi', count: 2, open: 0 }),
      group({ group: 'c', site: 'us-chi', count: 4, open: 4 }),
    ]);
    const doc = await w.read();
    expect(doc).toMatchObject({
      at: T0,
      rateWindowSeconds: null,
      ready: true,
      deadLetters: { open: 4, overdue: 1, oldestOpenAt: T0 - HOUR },
      dependencies: [
        { name: 'kafka', up: true, latencyMs: 2 },
        { name: 'redis', up: true, latencyMs: 1 },
      ],
    });
    expect(doc.sites.map((s) => [s.id, s.kind, s.eventsIn, s.eventsPerSecond])).toEqual([
      ['us-atl', 'http', 30, null],
      ['us-chi', 'csv', 0, null],
      ['mx-mty', 'sdk', 0, null],
    ]);
    expect(site(doc, 'us-atl')).toMatchObject({ name: 'Atlanta DC', lastEventAt: T0 - 5000, state: 'ok' });
    expect(site(doc, 'us-chi').deadLetters).toEqual({ open: 4, total: 4 });
    expect(doc.router).toMatchObject({
      running: true,
      lag: 7,
      eventsIn: 30,
      eventsPerSecond: null,
      duplicates: 1,
      routes: [
        { name: 'orders', to: ['erp', 'analytics'] },
        { name: 'invoices', to: ['erp'] },
      ],
      state: 'ok',
    });
    expect(sub(doc, 'erp')).toMatchObject({
      kind: 'http',
      routes: ['orders', 'invoices'],
      consuming: true,
      delivered: 20,
      deliveredPerSecond: null,
      deadLetters: { open: 3, total: 7 },
      breaker: 'closed',
      // Open dead letters are work for someone, however old: worth a look.
      state: 'warn',
      reason: '3 open dead letters to work',
    });
    expect(sub(doc, 'analytics')).toMatchObject({ kind: 'kafka', routes: ['orders'], lag: 3, state: 'ok' });
    expect(sub(doc, 'analytics').reason).toBeUndefined();
  });

  it('gives events/s in per site and delivered/s per subscriber from counter deltas over the window', async () => {
    const w = world();
    await w.read();
    w.advance(2000);
    for (let i = 0; i < 10; i++) w.router.eventsIn.inc({ site: 'us-atl', type: 'OrderReleased' });
    for (let i = 0; i < 4; i++) w.router.eventsIn.inc({ site: 'mx-mty', type: 'OrderReleased' });
    for (let i = 0; i < 6; i++) w.erp.delivered();
    let doc = await w.read();
    expect(doc.rateWindowSeconds).toBe(2);
    expect(site(doc, 'us-atl').eventsPerSecond).toBe(5);
    expect(site(doc, 'mx-mty').eventsPerSecond).toBe(2);
    expect(site(doc, 'us-chi').eventsPerSecond).toBe(0);
    expect(doc.router.eventsPerSecond).toBe(7);
    expect(sub(doc, 'erp').deliveredPerSecond).toBe(3);
    expect(sub(doc, 'analytics').deliveredPerSecond).toBe(0);

    // Reads closer than 1 s apart still measure against an older sample.
    w.advance(500);
    doc = await w.read();
    expect(doc.rateWindowSeconds).toBe(2.5);
    expect(site(doc, 'us-atl').eventsPerSecond).toBe(4);

    // Within the window the oldest sample is the base: smoother than the last poll alone.
    w.advance(2500);
    doc = await w.read();
    expect(doc.rateWindowSeconds).toBe(5);

    // After a pause in polling, the newest older sample: a longer window, said so.
    w.advance(60_000);
    doc = await w.read();
    expect(doc.rateWindowSeconds).toBe(60);
    expect(site(doc, 'us-atl').eventsPerSecond).toBe(0);
  });

  it('a subscriber with its breaker open is bad, saying since when, the next probe and the last error', async () => {
    const w = world();
    w.status.erp = {
      consuming: true,
      breaker: 'open',
      breakerRetryInMs: 42_000,
      breakerSince: new Date(T0 - 3 * 60_000).toISOString(),
      inRetry: 12,
      heldKeys: 0,
      lag: 340,
      lastError: {
        code: 'CD_E_DELIVERY_REJECTED',
        class: 'permanent',
        at: new Date(T0 - 65_000).toISOString(),
      },
    };
    const doc = await w.read();
    expect(sub(doc, 'erp')).toMatchObject({
      state: 'bad',
      breaker: 'open',
      breakerRetryInMs: 42_000,
      breakerSince: new Date(T0 - 3 * 60_000).toISOString(),
      inRetry: 12,
      lag: 340,
      lastError: { code: 'CD_E_DELIVERY_REJECTED', class: 'permanent' },
    });
    expect(sub(doc, 'erp').reason).toBe(
      'breaker open since 11:57:00 UTC (3 min ago), next probe in 42 s; last error CD_E_DELIVERY_REJECTED (permanent) at 11:58:55 UTC (1 min ago)',
    );
    expect(sub(doc, 'analytics').state).toBe('ok');
  });

  it('a consumer not consuming, or a connector with no status, is bad; retries, held keys and a half-open breaker warn', async () => {
    const w = world();
    w.status.erp!.consuming = false;
    w.health.removeStatus('subscribers', 'analytics');
    let doc = await w.read();
    expect(sub(doc, 'erp')).toMatchObject({
      state: 'bad',
      consuming: false,
      reason: 'consumer not consuming (nothing is read from its deliver topic)',
    });
    expect(sub(doc, 'analytics')).toMatchObject({
      state: 'bad',
      consuming: null,
      breaker: 'unknown',
      lag: null,
      reason: 'its connector is not running in this hub (no status)',
    });

    const w2 = world();
    w2.status.erp = {
      ...w2.status.erp,
      breaker: 'half-open',
      breakerSince: new Date(T0 - 10_000).toISOString(),
      inRetry: 3,
      heldKeys: 1,
      lastError: { code: 'CD_E_DELIVERY_TIMEOUT', class: 'transient', at: new Date(T0 - 2000).toISOString() },
    };
    doc = await w2.read();
    expect(sub(doc, 'erp').state).toBe('warn');
    expect(sub(doc, 'erp').reason).toBe(
      [
        'breaker half-open since 11:59:50 UTC (10 s ago): probing the subscriber',
        '1 key held after a dead letter (crossdock connector erp --release-key <key>)',
        '3 events waiting for a retry; last error CD_E_DELIVERY_TIMEOUT (transient) at 11:59:58 UTC (2 s ago)',
      ].join('; '),
    );
  });

  it('dead letters rising: a subscriber whose connector dead-letters, a site whose events the router dead-letters', async () => {
    const w = world();
    w.setGroups([group({ group: 'r', site: 'us-chi', count: 2, open: 2 })]);
    w.lastEvent['us-chi'] = T0;
    await w.read();
    w.advance(3000);
    w.erp.deadLettered('CD_E_DELIVERY_REJECTED');
    w.erp.deadLettered('CD_E_DELIVERY_REJECTED');
    w.router.deadLetters.inc({ code: 'CD_E_RULE_VIOLATION' });
    w.setGroups([group({ group: 'r', site: 'us-chi', count: 5, open: 5 })]);
    let doc = await w.read();
    expect(sub(doc, 'erp')).toMatchObject({
      state: 'warn',
      deadLettered: 2,
      reason: 'dead letters rising: 2 in the last 3 s',
    });
    expect(site(doc, 'us-chi')).toMatchObject({
      state: 'warn',
      deadLetters: { open: 5, total: 5 },
      reason: 'dead letters rising: 3 in the last 3 s; 5 open dead letters to work',
    });
    expect(doc.router).toMatchObject({
      state: 'warn',
      deadLettered: 1,
      reason: 'dead letters rising: 1 in the last 3 s',
    });
    // Nothing new over the next window: no longer rising; the site's open letters still ask for work.
    w.advance(11_000);
    await w.read();
    w.advance(2000);
    doc = await w.read();
    expect([sub(doc, 'erp').state, doc.router.state]).toEqual(['ok', 'ok']);
    expect(site(doc, 'us-chi')).toMatchObject({ state: 'warn', reason: '5 open dead letters to work' });
  });

  it('a site quiet for long warns (when the process knows sites’ last events); a source connector down is bad', async () => {
    const w = world();
    w.lastEvent['us-atl'] = T0 - 3 * HOUR - 60_000;
    w.lastEvent['mx-mty'] = T0 - 30 * 60_000;
    w.components['csv-drop-folder'] = {
      started: true,
      ready: false,
      lastError: { message: 'producer disconnected', at: new Date(T0).toISOString() },
    };
    let doc = await w.read();
    expect(site(doc, 'us-atl')).toMatchObject({ state: 'warn', reason: 'no event for 3 h' });
    expect(site(doc, 'mx-mty')).toMatchObject({ state: 'ok', lastEventAt: T0 - 30 * 60_000 });
    expect(site(doc, 'us-chi')).toMatchObject({
      state: 'bad',
      lastEventAt: null,
      reason: 'the CSV drop folder watcher is not ready: producer disconnected; no event in the last 24 h',
    });
    delete w.components['http-ingest'];
    doc = await w.read();
    expect(site(doc, 'us-atl')).toMatchObject({
      state: 'bad',
      reason: 'HTTP ingest is not running in this hub; no event for 3 h',
    });

    // Without the tracker's gauge the process cannot tell: no quiet warning.
    const blind = world({ lastEventGauge: false });
    doc = await blind.read();
    expect(doc.sites.map((s) => [s.id, s.state, s.lastEventAt])).toEqual([
      ['us-atl', 'ok', null],
      ['us-chi', 'ok', null],
      ['mx-mty', 'ok', null],
    ]);
  });

  it('the router: bad when not running, its fetch loop unhealthy or Kafka down; warn when far behind', async () => {
    const w = world();
    w.router.lag.set({ topic: 't', partition: '0' }, 9_000);
    w.router.lag.set({ topic: 't', partition: '1' }, 3_000);
    let doc = await w.read();
    expect(doc.router).toMatchObject({ state: 'warn', lag: 12_000, reason: '12000 records behind' });
    w.setRouterHealthy(false);
    w.deps.kafka = { up: false, checkedAt: null, lastError: 'connect ECONNREFUSED', downSince: 'x' };
    doc = await w.read();
    expect(doc.router).toMatchObject({
      running: false,
      state: 'bad',
      reason:
        'Kafka is down: connect ECONNREFUSED; its fetch loop is unhealthy: events are not being routed; 12000 records behind',
    });
    expect(doc.ready).toBe(false);
    expect(doc.dependencies[0]).toEqual({
      name: 'kafka',
      up: false,
      checkedAt: null,
      lastError: 'connect ECONNREFUSED',
      downSince: 'x',
    });
    w.components.router = { started: false };
    doc = await w.read();
    expect(doc.router).toMatchObject({ state: 'bad', reason: 'the router is not running in this hub' });
  });
});

describe('hub overview: without the index', () => {
  it('answers without the index when Redis does not: its figures null and why, and no false "rising" after', async () => {
    const w = world();
    w.setGroups([group({ group: 'r', site: 'us-chi', count: 5, open: 5 })]);
    w.setIndexDown(true);
    let doc = await w.read();
    expect(doc.deadLetters).toBeNull();
    expect(doc.indexError).toBe('the dead-letter index did not answer: Redis did not answer');
    expect(site(doc, 'us-chi').deadLetters).toBeNull();
    expect(sub(doc, 'erp').deadLetters).toBeNull();
    expect(doc.router.state).toBe('ok');
    w.advance(2000);
    w.setIndexDown(false);
    doc = await w.read();
    expect(doc.indexError).toBeUndefined();
    expect(site(doc, 'us-chi')).toMatchObject({ deadLetters: { open: 5, total: 5 } });
    expect(site(doc, 'us-chi').reason ?? '').not.toContain('rising');
  });
});

describe('hub overview: words', () => {
  it('spans and moments for people', () => {
    expect([span(999), span(45_000), span(3 * 60_000 + 5), span(2 * HOUR + 1), span(3 * 24 * HOUR)]).toEqual([
      '0 s',
      '45 s',
      '3 min',
      '2 h',
      '3 d',
    ]);
    expect(moment(T0 - 90_000, T0)).toBe('11:58:30 UTC (1 min ago)');
    expect(moment(new Date(T0 - 24 * HOUR).toISOString(), T0)).toBe('2026-12-04 12:00:00 UTC (1 d ago)');
  });

  it('the worst state wins; every reason is kept, the worst first', () => {
    expect(verdict([])).toEqual({ state: 'ok' });
    expect(
      verdict([
        { state: 'warn', reason: 'a' },
        { state: 'bad', reason: 'b' },
        { state: 'warn', reason: 'c' },
      ]),
    ).toEqual({ state: 'bad', reason: 'b; a; c' });
  });
});
