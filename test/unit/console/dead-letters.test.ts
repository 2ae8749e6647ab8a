import type { FastifyInstance } from 'fastify';
import { avroType } from '../../../core/avro';
import type { SchemaResolver } from '../../../core/registry';
import type { DeadLetterRecord, DeadLetterStore } from '../../../dlq';
import { encodeEvent, entryVersion, exampleEvent, loadCatalog } from '../../../schemas';
import { letter, type FakeReplayCalls } from '../dlq/fakes';
import { consoleApp, formFrom, signedIn, type Role } from './console-app';

/** A storm: 55 letters of one group (more than one page), and one letter of another. */
const G = 'CD_E_DELIVERY_REJECTED|us-dal|central-erp|2';
const OTHER = 'CD_E_OTHER|us-atl|tms|1';
const storm = (i: number) => `cd.dlq.deliver.central-erp:0:${i}`;
const FIRST = storm(1);
const ROUTER = 'cd.dlq.router:0:1';

function letters(): DeadLetterRecord[] {
  const common = { subscriber: 'central-erp', site: 'us-dal', group: G, schemaVersion: 2 };
  return [
    ...Array.from({ length: 55 }, (_, k) =>
      letter(storm(k + 1), { ...common, lastFailedAt: 2000 + k, message: 'HTTP 422: <script>x</script>' }),
    ),
    letter('cd.dlq.deliver.tms:0:1', {
      code: 'CD_E_OTHER',
      subscriber: 'tms',
      group: OTHER,
      lastFailedAt: 1,
    }),
    letter(ROUTER, { kind: 'router', group: 'CD_E_BAD_FRAMING|us-atl|-|-', subscriber: undefined }),
  ];
}

describe('console: dead letters', () => {
  let app: FastifyInstance;
  let store: DeadLetterStore;
  let replay: FakeReplayCalls;
  let audit: Awaited<ReturnType<typeof consoleApp>>['audit'];
  let customer: string;

  beforeEach(async () => {
    const catalog = loadCatalog();
    const entry = catalog.byEventType('OrderReleased')!;
    const version = entryVersion(entry);
    const event = exampleEvent('OrderReleased');
    customer = (event.shipTo as { name: string }).name;
    const value = await encodeEvent(() => 7, entry, version.version, event);
    const resolver: SchemaResolver = {
      getSchemaById: async (id) => {
        if (id !== 7) throw new Error(`unknown id ${id}`);
        return { schema: version.schema, type: avroType(version.schema), subject: entry.subject };
      },
    };
    ({ app, store, replay, audit } = await consoleApp({
      letters: letters(),
      payloads: {
        [FIRST]: { key: Buffer.from('DAL-1'), value, headers: { 'cd-last-status': '422' } },
        [ROUTER]: { key: null, value: Buffer.from('not avro at all, Jane Doe'), headers: {} },
      },
      over: { resolver },
    }));
  });
  afterEach(() => app.close());

  const get = (url: string, role: Role = 'viewer') => app.inject({ url, headers: signedIn(role) });
  const post = (url: string, role: Role, fields: Array<[string, string]>) =>
    app.inject({
      method: 'POST',
      url,
      headers: formFrom(role),
      payload: new URLSearchParams(fields).toString(),
    });
  /** The page a redirect goes to, with the flash it set. */
  const follow = async (res: Awaited<ReturnType<typeof post>>, role: Role) => {
    const flash = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
    return app.inject({
      url: res.headers.location as string,
      headers: { ...signedIn(role), cookie: `${signedIn(role).cookie}; ${flash}` },
    });
  };
  const byId = async (id: string) => (await store.get(id))!;

  it('lists the incident groups with their counts, each linking to its letters; no letters before a choice', async () => {
    const res = await get('/console/dead-letters');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Dead letters</h1>');
    expect(res.body).toContain(`data-group="${G}"`);
    expect(res.body).toContain(`data-group="${OTHER}"`);
    expect(res.body).toMatch(/data-open="55">55</);
    expect(res.body).toContain(`href="/console/dead-letters?group=${encodeURIComponent(G)}"`);
    expect(res.body).not.toContain('name="id"');
    expect(res.body).toContain('<a href="/console/dead-letters" aria-current="page">Dead letters</a>');
    // Filters narrow the groups (the API's dlq.groups filter).
    const tms = await get('/console/dead-letters?subscriber=tms');
    expect(tms.body).toContain(`data-group="${OTHER}"`);
    expect(tms.body).not.toContain(`data-group="${G}"`);
  });

  it("a group's letters: one page of 50 with checkboxes, the API's cursor for the next; escaped text", async () => {
    const list = jest.spyOn(store, 'list');
    const ids = jest.spyOn(store, 'ids');
    const res = await get(`/console/dead-letters?group=${encodeURIComponent(G)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/type="checkbox" name="id"/g)).toHaveLength(50);
    expect(res.body).toContain('data-total="55"');
    expect(list).toHaveBeenCalledTimes(1);
    expect(list.mock.calls[0]![1]).toEqual({ limit: 50 });
    expect(ids).not.toHaveBeenCalled();
    const next = /href="([^"]*cursor=[^"]*)" rel="next"/.exec(res.body)![1]!.replace(/&amp;/g, '&');
    const second = await get(next);
    expect(second.body.match(/type="checkbox" name="id"/g)).toHaveLength(5);
    expect(second.body).toContain('First page');
    expect(second.body).not.toContain('rel="next"');
    expect(res.body).not.toContain('<script>x</script>');
  });

  it('a viewer sees a letter with its personal fields masked, and no claim, replay or discard button', async () => {
    const res = await get(`/console/dead-letters/${encodeURIComponent(FIRST)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<h1>Dead letter ${FIRST}</h1>`);
    expect(res.body).toContain('data-masked="personal-fields"');
    expect(res.body).toContain('&quot;***&quot;');
    expect(res.body).toContain('<code>customerName</code>');
    expect(res.body).not.toContain(customer);
    expect(res.body).toContain(`href="/console/trace?eventId=ev-1"`);
    expect(res.body).toContain('<th scope="row"><code>cd-last-status</code></th>');
    expect(res.body).toContain('data-action="dry-run"');
    for (const action of ['claim', 'assign', 'note', 'resolve', 'discard', 'replay'])
      expect(res.body).not.toContain(`data-action="${action}"`);
    const list = await get(`/console/dead-letters?group=${encodeURIComponent(G)}`);
    expect(list.body).not.toContain('data-action="claim"');
    expect(list.body).not.toContain('data-action="discard"');
  });

  it('an operator sees the mask too and the work buttons; an admin sees the personal fields', async () => {
    const op = await get(`/console/dead-letters/${encodeURIComponent(FIRST)}`, 'operator');
    expect(op.body).not.toContain(customer);
    expect(op.body).toContain('data-action="claim"');
    expect(op.body).toMatch(/data-action="discard"\s+data-confirm="/);
    const admin = await get(`/console/dead-letters/${encodeURIComponent(FIRST)}`, 'admin');
    expect(admin.body).toContain('data-masked="none"');
    expect(admin.body).toContain(customer);
    // Bytes that do not decode: the framing only below admin.
    const bytes = await get(`/console/dead-letters/${encodeURIComponent(ROUTER)}`);
    expect(bytes.body).toContain('data-masked="bytes"');
    expect(bytes.body).not.toContain(Buffer.from('Jane').toString('hex'));
  });

  it('claim on the ticked letters goes to the API with those ids and comes back with a flash', async () => {
    const back = `/console/dead-letters?group=${encodeURIComponent(G)}`;
    const res = await post('/console/dead-letters/claim', 'operator', [
      ['back', back],
      ['scope', 'ids'],
      ['group', G],
      ['id', storm(1)],
      ['id', storm(2)],
    ]);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(back);
    expect(audit.records[0]).toMatchObject({
      op: 'dlq.claim',
      who: 'operator-1',
      selector: { ids: [storm(1), storm(2)] },
      count: 2,
    });
    expect(await byId(storm(1))).toMatchObject({ state: 'claimed', owner: 'operator-1' });
    expect((await byId(storm(3))).state).toBe('new');
    const page = await follow(res, 'operator');
    expect(page.body).toContain('<p class="flash ok">Claimed 2 of 2</p>');
  });

  it("claim of every letter on the page sends the page's ids (no ticking 50 boxes)", async () => {
    const list = await get(`/console/dead-letters?group=${encodeURIComponent(G)}`, 'operator');
    expect(list.body).toMatch(/the 50\s+letter\(s\) on this page/);
    const pageIds = [...list.body.matchAll(/name="pageId" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(pageIds).toHaveLength(50);
    const res = await post('/console/dead-letters/claim', 'operator', [
      ['scope', 'page'],
      ['id', storm(1)],
      ...pageIds.map((id): [string, string] => ['pageId', id]),
    ]);
    expect(res.statusCode).toBe(303);
    expect(audit.records[0]).toMatchObject({ op: 'dlq.claim', selector: { ids: pageIds }, count: 50 });
    expect((await follow(res, 'operator')).body).toContain('Claimed 50 of 50');
  });

  it('discard of a whole group sends its filter with the reason; a note goes with the text', async () => {
    const note = await post('/console/dead-letters/note', 'operator', [
      ['scope', 'filter'],
      ['group', OTHER],
      ['text', 'ERP team adds customer C-3300'],
    ]);
    expect(note.statusCode).toBe(303);
    expect((await byId('cd.dlq.deliver.tms:0:1')).notes).toEqual([
      expect.objectContaining({ by: 'operator-1', text: 'ERP team adds customer C-3300' }),
    ]);
    const res = await post('/console/dead-letters/discard', 'operator', [
      ['back', '/console/dead-letters'],
      ['scope', 'filter'],
      ['group', OTHER],
      ['reason', 'test events from the Atlanta pilot'],
    ]);
    expect(res.statusCode).toBe(303);
    expect(audit.records[0]).toMatchObject({
      op: 'dlq.discard',
      selector: { filter: { group: OTHER } },
      count: 1,
    });
    expect((await byId('cd.dlq.deliver.tms:0:1')).state).toBe('discarded');
    expect((await follow(res, 'operator')).body).toContain('Discarded 1 of 1');
  });

  it('discard without a reason is CD_E_CONSOLE_FORM_INVALID naming the field; nothing reaches the API', async () => {
    audit.records.length = 0;
    const res = await post('/console/dead-letters/discard', 'operator', [
      ['id', storm(1)],
      ['reason', '  '],
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('data-error-code="CD_E_CONSOLE_FORM_INVALID"');
    expect(res.body).toContain('reason: a discard needs a reason');
    expect(audit.records).toEqual([]);
    expect((await byId(storm(1))).state).toBe('new');
    const none = await post('/console/dead-letters/claim', 'operator', [['scope', 'ids']]);
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('id: select at least one dead letter');
  });

  it('a viewer posting a claim gets the API 403 page; nothing changes', async () => {
    const res = await post('/console/dead-letters/claim', 'viewer', [['id', storm(1)]]);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('data-error-code="CD_E_ADMIN_FORBIDDEN"');
    expect((await byId(storm(1))).state).toBe('new');
  });

  it('dry run of a group: a page of outcomes with "Replay these N", which replays the same selector', async () => {
    const dry = await post('/console/dead-letters/dry-run', 'operator', [
      ['back', '/console/dead-letters'],
      ['scope', 'filter'],
      ['group', G],
      ['owner', ''],
    ]);
    expect(dry.statusCode).toBe(303);
    expect(dry.headers.location).toBe(
      `/console/dead-letters/dry-run?scope=filter&group=${encodeURIComponent(G)}`,
    );
    const page = await get(dry.headers.location as string, 'operator');
    expect(page.statusCode).toBe(200);
    expect(replay.dryRuns).toEqual([{ filter: { group: G } }]);
    expect(page.body).toContain('<tr data-outcome-count="deliver">');
    expect(page.body).toContain('<td class="num" data-total>55</td>');
    expect(page.body).toContain('Replay these 55');
    expect(page.body).toContain(`<input type="hidden" name="group" value="${G}" />`);
    expect((await byId(storm(1))).state).toBe('new');

    const viewer = await get(dry.headers.location as string, 'viewer');
    expect(viewer.statusCode).toBe(200);
    expect(viewer.body).not.toContain('data-action="replay"');

    const start = await post('/console/dead-letters/replay', 'operator', [
      ['scope', 'filter'],
      ['group', G],
    ]);
    expect(start.statusCode).toBe(303);
    expect(start.headers.location).toBe('/console/replays/job-1');
    expect(replay.started).toEqual([{ filter: { group: G } }]);
    expect(audit.records[0]).toMatchObject({ op: 'dlq.replay', who: 'operator-1', count: 55 });
    expect((await follow(start, 'operator')).body).toContain('Replay job job-1 started: 55 letter(s)');
  });

  it('a job page shows live progress, steers by state, and stops refreshing at done', async () => {
    await post('/console/dead-letters/replay', 'operator', [
      ['id', storm(1)],
      ['id', storm(2)],
      ['id', storm(3)],
      ['id', storm(4)],
    ]);
    replay.advance('job-1', { done: 1, sent: 1 });
    const running = await get('/console/replays/job-1', 'operator');
    expect(running.statusCode).toBe(200);
    expect(running.body).toContain('data-refresh="/console/replays/job-1/live"');
    expect(running.body).toContain('data-job-state="running"');
    expect(running.body).toMatch(/<progress id="job-bar" max="4" value="1">\s*1 of 4\s*<\/progress>/);
    expect(running.body).toContain('<label for="job-bar">Handled</label>');
    expect(running.body).toContain('data-action="pause"');
    expect(running.body).toContain('data-action="cancel"');
    expect(running.body).not.toContain('data-final');
    // The steering reloads with the progress: the fragment of a running job offers pause.
    const runningLive = await app.inject({
      url: '/console/replays/job-1/live',
      headers: { ...signedIn('operator'), 'x-console-fragment': '1' },
    });
    expect(runningLive.body).toContain('data-action="pause"');
    const viewer = await get('/console/replays/job-1', 'viewer');
    expect(viewer.body).not.toContain('data-action="pause"');

    const paused = await post('/console/replays/job-1/pause', 'operator', []);
    expect(paused.statusCode).toBe(303);
    expect(paused.headers.location).toBe('/console/replays/job-1');
    const pausedPage = await follow(paused, 'operator');
    expect(pausedPage.body).toContain('Paused replay job job-1: paused, 1 of 4 handled');
    expect(pausedPage.body).toContain('data-action="resume"');
    expect(pausedPage.body).not.toContain('data-action="pause"');
    await post('/console/replays/job-1/resume', 'operator', []);

    replay.advance('job-1', { done: 4, sent: 3, skipped: 1, state: 'done' });
    const live = await app.inject({
      url: '/console/replays/job-1/live',
      headers: { ...signedIn('operator'), 'x-console-fragment': '1' },
    });
    expect(live.statusCode).toBe(200);
    expect(live.body).toMatch(/^<div class="job-progress" data-job-state="done" data-final>/);
    expect(live.body).toContain('4 of 4 (100%)');
    // Once it ended, the reloaded part offers no steering (the buttons do not outlive the job).
    expect(live.body).not.toContain('data-action=');
    expect(live.body).toMatch(/sent <strong data-sent>3<\/strong>, skipped <strong data-skipped>1<\/strong>/);
    const done = await get('/console/replays/job-1', 'operator');
    expect(done.body).not.toContain('data-refresh');
    expect(done.body).not.toContain('data-action="cancel"');

    const jobs = await get('/console/replays');
    expect(jobs.body).toContain('<tr data-job="job-1" data-job-state="done">');
  });

  it('an unknown job or letter is the API 404 page', async () => {
    const job = await get('/console/replays/nope');
    expect(job.statusCode).toBe(404);
    expect(job.body).toContain('CD_E_DLQ_JOB_NOT_FOUND');
    const one = await get(`/console/dead-letters/${encodeURIComponent('cd.dlq.deliver.erp:0:999')}`);
    expect(one.statusCode).toBe(404);
    expect(one.body).toContain('CD_E_DLQ_NOT_FOUND');
  });
});

describe('console: audit', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await consoleApp());
  });
  afterAll(() => app.close());

  it('shows the trail to an operator, filtered by who and operation', async () => {
    await app.inject({
      method: 'POST',
      url: '/console/dead-letters/claim',
      headers: formFrom('operator'),
      payload: 'id=x.dlq.deliver.erp:0:5',
    });
    const res = await app.inject({
      url: '/console/audit?who=operator-1&op=dlq',
      headers: signedIn('operator'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Audit trail</h1>');
    expect(res.body).toContain('<tr data-op="dlq.claim" data-result="ok">');
    expect(res.body).toContain('{&quot;ids&quot;:[&quot;x.dlq.deliver.erp:0:5&quot;]}');
    expect(res.body).not.toContain('data-op="audit.list"');
    expect(res.body).toContain('value="operator-1"');
  });

  it('a viewer gets the API 403 page; a since it cannot read is said beside the form', async () => {
    const viewer = await app.inject({ url: '/console/audit', headers: signedIn('viewer') });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.body).toContain('data-error-code="CD_E_ADMIN_FORBIDDEN"');
    expect(viewer.body).toContain('audit.list needs the role operator');
    const bad = await app.inject({
      url: '/console/audit?since=yesterday-ish',
      headers: signedIn('operator'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).toContain('<label for="a-since">Since</label>');
  });
});
