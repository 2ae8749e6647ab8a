import crypto from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tokenSha256 } from '../../../dlq';
import { businessKey, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { describeBrowser, findChromium, launchChromium } from '../../helpers/browser';
import { oneSiteConfig, startHub, type HubProcess } from '../../helpers/hub';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { startReceiver, type Receiver } from '../delivery/helpers';
import { NAMES, TOKENS } from '../dlq/api-harness';
import {
  accessibility,
  accessibilityProblems,
  newPerson,
  postFromPage,
  shot,
  signIn,
  signOut,
} from './driver';

/**
 * The operations console in a real browser (Debian's Chromium through playwright-core) against
 * `crossdock start` on the shared stack, the walkthrough of docs/operations.md done in the console
 * alone: a storm of deliveries erp refuses (400) becomes one incident group; a viewer sees a
 * letter with its personal fields masked and no button to change anything, and an operator
 * action sent anyway gets the API's 403, which the page says; an operator finds the group,
 * dry-runs it, replays it once erp is fixed and watches the job's progress (reloaded by the
 * console's script) reach done; erp got each event once; the trace of one of them says
 * delivered; the audit trail names who did it. Every page is photographed into docs/console/.
 */
describe('console: the dead-letter walkthrough in a browser', () => {
  const STORM = 12;
  const prefix = randomName('console');
  const personName = `Jane Roe ${crypto.randomBytes(3).toString('hex')}`;
  const eventIds: string[] = [];
  let erpFixed = false;
  let erp: Receiver;
  let hub: HubProcess;
  let browser: Browser;
  let base = '';
  let viewer: { context: BrowserContext; page: Page };
  let operator: { context: BrowserContext; page: Page };
  let groupKey = '';

  beforeAll(async () => {
    const found = await findChromium({ log: (line) => process.stderr.write(`${line}\n`) });
    process.stderr.write(`${describeBrowser(found)}\n`);

    erp = await startReceiver(() =>
      erpFixed ? { status: 200 } : { status: 400, body: 'unknown warehouse' },
    );
    const doc = oneSiteConfig(prefix, erp.url) as ReturnType<typeof oneSiteConfig> & Record<string, unknown>;
    (doc.hub as Record<string, unknown>).admin = {
      host: '127.0.0.1',
      tokens: (['viewer', 'operator', 'admin'] as const).map((role) => ({
        name: NAMES[role],
        role,
        sha256: tokenSha256(TOKENS[role]),
      })),
    };
    doc.flows = [
      {
        name: 'order-to-cash',
        description: 'Released orders are shipped within 2 days.',
        key: { field: 'orderId' },
        expireAfter: '14d',
        steps: [{ eventType: 'OrderReleased' }, { eventType: 'ShipmentConfirmed', within: '48h' }],
      },
    ];
    [hub, browser] = await Promise.all([startHub(doc), launchChromium(found)]);
    base = `http://127.0.0.1:${hub.adminPort}`;

    // The storm: STORM orders erp refuses for good (400), each with a person's name in shipTo.
    const entry = loadCatalog().byEventType('OrderReleased')!;
    const producer = testKafka().producer();
    await producer.connect();
    try {
      const messages = await Promise.all(
        Array.from({ length: STORM }, async (_, i) => {
          const event = exampleEvent('OrderReleased') as Record<string, unknown> & {
            metadata: Record<string, unknown>;
            shipTo: { name: string };
          };
          const eventId = crypto.randomUUID();
          eventIds.push(eventId);
          // Now, so the flow tracker opens an order-to-cash instance for each (the example's date is old).
          Object.assign(event.metadata, {
            eventId,
            siteId: 'us-atl',
            occurredAt: new Date(Date.now() - 1000).toISOString(),
          });
          event.orderId = `ORD-${prefix}-${i}`;
          event.shipTo.name = personName;
          const value = await encodeEvent(testEndpoints().registryUrl, entry, undefined, event);
          return { key: businessKey(entry, event), value };
        }),
      );
      await producer.send({ topic: `${prefix}.ingress.us-atl`, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      async () => {
        const res = await fetch(`${base}/api/v1/dlq?subscriber=erp`, {
          headers: { authorization: `Bearer ${TOKENS.admin}` },
        });
        return res.ok && ((await res.json()) as { total: number }).total === STORM;
      },
      `the ${STORM} dead letters of erp to be indexed`,
      60_000,
    );
    viewer = await newPerson(browser);
    operator = await newPerson(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.dispose();
    await erp?.close();
  });

  it('sends a browser that is not signed in to the sign-in form; a viewer signs in with a token', async () => {
    const { page } = viewer;
    await page.goto(`${base}/console/`);
    await page.waitForURL(/\/console\/login/);
    await expect(page.locator('h1').textContent()).resolves.toContain('Sign in');
    await shot(page, 'sign-in');
    await signIn(page, `${base}/console/dead-letters`, TOKENS.viewer);
    expect(new URL(page.url()).pathname).toBe('/console/dead-letters');
    await expect(page.locator('header [data-role]').textContent()).resolves.toBe('viewer');
  });

  it('shows a viewer a letter with its personal fields masked and no button that changes anything', async () => {
    const { page } = viewer;
    const group = page.locator('tr[data-group*="|erp|"]');
    await expect(group.count()).resolves.toBe(1);
    groupKey = (await group.getAttribute('data-group'))!;
    await group.locator('[data-group-link]').click();
    await page.locator('tr[data-letter]').first().waitFor();
    await expect(page.locator('tr[data-letter]').count()).resolves.toBe(STORM);
    await page.locator('tr[data-letter] a').first().click();
    await page.waitForURL(/\/console\/dead-letters\/[^/]+$/);

    await expect(page.locator('[data-masked]').first().getAttribute('data-masked')).resolves.toBe(
      'personal-fields',
    );
    expect(await page.content()).not.toContain(personName);
    for (const action of ['claim', 'assign', 'note', 'resolve', 'discard', 'replay'])
      await expect(page.locator(`[data-action="${action}"]`).count()).resolves.toBe(0);
    // The screenshot shows the decoded event with its masked field.
    await page.locator('[data-masked]').first().scrollIntoViewIfNeeded();
    await shot(page, 'letter');
  });

  it('answers an operator action sent by a viewer with the API 403, and the page says so', async () => {
    const { page } = viewer;
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const status = await postFromPage(page, '/console/dead-letters/claim', [
      ['id', id],
      ['back', '/console/dead-letters'],
    ]);
    expect(status).toBe(403);
    await expect(page.locator('h1').textContent()).resolves.toContain('Your role does not allow this');
    await expect(
      page.locator('[role="alert"][data-error-code]').getAttribute('data-error-code'),
    ).resolves.toBe('CD_E_ADMIN_FORBIDDEN');
    await shot(page, 'forbidden');
    // The audit page is the operators': a viewer gets the same refusal.
    const audit = await page.goto(`${base}/console/audit`);
    expect(audit?.status()).toBe(403);
    await signOut(page);
  });

  it('lets an operator find the storm group, claim it, note why, dry-run it, replay it to the fixed receiver and watch it reach done', async () => {
    const { page } = operator;
    await signIn(page, `${base}/console/`, TOKENS.operator);
    await expect(page.locator('header [data-role]').textContent()).resolves.toBe('operator');
    await page.goto(`${base}/console/overview`);
    await page.locator('[data-subscriber="erp"]').first().waitFor();
    await shot(page, 'overview');

    await page.getByRole('link', { name: 'Dead letters' }).first().click();
    const group = page.locator(`tr[data-group="${groupKey}"]`);
    await expect(group.locator('[data-open]').getAttribute('data-open')).resolves.toBe(String(STORM));
    await shot(page, 'dead-letters');
    await group.locator('[data-group-link]').click();
    await page.locator('tr[data-letter]').first().waitFor();
    // The team takes the incident and says why.
    await page.locator('[data-scope="filter"]').check();
    await page.locator('[data-action="claim"]').click();
    await page.getByText(`Claimed ${STORM} of ${STORM}`).waitFor();
    await expect(page.locator('tr[data-letter][data-state="claimed"]').count()).resolves.toBe(STORM);
    await page.locator('[data-scope="filter"]').check();
    await page
      .getByLabel('Note', { exact: true })
      .fill('erp refused: unknown warehouse; the ERP team adds it');
    await page.locator('[data-action="note"]').click();
    await page.getByText(`Noted ${STORM} of ${STORM}`).waitFor();
    // Dry run first.
    await page.locator('[data-scope="filter"]').check();
    await page.locator('[data-action="dry-run"]').click();
    await page.waitForURL(/\/dead-letters\/dry-run/);
    await expect(page.locator('[data-total]').textContent()).resolves.toBe(String(STORM));
    await expect(page.locator('[data-outcome-count="deliver"] .num').textContent()).resolves.toBe(
      String(STORM),
    );
    await shot(page, 'dry-run');

    // erp is fixed; the replay goes to it.
    erpFixed = true;
    const before = erp.requests.length;
    await page.locator('[data-action="replay"]').click();
    await page.waitForURL(/\/console\/replays\/[^/]+$/);
    await page.locator('[data-job-state]').waitFor();
    await shot(page, 'replay-progress');
    // The progress is reloaded by the console's script until the job says it ended.
    await page.locator('[data-job-state="done"]').waitFor({ timeout: 90_000 });
    await expect(page.locator('[data-sent]').textContent()).resolves.toBe(String(STORM));
    await shot(page, 'replay-done');
    await eventually(() => erp.requests.length - before >= STORM, 'erp to get the replays');
    expect(
      erp.requests
        .slice(before)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...eventIds].sort());
  });

  it('traces one of its events: delivered to erp', async () => {
    const { page } = operator;
    await page.goto(`${base}/console/trace`);
    await page.getByLabel(/event ?id/i).fill(eventIds[0]!);
    await page.getByLabel(/event ?id/i).press('Enter');
    await page.locator(`#trace[data-event-id="${eventIds[0]}"]`).waitFor();
    await expect(page.locator('[data-trace-step="accepted"]').count()).resolves.toBe(1);
    await eventually(async () => {
      await page.reload();
      return (await page.locator('[data-subscriber="erp"]').getAttribute('data-trace-state')) === 'delivered';
    }, 'the trace to say delivered');
    await shot(page, 'trace');
  });

  it('shows the catalog, the flows and the audit trail, which names who replayed', async () => {
    const { page } = operator;
    await page.goto(`${base}/console/catalog`);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/catalog/i);
    expect(await page.content()).toContain('OrderReleased');
    await shot(page, 'catalog');

    // Each released order opened an instance of order-to-cash, waiting for its shipment.
    await eventually(async () => {
      await page.goto(`${base}/console/flows`);
      return (await page.locator('tr[data-flow="order-to-cash"] td').first().textContent()) === String(STORM);
    }, `the flows page to show ${STORM} open order-to-cash instances`);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/flows/i);
    await shot(page, 'flows');

    await page.goto(`${base}/console/audit`);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/audit/i);
    const text = await page.locator('main').textContent();
    for (const op of ['dlq.claim', 'dlq.note', 'dlq.dry-run', 'dlq.replay']) expect(text).toContain(op);
    expect(text).toContain(NAMES.operator);
    // The pages declare their icon: no browser request of theirs is refused and audited
    // (without it, every page view added an anonymous `GET /favicon.ico` refusal here).
    expect(text).not.toContain('favicon.ico');
    await shot(page, 'audit');
  });

  it('every page it showed is labelled for screen readers and starts with the skip link for the keyboard', async () => {
    // Each screenshot above checked its page (driver.ts accessibility()): nothing is missing on any.
    expect(Object.keys(accessibilityProblems).length).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(Object.entries(accessibilityProblems).filter(([, p]) => p.length))).toEqual({});
    // And the check sees what it looks for: a page that gets each of them wrong.
    const probe = await viewer.context.newPage();
    await probe.setContent(
      '<a href="#top">crossdock</a><h1>A</h1><h1>B</h1><input name="q"><table><tr><td>1</td></tr></table><button></button><div tabindex="3">x</div>',
    );
    expect(await accessibility(probe)).toEqual([
      "2 h1 headings (one is the page's title)",
      'no main landmark',
      '<input name="q"> has no accessible name',
      '<button name=""> has no accessible name',
      'a table with neither caption nor aria-label',
      'a table with no header cells',
      'the first Tab stop is "crossdock", not the skip link',
      'a positive tabindex reorders the keyboard',
    ]);
    await probe.close();
  });
});
