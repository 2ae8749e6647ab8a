import type { ConsoleUser, Flash, NavEntry } from './contract';
import { html, type Html } from './html';
import { CONSOLE_PATH } from './session';

export interface LayoutInput {
  title: string;
  body: Html;
  /** Absent on the sign-in page. */
  user?: ConsoleUser;
  nav: readonly NavEntry[];
  /** The path asked for, to mark the current navigation entry. */
  path: string;
  flash?: Flash;
  /** Asset URLs with their content hash (assets.ts). */
  assets: { css: string; js: string; icon: string };
}

function navItem(entry: NavEntry, path: string): Html {
  const current = path === entry.path || path.startsWith(`${entry.path}/`);
  return html`<li><a href="${entry.path}"${current ? html` aria-current="page"` : ''}>${entry.label}</a></li>`;
}

/**
 * The page around every console view: a skip link, the navigation as a labelled list, who is
 * signed in with their role and a sign-out button, a live region for flash messages, and the
 * main landmark holding the page's own content (whose first heading is its title).
 */
export function layout(input: LayoutInput): Html {
  const { user, flash } = input;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${input.title} · crossdock console</title>
        <link rel="icon" type="image/svg+xml" href="${input.assets.icon}" />
        <link rel="stylesheet" href="${input.assets.css}" />
        <script src="${input.assets.js}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="${CONSOLE_PATH}/">crossdock</a>
          ${
            user
              ? html`<nav aria-label="Console">
                    <ul>
                      ${input.nav.map((n) => navItem(n, input.path))}
                    </ul>
                  </nav>
                  <form class="who" method="post" action="${CONSOLE_PATH}/logout">
                    <span
                      >Signed in as <strong>${user.name}</strong> (<span data-role>${user.role}</span>)</span
                    >
                    <button type="submit">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <div class="flash-region" role="status" aria-live="polite">
          ${flash ? html`<p class="flash ${flash.kind}">${flash.text}</p>` : ''}
        </div>
        <main id="main" tabindex="-1">${input.body}</main>
      </body>
    </html>`;
}
