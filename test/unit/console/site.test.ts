import type { FastifyInstance } from 'fastify';
import type { ConsolePageModule } from '../../../console';
import { html } from '../../../console/html';
import { consoleApp, formFrom, HOST, signedIn, TOKENS } from './console-app';

/** A page that shows what the API's groups operation answers, and an action that needs operator. */
const probe: ConsolePageModule = (site) => {
  site.nav({ path: '/probe', label: 'Probe' });
  site.page('/probe', async (req) => {
    const { items: groups } = await req.api.get<{ items: Array<{ code: string }> }>('/dlq', {
      subscriber: 'erp',
    });
    return {
      page: {
        title: 'Probe',
        body: html`<h1>Probe</h1>
          <ul>
            ${groups.map((g) => html`<li>${g.code}</li>`)}
          </ul>
          <p id="q">${req.query.q}</p>`,
      },
    };
  });
  site.page('/probe/live', async () => ({ fragment: html`<span>live</span>` }));
  site.action('/probe/claim', async (req) => {
    await req.api.post('/dlq/claim', { selector: { ids: [req.form.id] } });
    return { redirect: '/console/probe', flash: { kind: 'ok', text: `claimed ${req.form.id}` } };
  });
};

describe('console: sign-in, pages over the admin API, refusals', () => {
  let app: FastifyInstance;
  let audit: Awaited<ReturnType<typeof consoleApp>>['audit'];
  beforeAll(async () => {
    ({ app, audit } = await consoleApp({ pages: [probe] }));
  });
  afterAll(() => app.close());

  it('sends a browser with no cookie to the sign-in page, remembering where it was going', async () => {
    const res = await app.inject({ url: '/console/probe?q=1', headers: { host: HOST } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/login?next=%2Fconsole%2Fprobe%3Fq%3D1');
    const login = await app.inject({ url: res.headers.location as string, headers: { host: HOST } });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('name="next" value="/console/probe?q=1"');
    expect(login.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('signs in with a known token: HttpOnly, SameSite=Strict cookie, back to the page; audited', async () => {
    audit.records.length = 0;
    const res = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { host: HOST, origin: `http://${HOST}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${TOKENS.viewer}&next=${encodeURIComponent('/console/probe')}`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/probe');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^cd_console=tok-viewer; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(audit.records).toEqual([
      expect.objectContaining({ who: 'viewer-1', role: 'viewer', op: 'console.sign-in', result: 'ok' }),
    ]);
  });

  it('refuses an unknown token with 401 and the API code, and never follows a next to another site', async () => {
    audit.records.length = 0;
    const res = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { host: HOST, origin: `http://${HOST}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=nope&next=//evil.example/',
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('CD_E_ADMIN_UNAUTHORIZED');
    expect(res.body).toContain('name="next" value="/console/"');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(audit.records[0]).toMatchObject({ who: 'anonymous', op: 'console.sign-in', result: 'refused' });
  });

  it('draws a page from the API with the user, the navigation and escaped input', async () => {
    const res = await app.inject({ url: '/console/probe?q=%3Cscript%3E', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<li>CD_E_OTHER</li>');
    expect(res.body).toContain('<p id="q">&lt;script&gt;</p>');
    expect(res.body).toContain('<a href="/console/probe" aria-current="page">Probe</a>');
    expect(res.body).toContain('<strong>viewer-1</strong>');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a role the API refuses gets the API 403 and its code on the page, nothing changed', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/console/probe/claim',
      headers: formFrom('viewer'),
      payload: 'id=x.dlq.deliver.erp:0:5',
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('data-error-code="CD_E_ADMIN_FORBIDDEN"');
    expect(res.body).toContain('dlq.claim needs the role operator');
  });

  it('an allowed action redirects with a flash that the next page shows once', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/console/probe/claim',
      headers: formFrom('operator'),
      payload: 'id=x.dlq.deliver.erp:0:5',
    });
    expect(res.statusCode).toBe(303);
    const flash = String(res.headers['set-cookie']).split(';')[0]!;
    const next = await app.inject({
      url: '/console/probe',
      headers: { ...signedIn('operator'), cookie: `cd_console=${TOKENS.operator}; ${flash}` },
    });
    expect(next.body).toContain('claimed x.dlq.deliver.erp:0:5');
    expect(String(next.headers['set-cookie'])).toContain('cd_console_flash=; ');
  });

  it('refuses a form from another origin, or with no origin at all, before the API sees it', async () => {
    for (const origin of ['http://evil.example', undefined]) {
      const headers: Record<string, string> = { ...formFrom('admin') };
      if (origin) headers.origin = origin;
      else delete headers.origin;
      const res = await app.inject({ method: 'POST', url: '/console/probe/claim', headers, payload: 'id=x' });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('CD_E_CONSOLE_ORIGIN_REFUSED');
    }
  });

  it('a fragment for live refresh answers 401 (not a redirect) once the token is gone', async () => {
    const ok = await app.inject({
      url: '/console/probe/live',
      headers: { ...signedIn('viewer'), 'x-console-fragment': '1' },
    });
    expect(ok.body).toBe('<span>live</span>');
    const gone = await app.inject({
      url: '/console/probe/live',
      headers: { cookie: 'cd_console=revoked', host: HOST, 'x-console-fragment': '1' },
    });
    expect(gone.statusCode).toBe(401);
  });

  it('serves its assets from the package with a content hash, and / goes to the console', async () => {
    const page = await app.inject({ url: '/console/probe', headers: signedIn('viewer') });
    const js = /src="(\/console\/assets\/console\.js\?v=[0-9a-f]{12})"/.exec(page.body)![1]!;
    const res = await app.inject({ url: js });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toContain('data-refresh');
    const root = await app.inject({ url: '/' });
    expect(root.headers.location).toBe('/console/');
    const home = await app.inject({ url: '/console/', headers: signedIn('viewer') });
    expect(home.headers.location).toBe('/console/probe');
  });

  it('an unknown console page is a 404 page; the API keeps answering JSON', async () => {
    const res = await app.inject({ url: '/console/nope', headers: signedIn('viewer') });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    const api = await app.inject({
      url: '/api/v1/nope',
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'CD_E_ADMIN_ROUTE_UNKNOWN' });
  });
});
