import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Small steps of the console's browser test: one browser context (one person's browser: its own
 * cookies) at the screenshots' size, signing in and out through the console's own forms, and
 * screenshots: to a temporary folder on a plain run, to docs/console/<name>.png (the pictures in
 * docs/console.md, overwritten) when CD_CONSOLE_SHOTS=docs, so a test run leaves the tree as it was.
 */
export const VIEWPORT = { width: 1280, height: 800 } as const;
export const SHOTS_DIR =
  process.env.CD_CONSOLE_SHOTS === 'docs'
    ? path.resolve(__dirname, '../../../docs/console')
    : path.join(os.tmpdir(), 'crossdock-console-shots');

export async function newPerson(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(30_000);
  return { context, page: await context.newPage() };
}

/** Opens `url` (any console page): the console sends an unsigned browser to its sign-in form. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/console\/login/);
  await page.getByLabel('Admin token').fill(token);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith('/login')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

export async function signOut(page: Page): Promise<void> {
  await Promise.all([
    page.waitForURL(/\/console\/login/),
    page.getByRole('button', { name: 'Sign out' }).click(),
  ]);
}

/** What each screenshot's page lacked for a screen reader or the keyboard (accessibility()), by page name. */
export const accessibilityProblems: Record<string, string[]> = {};

/** The page as it shows now, to SHOTS_DIR/<name>.png (the viewport: what a laptop shows first). */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), type: 'png' });
  accessibilityProblems[name] = await accessibility(page);
}

/**
 * What the page lacks for a screen reader or the keyboard, in words (none: []): exactly one h1
 * and a main landmark; every form control and button with an accessible name (a label, its text,
 * aria-label or aria-labelledby); every table with a caption or aria-label and header cells; and
 * the skip link as the first stop of Tab.
 */
export async function accessibility(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // Runs in the browser (no DOM types in this project's compilation).
    interface Node {
      tagName: string;
      id: string;
      textContent: string | null;
      getAttribute(n: string): string | null;
      querySelector(s: string): Node | null;
      querySelectorAll(s: string): Node[];
      closest(s: string): Node | null;
      labels?: Node[] | null;
    }
    const doc = (globalThis as unknown as { document: Node }).document;
    const out: string[] = [];
    const h1 = doc.querySelectorAll('h1').length;
    if (h1 !== 1) out.push(`${h1} h1 headings (one is the page's title)`);
    if (!doc.querySelector('main')) out.push('no main landmark');
    const named = (el: Node): boolean => {
      if ((el.getAttribute('aria-label') ?? '').trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).every((id) => doc.querySelector(`#${id}`))) return true;
      if (el.tagName === 'BUTTON') return Boolean((el.textContent ?? '').trim());
      if (el.labels && Array.from(el.labels).some((l) => (l.textContent ?? '').trim())) return true;
      return Boolean(el.closest('label'));
    };
    for (const el of Array.from(doc.querySelectorAll('input:not([type=hidden]), select, textarea, button')))
      if (!named(el))
        out.push(
          `<${el.tagName.toLowerCase()} name="${el.getAttribute('name') ?? ''}"> has no accessible name`,
        );
    for (const t of Array.from(doc.querySelectorAll('table'))) {
      if (
        !t.querySelector('caption') &&
        !(t.getAttribute('aria-label') ?? '').trim() &&
        !t.getAttribute('aria-labelledby')
      )
        out.push('a table with neither caption nor aria-label');
      if (!t.querySelector('th')) out.push('a table with no header cells');
    }
    // The keyboard: the first stop of Tab is the skip link (the first focusable element in the
    // document's order, and no positive tabindex anywhere to jump ahead of it).
    const focusable = doc.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])',
    );
    const first = focusable[0];
    if (!first || (first.textContent ?? '').trim() !== 'Skip to content')
      out.push(
        `the first Tab stop is "${(first?.textContent ?? '').trim().slice(0, 40)}", not the skip link`,
      );
    if (Array.from(doc.querySelectorAll('[tabindex]')).some((e) => Number(e.getAttribute('tabindex')) > 0))
      out.push('a positive tabindex reorders the keyboard');
    return out;
  });
}

/**
 * Posts a form from inside the page, as a page's own button would (same origin, the browser's
 * cookie); answers the HTTP status of the answer to the POST.
 */
export async function postFromPage(
  page: Page,
  action: string,
  fields: Array<[string, string]>,
): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action),
    page.evaluate(
      ({ action: a, fields: f }) => {
        // Runs in the browser (no DOM types in this project's compilation).
        interface El {
          method: string;
          action: string;
          type: string;
          name: string;
          value: string;
          append(e: El): void;
          submit(): void;
        }
        const document = (globalThis as unknown as { document: { createElement(t: string): El; body: El } })
          .document;
        const form = document.createElement('form');
        form.method = 'post';
        form.action = a;
        for (const [k, v] of f) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = k;
          input.value = v;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
  await page.waitForLoadState();
  return response.status();
}
