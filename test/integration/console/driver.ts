import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * Small steps of the console's browser test: one browser context (one person's browser: its own
 * cookies) at the screenshots' size, signing in and out through the console's own forms, and
 * screenshots written to docs/console/<name>.png (overwritten on every run).
 */
export const VIEWPORT = { width: 1280, height: 800 } as const;
export const SHOTS_DIR = path.resolve(__dirname, '../../../docs/console');

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

/** The page as it shows now, to docs/console/<name>.png (the viewport: what a laptop shows first). */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), type: 'png' });
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
