import { ADMIN_OPERATIONS, ADMIN_ROLES, allowed, type AdminOpName, type AdminOperation } from '../../../dlq';
import { NAMES, TOKENS, startApiHarness, type ApiHarness } from './api-harness';

/**
 * The admin API over HTTP against the real index, audit topic, Redis and registry (issue #14,
 * item 4 and the role matrix of the tests): every operation refused without a token (401) and
 * for each role too low (403, naming the role needed), each refusal audited on the topic and in
 * GET /audit; personal fields masked for viewer and operator and not for admin; bad selectors and
 * unknown ids answered with a coded 400/404; the OpenAPI document lists every operation.
 */
describe('dlq: the admin API, roles and audit', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.close());

  /** A valid request for each operation (so only the token decides between 401, 403 and the rest). */
  function request(op: AdminOpName): { path: string; body?: unknown } {
    const id = h.ids.erp[0]!;
    const sel = { selector: { ids: [id] } };
    const paths: Record<AdminOpName, { path: string; body?: unknown }> = {
      'dlq.list': { path: '/dlq?subscriber=erp' },
      'dlq.groups': { path: '/dlq/groups' },
      'dlq.queue': { path: '/dlq/queue' },
      'dlq.show': { path: `/dlq/${encodeURIComponent(id)}` },
      'dlq.dry-run': { path: '/dlq/replay', body: { ...sel, dryRun: true } },
      'dlq.replays': { path: '/dlq/replays' },
      'dlq.replay-show': { path: '/dlq/replays/job-x' },
      'events.trace': { path: '/events/some-event/trace' },
      'sites.scorecard': { path: '/sites/scorecard?since=24h' },
      'hub.overview': { path: '/overview' },
      'catalog.list': { path: '/catalog' },
      'flows.summary': { path: '/flows' },
      'flows.overdue': { path: '/flows/overdue?limit=5' },
      'flows.show': { path: '/flows/no-such-flow/k-1' },
      'dlq.claim': { path: '/dlq/claim', body: sel },
      'dlq.assign': { path: '/dlq/assign', body: { ...sel, owner: 'otto' } },
      'dlq.note': { path: '/dlq/note', body: { ...sel, text: 'looking' } },
      'dlq.resolve': { path: '/dlq/resolve', body: sel },
      'dlq.discard': { path: '/dlq/discard', body: { ...sel, reason: 'test' } },
      'dlq.replay': { path: '/dlq/replay', body: sel },
      'dlq.replay-pause': { path: '/dlq/replays/job-x/pause', body: {} },
      'dlq.replay-resume': { path: '/dlq/replays/job-x/resume', body: {} },
      'dlq.replay-cancel': { path: '/dlq/replays/job-x/cancel', body: {} },
      'audit.list': { path: '/audit' },
      'dlq.reindex': { path: '/dlq/reindex', body: {} },
      'events.tail-personal': { path: '/events/tail-personal?topic=cd.deliver.erp' },
    };
    return paths[op];
  }

  const methodOf = (op: AdminOpName) => ADMIN_OPERATIONS.find((o) => o.op === op)!.method;

  it('refuses every operation without a token (401) and for every role too low (403), and audits each refusal', async () => {
    const refusals: Array<{ op: string; who: string; code: string }> = [];
    const since = Date.now();
    for (const o of ADMIN_OPERATIONS as readonly AdminOperation[]) {
      const op = o.op as AdminOpName;
      const r = request(op);
      // The body of a request without a valid token is not read: the shared replay route is audited as dlq.replay.
      const auditedOp = op === 'dlq.dry-run' ? 'dlq.replay' : op;
      for (const token of [undefined, 'not-a-token']) {
        const res = await h.call(methodOf(op), r.path, token, r.body);
        expect([op, res.status, res.body.code]).toEqual([op, 401, 'CD_E_ADMIN_UNAUTHORIZED']);
        refusals.push({ op: auditedOp, who: 'anonymous', code: 'CD_E_ADMIN_UNAUTHORIZED' });
      }
      for (const role of ADMIN_ROLES.filter((x) => !allowed(x, op))) {
        const res = await h.call(methodOf(op), r.path, TOKENS[role], r.body);
        expect([op, role, res.status, res.body.code]).toEqual([op, role, 403, 'CD_E_ADMIN_FORBIDDEN']);
        expect(res.body.message).toContain(`${op} needs the role ${o.role}; ${NAMES[role]} has ${role}`);
        refusals.push({ op, who: NAMES[role], code: 'CD_E_ADMIN_FORBIDDEN' });
      }
    }
    // viewer: 12 operations refused, operator: 2 (reindex, tail-personal), admin: none; no token: all, twice.
    expect(refusals.filter((r) => r.who === NAMES.viewer)).toHaveLength(12);
    expect(refusals.filter((r) => r.who === NAMES.operator)).toEqual([
      { op: 'dlq.reindex', who: NAMES.operator, code: 'CD_E_ADMIN_FORBIDDEN' },
      { op: 'events.tail-personal', who: NAMES.operator, code: 'CD_E_ADMIN_FORBIDDEN' },
    ]);
    expect(refusals.filter((r) => r.who === 'anonymous')).toHaveLength(2 * ADMIN_OPERATIONS.length);

    const key = (r: { op: string; who: string; code?: string }) => `${r.op} ${r.who} ${r.code}`;
    const expected = refusals.map(key).sort();
    // On the audit topic: exactly these refusals since the test began, each with result refused.
    const onTopic = (await h.auditTopic()).filter((r) => r.at >= since && r.result === 'refused');
    expect(onTopic.map(key).sort()).toEqual(expected);
    expect(onTopic.find((r) => r.who === NAMES.viewer)).toMatchObject({ role: 'viewer' });
    // And in GET /audit (the Redis copy), read by an operator.
    const listed = await h.call('GET', `/audit?since=${since}&limit=1000`, TOKENS.operator);
    expect(listed.status).toBe(200);
    const refusedListed = (
      listed.body.records as Array<{ result: string; op: string; who: string; code: string }>
    )
      .filter((r) => r.result === 'refused')
      .map(key)
      .sort();
    expect(refusedListed).toEqual(expected);
    // The audit read itself is audited too, as the operator's.
    const again = await h.call('GET', `/audit?op=audit&who=${NAMES.operator}`, TOKENS.admin);
    expect(again.body.records[0]).toMatchObject({ op: 'audit.list', who: NAMES.operator, result: 'ok' });
  });

  it('lets each role do what the table allows (no 401/403), recording who did it', async () => {
    const statuses: string[] = [];
    for (const o of ADMIN_OPERATIONS as readonly AdminOperation[]) {
      const op = o.op as AdminOpName;
      const role = o.role;
      const r = request(op);
      const res = await h.call(methodOf(op), r.path, TOKENS[role], r.body);
      // Allowed: never 401/403, and never a failure of the API itself (some answer 4xx for this
      // request's content: an unknown job, a letter another operation has moved on).
      expect([op, res.status, res.status === 401 || res.status === 403 || res.status >= 500]).toEqual([
        op,
        res.status,
        false,
      ]);
      statuses.push(`${op} ${res.status} ${res.body?.code ?? ''}`.trim());
    }
    // Jobs named here do not exist; the letter is resolved by the time it would be replayed.
    expect(statuses).toEqual([
      'dlq.list 200',
      'dlq.groups 200',
      'dlq.queue 200',
      'dlq.show 200',
      'dlq.dry-run 200',
      'dlq.replays 200',
      'dlq.replay-show 404 CD_E_DLQ_JOB_NOT_FOUND',
      'events.trace 200',
      'sites.scorecard 200',
      'hub.overview 200',
      'catalog.list 200',
      'flows.summary 200',
      'flows.overdue 200',
      'flows.show 404 CD_E_FLOW_UNKNOWN',
      'dlq.claim 200',
      'dlq.assign 200',
      'dlq.note 200',
      'dlq.resolve 200',
      'dlq.discard 200',
      'dlq.replay 409 CD_E_DLQ_STATE_INVALID',
      'dlq.replay-pause 404 CD_E_DLQ_JOB_NOT_FOUND',
      'dlq.replay-resume 404 CD_E_DLQ_JOB_NOT_FOUND',
      'dlq.replay-cancel 404 CD_E_DLQ_JOB_NOT_FOUND',
      'audit.list 200',
      'dlq.reindex 200',
      'events.tail-personal 200',
    ]);
    const claimed = await h.call('GET', `/dlq/${encodeURIComponent(h.ids.erp[0]!)}`, TOKENS.viewer);
    expect(claimed.body.record).toMatchObject({ owner: 'otto' });
    expect(
      claimed.body.record.notes.map((n: { by: string; text: string }) => `${n.by}: ${n.text}`),
    ).toContain(`${NAMES.operator}: looking`);
  });

  it('masks personal fields for viewer and operator, and shows them to admin', async () => {
    const id = encodeURIComponent(h.ids.erp[1]!);
    for (const role of ['viewer', 'operator'] as const) {
      const res = await h.call('GET', `/dlq/${id}`, TOKENS[role]);
      expect(res.status).toBe(200);
      expect(res.body.event).toMatchObject({
        decoded: true,
        eventType: 'OrderReleased',
        masked: 'personal-fields',
      });
      expect(res.body.event.value.shipTo).toMatchObject({ name: '***', email: '***', city: 'Chicago' });
      expect(JSON.stringify(res.body)).not.toContain(h.personName);
    }
    const res = await h.call('GET', `/dlq/${id}`, TOKENS.admin);
    expect(res.body.event).toMatchObject({ decoded: true, masked: 'none' });
    expect(res.body.event.value.shipTo.name).toBe(h.personName);
    expect(res.body).toMatchObject({
      reason: { code: 'CD_E_DELIVERY_REJECTED', stage: 'deliver.http' },
      history: { attempts: 1, lastStatus: '422', lastError: 'CD_E_DELIVERY_REJECTED: unknown warehouse' },
      key: 'ORD-2',
      record: { subscriber: 'erp', kind: 'deliver' },
    });
    // Bytes that do not decode: their framing only below admin, all of them for admin.
    const router = encodeURIComponent(h.ids.router);
    const masked = (await h.call('GET', `/dlq/${router}`, TOKENS.viewer)).body.event;
    expect(masked).toMatchObject({ decoded: false, code: 'CD_E_BAD_FRAMING', masked: 'bytes' });
    expect(Buffer.from(masked.hex, 'hex').toString()).not.toContain('Jane');
    const full = (await h.call('GET', `/dlq/${router}`, TOKENS.local)).body.event;
    expect(Buffer.from(full.hex, 'hex').toString()).toBe('{"not":"avro","name":"Jane Roe"}');
  });

  it('answers bad selectors and unknown ids with a coded 400 or 404, and audits them as failed', async () => {
    const unknown = `${h.topics.dlqDeliver('erp')}:0:999`;
    let res = await h.call('GET', `/dlq/${encodeURIComponent(unknown)}`, TOKENS.viewer);
    expect([res.status, res.body.code]).toEqual([404, 'CD_E_DLQ_NOT_FOUND']);
    res = await h.call('GET', '/dlq/not-an-id', TOKENS.viewer);
    expect([res.status, res.body.code]).toEqual([400, 'CD_E_DLQ_SELECTOR_INVALID']);
    res = await h.call('GET', '/dlq?since=last-tuesday', TOKENS.viewer);
    expect([res.status, res.body.code]).toEqual([400, 'CD_E_DLQ_SELECTOR_INVALID']);
    expect(res.body.message).toContain('query.since');
    res = await h.call('POST', '/dlq/discard', TOKENS.operator, { selector: { ids: ['x'] }, reason: 'r' });
    expect([res.status, res.body.code]).toEqual([400, 'CD_E_DLQ_SELECTOR_INVALID']);
    res = await h.call('POST', '/dlq/discard', TOKENS.operator, { selector: { filter: {} }, reason: 'r' });
    expect([res.status, res.body.code]).toEqual([400, 'CD_E_DLQ_SELECTOR_INVALID']);
    res = await h.call('POST', '/dlq/discard', TOKENS.operator, { selector: { ids: [unknown] } });
    expect([res.status, res.body.code]).toEqual([400, 'CD_E_ADMIN_REQUEST_INVALID']);
    res = await h.call('POST', '/dlq/claim', TOKENS.operator, { selector: { ids: [unknown, h.ids.erp[1]] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      applied: 1,
      refused: 1,
      items: [
        { id: unknown, ok: false, code: 'CD_E_DLQ_NOT_FOUND' },
        { ok: true, state: 'claimed' },
      ],
    });
    res = await h.call('GET', '/nothing', TOKENS.viewer);
    expect([res.status, res.body.code]).toEqual([404, 'CD_E_ADMIN_ROUTE_UNKNOWN']);
    const audit = await h.call('GET', `/audit?who=${NAMES.viewer}&limit=4`, TOKENS.admin);
    expect(audit.body.records.map((r: { result: string; code?: string }) => `${r.result} ${r.code}`)).toEqual(
      [
        'failed CD_E_ADMIN_ROUTE_UNKNOWN',
        'failed CD_E_DLQ_SELECTOR_INVALID',
        'failed CD_E_DLQ_SELECTOR_INVALID',
        'failed CD_E_DLQ_NOT_FOUND',
      ],
    );
    const claim = await h.call('GET', `/audit?op=dlq.claim&who=${NAMES.operator}&limit=1`, TOKENS.admin);
    expect(claim.body.records[0]).toMatchObject({ count: 1, refused: 1, result: 'ok' });
  });

  it('serves an OpenAPI 3 document listing every operation', async () => {
    const res = await fetch(`${h.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const listed = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const expected = [
      ...new Set(ADMIN_OPERATIONS.map((o) => `${o.method} /api/v1${o.path.replace(/:(\w+)/g, '{$1}')}`)),
    ];
    expect(listed.sort()).toEqual(expected.sort());
  });
});
