import { consoleExtension } from '../../../console';
import { NAMES, TOKENS, startApiHarness, type ApiHarness } from './api-harness';

/**
 * The console's dead-letter pages over HTTP on the admin API as `crossdock start` wires it (the
 * real index in Redis, the registry decoding the event, the audit topic; console/pages/dead-letters):
 * the groups and a group's letters from the real store, a letter decoded with its personal field
 * masked for a viewer and shown to an admin, an operator's claim of a whole group through the
 * console's form (the API's filter selector, audited on the topic), a dry run of the group, and a
 * replay job's page steered to cancelled (the replay runner is not part of this harness, so the
 * job waits until cancelled).
 */
describe('console: dead-letter pages on the real admin API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ extend: consoleExtension() });
  });
  afterAll(() => h?.close());

  type Role = 'viewer' | 'operator' | 'admin';
  const page = async (path: string, role: Role) => {
    const res = await fetch(`${h.url}${path}`, {
      headers: { cookie: `cd_console=${TOKENS[role]}` },
      redirect: 'manual',
    });
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  };
  const form = async (path: string, role: Role, fields: Array<[string, string]>) => {
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: `cd_console=${TOKENS[role]}`,
        origin: h.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  };

  it('walks a group: find it, open a letter (masked for a viewer), claim the group, dry-run, replay, cancel', async () => {
    const groups = await page('/console/dead-letters?subscriber=erp', 'viewer');
    expect(groups.status).toBe(200);
    const group = /<tr data-group="([^"]+)">/
      .exec(groups.body)![1]!
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(group).toMatch(/^CD_E_DELIVERY_REJECTED\|/);
    expect(groups.body).toMatch(/data-open="2">2</);

    const letters = await page(`/console/dead-letters?group=${encodeURIComponent(group)}`, 'viewer');
    for (const id of h.ids.erp) expect(letters.body).toContain(`data-letter="${id}"`);
    expect(letters.body).not.toContain('data-action="claim"');

    const id = h.ids.erp[0]!;
    const viewer = await page(`/console/dead-letters/${encodeURIComponent(id)}`, 'viewer');
    expect(viewer.status).toBe(200);
    expect(viewer.body).toContain('data-masked="personal-fields"');
    expect(viewer.body).not.toContain(h.personName);
    const admin = await page(`/console/dead-letters/${encodeURIComponent(id)}`, 'admin');
    expect(admin.body).toContain('data-masked="none"');
    expect(admin.body).toContain(h.personName);

    const claim = await form('/console/dead-letters/claim', 'operator', [
      ['scope', 'filter'],
      ['group', group],
      ['back', `/console/dead-letters?group=${encodeURIComponent(group)}`],
    ]);
    expect(claim.status).toBe(303);
    const claimed = await h.call('GET', `/dlq?group=${encodeURIComponent(group)}`, TOKENS.viewer);
    expect(claimed.body.items.map((r: { state: string; owner: string }) => [r.state, r.owner])).toEqual([
      ['claimed', NAMES.operator],
      ['claimed', NAMES.operator],
    ]);

    const dry = await form('/console/dead-letters/dry-run', 'operator', [
      ['scope', 'filter'],
      ['group', group],
    ]);
    expect(dry.status).toBe(303);
    const predicted = await page(dry.location!, 'operator');
    expect(predicted.status).toBe(200);
    expect(predicted.body).toContain('<td class="num" data-total>2</td>');
    expect(predicted.body).toContain('would deliver to erp');
    expect(predicted.body).toContain('Replay these 2');

    const start = await form('/console/dead-letters/replay', 'operator', [
      ['scope', 'filter'],
      ['group', group],
    ]);
    expect(start.status).toBe(303);
    const jobPath = start.location!;
    expect(jobPath).toMatch(/^\/console\/replays\/[^/]+$/);
    const running = await page(jobPath, 'operator');
    expect(running.body).toMatch(/data-job-state="(running|done)"/);

    const cancel = await form(`${jobPath}/cancel`, 'operator', []);
    expect(cancel.status).toBe(303);
    const live = await fetch(`${h.url}${jobPath}/live`, {
      headers: { cookie: `cd_console=${TOKENS.operator}`, 'x-console-fragment': '1' },
    }).then((r) => r.text());
    expect(live).toMatch(/data-job-state="(cancelled|done)" data-final/);

    const trail = await h.auditTopic();
    expect(trail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          who: NAMES.operator,
          op: 'dlq.claim',
          selector: { filter: { group } },
          count: 2,
        }),
        expect.objectContaining({ who: NAMES.operator, op: 'dlq.dry-run', count: 2 }),
        expect.objectContaining({ who: NAMES.operator, op: 'dlq.replay', count: 2 }),
      ]),
    );
    const audit = await page('/console/audit?op=dlq.claim', 'operator');
    expect(audit.body).toContain('<tr data-op="dlq.claim" data-result="ok">');
    expect((await page('/console/audit', 'viewer')).status).toBe(403);
  });
});
