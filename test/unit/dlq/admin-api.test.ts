import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { avroType } from '../../../core/avro';
import type { SchemaResolver } from '../../../core/registry';
import {
  ADMIN_OPERATIONS,
  ADMIN_ROLES,
  allowed,
  buildAdminApp,
  createAdminApi,
  tokenSha256,
  type AdminOpName,
  type AdminOperation,
} from '../../../dlq';
import { WITHHELD_TEXT } from '../../../dlq/mask-text';
import { encodeEvent, entryVersion, exampleEvent, loadCatalog } from '../../../schemas';
import { fakeAudit, fakeReplay, fakeStore, fakeTracer, letter } from './fakes';
import { overviewDoc } from './overview-fixture';
import { fakeFlowReader } from './flow-fakes';

const TOKENS = {
  viewer: 'tok-viewer',
  operator: 'tok-operator',
  admin: 'tok-admin',
} as const;

const ID = 'x.dlq.deliver.erp:0:5';

/** Operations audited only when refused or failed (docs/operations.md, "The audit trail"). */
const QUIET = new Set<string>(['hub.overview']);

/** A request for each operation that passes validation, so only the role decides. */
const REQUEST: Record<AdminOpName, { url: string; body?: unknown }> = {
  'dlq.list': { url: '/api/v1/dlq?subscriber=erp' },
  'dlq.groups': { url: '/api/v1/dlq/groups' },
  'dlq.queue': { url: '/api/v1/dlq/queue' },
  'dlq.show': { url: `/api/v1/dlq/${encodeURIComponent(ID)}` },
  'dlq.dry-run': { url: '/api/v1/dlq/replay', body: { selector: { ids: [ID] }, dryRun: true } },
  'dlq.replays': { url: '/api/v1/dlq/replays' },
  'dlq.replay-show': { url: '/api/v1/dlq/replays/job-1' },
  'events.trace': { url: '/api/v1/events/ev-5/trace' },
  'sites.scorecard': { url: '/api/v1/sites/scorecard?since=24h' },
  'hub.overview': { url: '/api/v1/overview' },
  'catalog.list': { url: '/api/v1/catalog' },
  'flows.summary': { url: '/api/v1/flows' },
  'flows.overdue': { url: '/api/v1/flows/overdue?limit=5' },
  'flows.show': { url: '/api/v1/flows/order-to-cash/ord-1' },
  'dlq.claim': { url: '/api/v1/dlq/claim', body: { selector: { ids: [ID] } } },
  'dlq.assign': { url: '/api/v1/dlq/assign', body: { selector: { ids: [ID] }, owner: 'bob' } },
  'dlq.note': { url: '/api/v1/dlq/note', body: { selector: { ids: [ID] }, text: 'looking' } },
  'dlq.resolve': { url: '/api/v1/dlq/resolve', body: { selector: { ids: [ID] } } },
  'dlq.discard': { url: '/api/v1/dlq/discard', body: { selector: { ids: [ID] }, reason: 'test data' } },
  'dlq.replay': { url: '/api/v1/dlq/replay', body: { selector: { ids: [ID] } } },
  'dlq.replay-pause': { url: '/api/v1/dlq/replays/job-1/pause', body: {} },
  'dlq.replay-resume': { url: '/api/v1/dlq/replays/job-1/resume', body: {} },
  'dlq.replay-cancel': { url: '/api/v1/dlq/replays/job-1/cancel', body: {} },
  'audit.list': { url: '/api/v1/audit?limit=5' },
  'dlq.reindex': { url: '/api/v1/dlq/reindex', body: {} },
  'events.tail-personal': { url: '/api/v1/events/tail-personal?topic=cd.deliver.erp' },
};

async function app(options: { maxSelection?: number } = {}) {
  const catalog = loadCatalog();
  const entry = catalog.byEventType('OrderReleased')!;
  const version = entryVersion(entry);
  const event = exampleEvent('OrderReleased');
  const value = await encodeEvent(() => 7, entry, version.version, event);
  const resolver: SchemaResolver = {
    getSchemaById: async (id) => {
      if (id !== 7) throw new Error(`unknown id ${id}`);
      return { schema: version.schema, type: avroType(version.schema), subject: entry.subject };
    },
  };
  const store = fakeStore(
    [
      letter(ID),
      letter('x.dlq.deliver.erp:0:6', { code: 'CD_E_OTHER' }),
      letter('x.dlq.router:0:1', { kind: 'router' }),
    ],
    {
      [ID]: { key: Buffer.from('ATL-1'), value, headers: { 'cd-last-status': '400' } },
      'x.dlq.router:0:1': { key: null, value: Buffer.from('not avro at all, Jane Doe'), headers: {} },
    },
  );
  const audit = fakeAudit();
  const replay = fakeReplay();
  await replay.start({ ids: [ID] }, { by: 'seed' });
  const a = await buildAdminApp({
    config: () => ({
      hub: {
        admin: {
          tokens: ADMIN_ROLES.map((role) => ({ name: `${role}-1`, role, sha256: tokenSha256(TOKENS[role]) })),
        },
      },
      deadLetters: { replay: { maxSelection: options.maxSelection ?? 100, ratePerSecond: 50 } },
    }),
    store,
    audit,
    resolver,
    replay,
    tracer: fakeTracer,
    reindex: async () => ({ letters: 3, states: 0 }),
    scorecards: async () => [],
    overview: async () => overviewDoc(),
    flows: fakeFlowReader({
      summary: [{ flow: 'order-to-cash', open: 1, overdue: 0 }],
      instances: [
        {
          flow: 'order-to-cash',
          key: 'ord-1',
          siteId: 'us-atl',
          startedAt: 1000,
          steps: [{ eventType: 'OrderReleased', eventId: 'ev-1', at: 1000, late: false }],
          complete: false,
          alerts: [],
        },
      ],
    }),
    catalog: () => catalog,
    clock: { now: () => 10_000 },
  });
  return { app: a, audit, store, event };
}

function call(a: FastifyInstance, op: AdminOpName, token?: string) {
  const o = ADMIN_OPERATIONS.find((x) => x.op === op)!;
  const r = REQUEST[op];
  return a.inject({
    method: o.method,
    url: r.url,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(r.body !== undefined ? { payload: r.body as object } : {}),
  });
}

describe('admin API: the role matrix', () => {
  // One app for the matrix: each case looks only at its own answer and audit record.
  let ctx: Awaited<ReturnType<typeof app>>;
  beforeAll(async () => {
    ctx = await app();
  });
  afterAll(() => ctx.app.close());
  beforeEach(() => {
    ctx.audit.records.length = 0;
  });
  it('every operation of the table has a request here, and the table has no duplicate name', () => {
    const ops = ADMIN_OPERATIONS.map((o) => o.op);
    expect(new Set(ops).size).toBe(ops.length);
    expect(Object.keys(REQUEST).sort()).toEqual([...ops].sort());
  });

  it('viewer reads and dry-runs; operator also works, replays and reads the audit; admin also reindexes', () => {
    const may = (role: 'viewer' | 'operator' | 'admin') =>
      (ADMIN_OPERATIONS as readonly AdminOperation[])
        .filter((o) => allowed(role, o.op as AdminOpName))
        .map((o) => o.op);
    expect(may('viewer').sort()).toEqual(
      [
        'dlq.list',
        'dlq.groups',
        'dlq.queue',
        'dlq.show',
        'dlq.dry-run',
        'dlq.replays',
        'dlq.replay-show',
        'events.trace',
        'sites.scorecard',
        'hub.overview',
        'catalog.list',
        'flows.summary',
        'flows.overdue',
        'flows.show',
      ].sort(),
    );
    expect(may('operator').sort()).toEqual(
      ADMIN_OPERATIONS.map((o) => o.op)
        .filter((o) => o !== 'dlq.reindex' && o !== 'events.tail-personal')
        .sort(),
    );
    expect(may('admin').length).toBe(ADMIN_OPERATIONS.length);
  });

  it.each(ADMIN_OPERATIONS.map((o) => [o.op]))(
    '%s: 401 without a token or with an unknown one, audited',
    async (op) => {
      const { app: a, audit } = ctx;
      for (const token of [undefined, 'nobody-knows-me']) {
        const res = await call(a, op as AdminOpName, token);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_UNAUTHORIZED' });
        // The body is not read for a request without a valid token: the shared replay route is audited as dlq.replay.
        expect(audit.records[0]).toMatchObject({
          who: 'anonymous',
          op: op === 'dlq.dry-run' ? 'dlq.replay' : op,
          result: 'refused',
          code: 'CD_E_ADMIN_UNAUTHORIZED',
        });
      }
    },
  );

  it.each(ADMIN_OPERATIONS.flatMap((o) => ADMIN_ROLES.map((r) => [o.op, r] as const)))(
    '%s as %s: allowed by the table, or 403 naming the role needed, audited',
    async (op, role) => {
      const { app: a, audit } = ctx;
      const res = await call(a, op as AdminOpName, TOKENS[role]);
      const last = audit.records[0]!;
      if (allowed(role, op as AdminOpName) && QUIET.has(op)) {
        // A read of counts a console polls: not audited when it succeeds (refusals are).
        expect(res.statusCode).toBe(200);
        expect(audit.records).toHaveLength(0);
        return;
      }
      expect(last).toMatchObject({ who: `${role}-1`, role, op });
      if (allowed(role, op as AdminOpName)) {
        expect([200, 202]).toContain(res.statusCode);
        expect(last.result).toBe('ok');
      } else {
        const needed = ADMIN_OPERATIONS.find((o) => o.op === op)!.role;
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_FORBIDDEN', details: { needed, role } });
        expect(res.json().message).toContain(`needs the role ${needed}`);
        expect(last).toMatchObject({ result: 'refused', code: 'CD_E_ADMIN_FORBIDDEN' });
      }
      expect(audit.records).toHaveLength(1);
    },
  );
});

describe('admin API: requests', () => {
  it('catalog.list and flows.*: the catalog without schemas, flow instances, unknown ones coded 404', async () => {
    const { app: a } = await app();
    const get = (url: string) => a.inject({ url, headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    let res = await get('/api/v1/catalog');
    expect(res.statusCode).toBe(200);
    const order = (res.json().eventTypes as Array<Record<string, unknown>>).find(
      (e) => e.eventType === 'OrderReleased',
    )!;
    expect(order).toMatchObject({
      domain: 'order',
      versions: [
        { version: 1, status: 'deprecated', retireAfter: '2027-06-30' },
        { version: 2, status: 'active' },
      ],
    });
    expect(order.personalDataFields).toContain('shipTo.email');
    expect(JSON.stringify(order)).not.toContain('"schema"');
    res = await get('/api/v1/flows');
    expect(res.json()).toEqual({ flows: [{ flow: 'order-to-cash', open: 1, overdue: 0 }] });
    res = await get('/api/v1/flows/overdue?limit=0');
    expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_REQUEST_INVALID' });
    res = await get('/api/v1/flows/order-to-cash/ord-1');
    expect(res.json()).toMatchObject({ flow: 'order-to-cash', key: 'ord-1', siteId: 'us-atl' });
    res = await get('/api/v1/flows/order-to-cash/ord-404');
    expect([res.statusCode, res.json().code]).toEqual([404, 'CD_E_FLOW_INSTANCE_NOT_FOUND']);
    res = await get('/api/v1/flows/nope/ord-1');
    expect([res.statusCode, res.json().code]).toEqual([404, 'CD_E_FLOW_UNKNOWN']);
    // Path parameters are bounded by the routes' schemas (a coded 400), not by Fastify's 100 characters.
    res = await get(`/api/v1/events/${'e'.repeat(201)}/trace`);
    expect([res.statusCode, res.json().code]).toEqual([400, 'CD_E_ADMIN_REQUEST_INVALID']);
    expect(res.json().message).toContain('params.eventId');
    res = await get(`/api/v1/events/${'e'.repeat(150)}/trace`);
    expect(res.statusCode).toBe(200);
    await a.close();
  });

  it('refuses bad selectors and unknown ids with a coded error naming the field', async () => {
    const { app: a, audit } = await app();
    const post = (url: string, payload: object) =>
      a.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${TOKENS.operator}` } });
    let res = await post('/api/v1/dlq/claim', { selector: { ids: ['nope'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    expect(res.json().message).toContain('selector.ids.0');
    res = await post('/api/v1/dlq/claim', { selector: {} });
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    res = await post('/api/v1/dlq/claim', { selector: { filter: {} } });
    expect(res.json().message).toContain('an empty filter would select every dead letter');
    res = await post('/api/v1/dlq/claim', { selector: { filter: { state: 'lost' } } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    res = await post('/api/v1/dlq/claim', { selector: { filter: { since: 'yesterday' } } });
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    expect(res.json().message).toContain('selector.filter.since');
    res = await post('/api/v1/dlq/discard', { selector: { ids: [ID] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_REQUEST_INVALID' });
    expect(res.json().message).toContain('reason');
    res = await post('/api/v1/dlq/discard', { selector: { ids: [ID] }, reason: 'x', reasn: 'typo' });
    expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_REQUEST_INVALID' });
    expect(res.json().message).toContain('body.reasn: is not a field of this operation');
    expect(audit.records[0]).toMatchObject({
      op: 'dlq.discard',
      result: 'failed',
      code: 'CD_E_ADMIN_REQUEST_INVALID',
    });

    const get = (url: string) => a.inject({ url, headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    res = await get(`/api/v1/dlq/${encodeURIComponent('x.dlq.deliver.erp:0:99')}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_NOT_FOUND' });
    res = await get('/api/v1/dlq/not-an-id');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    res = await get('/api/v1/dlq?state=lost');
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTOR_INVALID' });
    res = await get('/api/v1/dlq?limit=0');
    expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_REQUEST_INVALID' });
    res = await get('/api/v1/dlq/replays/job-404');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_JOB_NOT_FOUND' });
    res = await get('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'CD_E_ADMIN_ROUTE_UNKNOWN' });
    expect(audit.records[0]).toMatchObject({
      who: 'viewer-1',
      result: 'failed',
      code: 'CD_E_ADMIN_ROUTE_UNKNOWN',
    });
    await a.close();
  });

  it('applies a change per letter and reports each refusal; counts go to the audit', async () => {
    const { app: a, audit, store } = await app();
    const post = (url: string, payload: object, token: string = TOKENS.operator) =>
      a.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
    let res = await post('/api/v1/dlq/claim', { selector: { ids: [ID, 'x.dlq.deliver.erp:0:77'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      op: 'claim',
      selected: 2,
      applied: 1,
      refused: 1,
      items: [
        { id: ID, ok: true, state: 'claimed', owner: 'operator-1' },
        { id: 'x.dlq.deliver.erp:0:77', ok: false, code: 'CD_E_DLQ_NOT_FOUND' },
      ],
    });
    expect(audit.records[0]).toMatchObject({
      op: 'dlq.claim',
      count: 1,
      refused: 1,
      result: 'ok',
      selector: { ids: [ID, 'x.dlq.deliver.erp:0:77'] },
    });
    // Claimed by operator-1: the admin cannot claim it, only assign it.
    res = await post('/api/v1/dlq/claim', { selector: { ids: [ID] } }, TOKENS.admin);
    expect(res.json().items[0]).toMatchObject({ ok: false, code: 'CD_E_DLQ_STATE_INVALID' });
    expect(res.json().items[0].message).toContain('claimed by operator-1');
    res = await post('/api/v1/dlq/discard', {
      selector: { filter: { code: 'CD_E_DELIVERY_REJECTED' } },
      reason: 'test order',
    });
    expect(res.json()).toMatchObject({ applied: 2, refused: 0 });
    expect((await store.get(ID))!.state).toBe('discarded');
    expect((await store.get(ID))!.notes.at(-1)).toMatchObject({
      by: 'operator-1',
      text: 'discarded: test order',
    });
    res = await post('/api/v1/dlq/resolve', { selector: { ids: [ID] } });
    expect(res.json().items[0]).toMatchObject({ ok: false, code: 'CD_E_DLQ_STATE_INVALID' });
    await a.close();
  });

  it('refuses a selection larger than deadLetters.replay.maxSelection before changing anything', async () => {
    const { app: a, store } = await app({ maxSelection: 1 });
    const res = await a.inject({
      method: 'POST',
      url: '/api/v1/dlq/discard',
      payload: { selector: { filter: { subscriber: 'erp' } }, reason: 'x' },
      headers: { authorization: `Bearer ${TOKENS.operator}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'CD_E_DLQ_SELECTION_TOO_LARGE' });
    expect((await store.get(ID))!.state).toBe('new');
    await a.close();
  });

  it('replay: a dry run counts outcomes; a start answers 202 with the job; a rate above the limit is refused', async () => {
    const { app: a } = await app();
    const post = (payload: object) =>
      a.inject({
        method: 'POST',
        url: '/api/v1/dlq/replay',
        payload,
        headers: { authorization: `Bearer ${TOKENS.operator}` },
      });
    let res = await post({ selector: { ids: [ID] }, dryRun: true });
    expect(res.json()).toMatchObject({ dryRun: true, outcomes: { deliver: 1 }, predictions: [{ id: ID }] });
    res = await post({ selector: { ids: [ID] }, ratePerSecond: 500 });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('deadLetters.replay.ratePerSecond (50)');
    res = await post({ selector: { ids: [ID] }, ratePerSecond: 5 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      dryRun: false,
      job: { state: 'running', ratePerSecond: 5, createdBy: 'operator-1' },
    });
    await a.close();
  });

  it('serves the OpenAPI document without a token, listing every operation', async () => {
    const { app: a, audit } = await app();
    const res = await a.inject({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const o of ADMIN_OPERATIONS) {
      const p = `/api/v1${o.path.replace(/:(\w+)/g, '{$1}')}`;
      expect(doc.paths[p]?.[o.method.toLowerCase()]).toBeDefined();
    }
    expect(audit.records).toHaveLength(0);
    await a.close();
  });
});

describe('admin API: personal fields in dlq show', () => {
  const show = async (a: FastifyInstance, token: string, id = ID) =>
    (
      await a.inject({
        url: `/api/v1/dlq/${encodeURIComponent(id)}`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();

  it('masks personal fields for viewer and operator, shows them to admin', async () => {
    const { app: a, event } = await app();
    const name = (event.shipTo as { name: string }).name;
    for (const role of ['viewer', 'operator'] as const) {
      const body = await show(a, TOKENS[role]);
      expect(body.event).toMatchObject({
        decoded: true,
        masked: 'personal-fields',
        eventType: 'OrderReleased',
      });
      expect(body.event.value.shipTo.name).toBe('***');
      expect(body.event.value.customerName).toBe('***');
      expect(body.event.value.orderId).toBe(event.orderId);
      expect(JSON.stringify(body)).not.toContain(name);
    }
    const body = await show(a, TOKENS.admin);
    expect(body.event).toMatchObject({ decoded: true, masked: 'none' });
    expect(body.event.value.shipTo.name).toBe(name);
    expect(body).toMatchObject({
      key: 'ATL-1',
      history: { lastStatus: '400', attempts: 1 },
      reason: { code: 'CD_E_DELIVERY_REJECTED' },
    });
    await a.close();
  });

  it('bytes that do not decode: the framing only below admin, every byte in hex for admin', async () => {
    const { app: a } = await app();
    const masked = await show(a, TOKENS.operator, 'x.dlq.router:0:1');
    expect(masked.event).toMatchObject({
      decoded: false,
      code: 'CD_E_BAD_FRAMING',
      masked: 'bytes',
      bytes: 25,
    });
    expect(masked.event.hex).toBe(Buffer.from('not a').toString('hex'));
    const full = await show(a, TOKENS.admin, 'x.dlq.router:0:1');
    expect(Buffer.from(full.event.hex, 'hex').toString()).toBe('not avro at all, Jane Doe');
    await a.close();
  });
});

describe('admin API: personal data in error texts', () => {
  const get = async (a: FastifyInstance, token: string, url: string) =>
    (await a.inject({ url, headers: { authorization: `Bearer ${token}` } })).json();
  const showUrl = (id: string) => `/api/v1/dlq/${encodeURIComponent(id)}`;
  const listed = async (a: FastifyInstance, token: string, id: string) =>
    ((await get(a, token, '/api/v1/dlq?limit=50')).items as Array<{ id: string; message: string }>).find(
      (r) => r.id === id,
    )!.message;

  it("a receiver's answer quoting the event: its personal values masked below admin, whole for admin", async () => {
    const { app: a, store, event } = await app();
    const customer = event.customerName as string;
    const shipTo = (event.shipTo as { name: string }).name;
    const { value } = (await store.payload(ID))!;
    const quote = `HTTP 422: {"error":"customer ${customer} (ship to ${shipTo.toUpperCase()}) unknown"}`;
    const id = 'x.dlq.deliver.erp:0:9';
    await store.index(letter(id, { message: quote }), {
      key: Buffer.from('ATL-9'),
      value,
      headers: { 'cd-error-message': quote, 'cd-last-error': quote, 'cd-last-status': '422' },
    });
    const masked = 'HTTP 422: {"error":"customer *** (ship to ***) unknown"}';
    for (const role of ['viewer', 'operator'] as const) {
      const body = await get(a, TOKENS[role], showUrl(id));
      expect(body.reason.message).toBe(masked);
      expect(body.history.lastError).toBe(masked);
      expect(body.headers['cd-error-message']).toBe(masked);
      expect(body.record.message).toBe(masked);
      expect(JSON.stringify(body).toLowerCase()).not.toContain(customer.toLowerCase());
      expect(JSON.stringify(body).toLowerCase()).not.toContain(shipTo.toLowerCase());
      expect(await listed(a, TOKENS[role], id)).toBe(masked);
    }
    const body = await get(a, TOKENS.admin, showUrl(id));
    expect(body.reason.message).toBe(quote);
    expect(body.history.lastError).toBe(quote);
    expect(await listed(a, TOKENS.admin, id)).toBe(quote);
    await a.close();
  });

  it('an event that does not decode: its error texts withheld below admin (nothing to mask them by)', async () => {
    const { app: a, store } = await app();
    const id = 'x.dlq.router:0:2';
    const quote = 'field customerName "Jane Doe" is not allowed here';
    await store.index(letter(id, { kind: 'router', message: quote }), {
      key: null,
      value: Buffer.from('not avro, Jane Doe'),
      headers: { 'cd-error-message': quote },
    });
    for (const role of ['viewer', 'operator'] as const) {
      const body = await get(a, TOKENS[role], showUrl(id));
      expect(body.reason.message).toBe(WITHHELD_TEXT);
      expect(body.headers['cd-error-message']).toBe(WITHHELD_TEXT);
      expect(await listed(a, TOKENS[role], id)).toBe(WITHHELD_TEXT);
    }
    expect((await get(a, TOKENS.admin, showUrl(id))).reason.message).toBe(quote);
    await a.close();
  });
});

describe('admin API: listening', () => {
  it('a port already taken is CD_E_ADMIN_LISTEN_FAILED naming the address and the fix', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    const api = createAdminApi({
      host: '127.0.0.1',
      port,
      config: () => ({
        hub: { admin: { tokens: [] } },
        deadLetters: { replay: { maxSelection: 1, ratePerSecond: 1 } },
      }),
      store: fakeStore([]),
      audit: fakeAudit(),
      resolver: { getSchemaById: async () => Promise.reject(new Error('none')) },
    });
    await expect(api.start()).rejects.toMatchObject({
      code: 'CD_E_ADMIN_LISTEN_FAILED',
      message: expect.stringContaining(`cannot listen on 127.0.0.1:${port}`),
    });
    expect(api.url).toBeUndefined();
    await new Promise((r) => taken.close(r));
  });
});
