import type { FastifyInstance } from 'fastify';
import type { OverviewDoc } from '../../../dlq';
import { overviewDoc, overviewSubscriber } from '../dlq/overview-fixture';
import { consoleApp, HOST, signedIn } from './console-app';

/** The text of the element whose opening tag carries `hook` (e.g. `data-subscriber="erp"`), up to its </article>. */
function card(body: string, hook: string): string {
  const start = body.indexOf(hook);
  expect(start).toBeGreaterThan(-1);
  const open = body.lastIndexOf('<', start);
  return body.slice(open, body.indexOf('</article>', start));
}

const text = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('console: the Overview page', () => {
  let app: FastifyInstance;
  let audit: Awaited<ReturnType<typeof consoleApp>>['audit'];
  let doc: OverviewDoc = overviewDoc();
  let reads = 0;
  beforeAll(async () => {
    ({ app, audit } = await consoleApp({
      over: {
        overview: async () => {
          reads++;
          return doc;
        },
      },
    }));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    doc = overviewDoc();
    reads = 0;
    audit.records.length = 0;
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { ...signedIn('viewer'), ...headers } });

  it('is the first entry of the navigation, where /console/ leads', async () => {
    const res = await get('/console/');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/overview');
    const page = await get('/console/overview');
    expect(page.body).toContain('<a href="/console/overview" aria-current="page">Overview</a>');
  });

  it('draws sites → router → subscribers from one read of the API, with the live fragment to refresh', async () => {
    const res = await get('/console/overview');
    expect(res.statusCode).toBe(200);
    expect(reads).toBe(1);
    const body = res.body;
    expect(body.match(/<h1>/g)).toHaveLength(1);
    expect(body).toContain('<h1>Overview</h1>');
    expect(body).toMatch(/id="overview-live"\s+data-refresh="\/console\/overview\/live"\s+data-every="2500"/);
    for (const h of ['Dependencies', 'Sites', 'Router', 'Subscribers'])
      expect(body).toMatch(new RegExp(`<h2 id="[a-z-]+">${h}</h2>`));
    // In order: sites, then the router, then the subscribers.
    const order = [
      'data-site="us-atl"',
      'data-site="us-chi"',
      'data-router',
      'data-subscriber="erp"',
      'data-subscriber="tms"',
    ];
    const at = order.map((h) => body.indexOf(h));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    const atl = text(card(body, 'data-site="us-atl"'));
    expect(atl).toContain('Atlanta DC OK');
    expect(atl).toContain('In 2.5/s');
    expect(atl).toContain('Last event 00:00:09 UTC (1 s ago)');
    const router = text(card(body, 'data-router'));
    expect(router).toContain('Lag 12 records');
    expect(router).toContain('orders erp, tms');
    const tms = text(card(body, 'data-subscriber="tms"'));
    expect(tms).toContain('Out 2.0/s');
    expect(tms).toContain('Breaker closed');
    expect(body).toContain('<li data-dependency="kafka" data-state="ok"');
  });

  it('draws a bad subscriber red with its state and reason in words, and links to its dead letters', async () => {
    const body = (await get('/console/overview')).body;
    const erp = card(body, 'data-subscriber="erp"');
    expect(erp).toMatch(
      /^<article\s+class="card bad"\s+data-subscriber="erp"\s+data-state="bad"\s+data-breaker="open"/,
    );
    expect(text(erp)).toContain('erp Problem');
    expect(erp).toContain(
      '<p class="reason">breaker open since 00:00:07 UTC (3 s ago); last error CD_E_DELIVERY_REJECTED (permanent)</p>',
    );
    expect(text(erp)).toContain('Breaker open (probe in 4 s)');
    expect(text(erp)).toContain('In retry 7');
    expect(erp).toContain(
      '<a href="/console/dead-letters?subscriber=erp">5 open</a> <span class="muted">of 9</span>',
    );
    // A warning is amber with its reason; the site's dead letters link by site.
    const chi = card(body, 'data-site="us-chi"');
    expect(chi).toMatch(/^<article class="card warn" data-site="us-chi" data-state="warn"/);
    expect(chi).toContain('<p class="reason">no event in the last 24 h</p>');
    expect(chi).toContain('href="/console/dead-letters?site=us-chi"');
    // The summary names every part in trouble; a dependency down says so in words.
    expect(body).toContain(
      '<p class="summary bad" data-overall="bad">Problem: subscriber erp, registry. Warning: site us-chi.</p>',
    );
    const registry = body.slice(
      body.indexOf('data-dependency="registry"'),
      body.indexOf('</li>', body.indexOf('data-dependency="registry"')),
    );
    expect(text(registry)).toContain('registry down since 00:00:05 UTC (5 s ago) no answer within 3000 ms');
  });

  it('says everything is flowing when it is, and shows a dash for rates before the first window', async () => {
    doc = overviewDoc({
      rateWindowSeconds: null,
      dependencies: [{ name: 'kafka', up: true, latencyMs: 2 }],
      sites: [],
      subscribers: [overviewSubscriber('tms', { deliveredPerSecond: null })],
    });
    const body = (await get('/console/overview')).body;
    expect(body).toContain('<p class="summary ok" data-overall="ok">Everything is flowing.</p>');
    expect(body).toContain('No sites configured.');
    expect(text(card(body, 'data-subscriber="tms"'))).toContain('Out —');
    expect(body).not.toContain('rates over the last');
  });

  it('without the index (Redis down) still draws the map, saying the dead-letter counts are unknown and why', async () => {
    doc = overviewDoc({
      deadLetters: null,
      indexError: 'the dead-letter index did not answer: Redis did not answer',
    });
    doc.subscribers[0]!.deadLetters = null;
    const body = (await get('/console/overview')).body;
    expect(body).toContain(
      '<p class="summary warn" data-index-error>the dead-letter index did not answer: Redis did not answer</p>',
    );
    expect(body).not.toContain('Dead letters open:');
    expect(text(card(body, 'data-subscriber="erp"'))).toContain('Dead letters unknown (index unavailable)');
  });

  it('answers the live fragment alone (no page around it), escaped like any page', async () => {
    doc = overviewDoc({
      subscribers: [
        overviewSubscriber('tms', { state: 'bad', reason: 'last error <script>alert(1)</script>' }),
      ],
    });
    const res = await get('/console/overview/live', { 'x-console-fragment': '1' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(res.body).not.toContain('<h1>');
    expect(res.body).toContain('data-subscriber="tms"');
    expect(res.body).toContain('last error &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<script>');
  });

  it('polling it leaves no audit record; a fragment without a session answers 401, not a page', async () => {
    await get('/console/overview/live', { 'x-console-fragment': '1' });
    await get('/console/overview');
    expect(audit.records).toEqual([]);
    const res = await app.inject({
      url: '/console/overview/live',
      headers: { host: HOST, 'x-console-fragment': '1' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('CD_E_ADMIN_UNAUTHORIZED');
  });

  it('shows the API error when the hub has no overview to give', async () => {
    const bare = await consoleApp();
    try {
      const res = await bare.app.inject({ url: '/console/overview', headers: signedIn('viewer') });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('data-error-code="CD_E_ADMIN_UNAVAILABLE"');
      expect(res.body).toContain('this hub runs no overview');
    } finally {
      await bare.app.close();
    }
  });
});
