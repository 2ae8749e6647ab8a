import type {
  OverviewDeadLetters,
  OverviewDependency,
  OverviewDoc,
  OverviewRouter,
  OverviewSite,
  OverviewState,
  OverviewSubscriber,
} from '../../dlq';
import type { ConsolePageModule } from '../contract';
import { href, html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';

/**
 * The Overview page (`/console/overview`): the hub as sites → router → subscribers, from one call
 * of the API's `hub.overview` (GET /api/v1/overview). The figures sit in a fragment
 * (`/console/overview/live`) that console.js reloads every REFRESH_MS; without the script the
 * page shows the figures of the moment. A part in trouble is drawn red (bad) or amber (warn)
 * and says so in words: its state and its reason.
 *
 * Hooks for tests: `data-site`, `data-subscriber`, `data-router`, `data-dependency` on each card
 * or item, with `data-state` (ok, warn, bad); `data-breaker` on a subscriber.
 */

/** How often the live fragment is reloaded. */
export const REFRESH_MS = 2500;

const DEAD_LETTERS = `${CONSOLE_PATH}/dead-letters`;

const STATE_WORD: Readonly<Record<OverviewState, string>> = { ok: 'OK', warn: 'Warning', bad: 'Problem' };

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** Events per second: one decimal below 10, none above; a dash before the first window. */
function perSecond(n: number | null): Html {
  if (n === null) return html`<span class="muted" title="measuring: needs a second read">—</span>`;
  return html`${n < 10 ? n.toFixed(1) : count(n)}/s`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** `12:00:05 UTC` in a <time> element. */
function clock(at: number): Html {
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}">${iso.slice(11, 19)} UTC</time>`;
}

/** `12:00:05 UTC (5 s ago)`. */
function when(at: number, now: number): Html {
  return html`${clock(at)} (${ago(now - at)})`;
}

function stateBadge(state: OverviewState): Html {
  return html`<span class="state state-${state}">${STATE_WORD[state]}</span>`;
}

function reasonOf(state: OverviewState, reason: string | undefined): Html {
  return state !== 'ok' && reason ? html`<p class="reason">${reason}</p>` : html``;
}

/** A figure of a card: its name and value. */
function fact(name: string, value: Html | string | number): Html {
  return html`<dt>${name}</dt>
    <dd>${typeof value === 'number' ? count(value) : value}</dd>`;
}

function deadLetterLink(counts: OverviewDeadLetters | null, query: Record<string, string>): Html {
  if (!counts)
    return html`<a href="${href(DEAD_LETTERS, query)}">unknown</a> <span class="muted">(index unavailable)</span>`;
  const { open, total } = counts;
  return html`<a href="${href(DEAD_LETTERS, query)}">${count(open)} open</a>${total > open ? html` <span class="muted">of ${count(total)}</span>` : ''}`;
}

function siteCard(s: OverviewSite, now: number): Html {
  return html`<article class="card ${s.state}" data-site="${s.id}" data-state="${s.state}" aria-labelledby="site-${s.id}">
    <h3 id="site-${s.id}">${s.name ?? s.id} ${stateBadge(s.state)}</h3>
    <p class="muted">${s.id} · ${s.kind}</p>
    ${reasonOf(s.state, s.reason)}
    <dl class="facts">
      ${fact('In', perSecond(s.eventsPerSecond))}
      ${fact('Last event', s.lastEventAt === null ? html`<span class="muted">none in 24 h</span>` : when(s.lastEventAt, now))}
      ${fact('Read since start', s.eventsIn)}
      ${fact('Refused by the router', deadLetterLink(s.deadLetters, { site: s.id }))}
    </dl>
  </article>`;
}

function routerCard(r: OverviewRouter): Html {
  return html`<article class="card ${r.state}" data-router data-state="${r.state}" aria-labelledby="router-title">
    <h3 id="router-title">Router ${stateBadge(r.state)}</h3>
    <p class="muted">${r.running ? 'running' : 'not running'}</p>
    ${reasonOf(r.state, r.reason)}
    <dl class="facts">
      ${fact('In', perSecond(r.eventsPerSecond))}
      ${fact('Lag', html`${count(r.lag)} records`)}
      ${fact('Read since start', r.eventsIn)}
      ${fact('Duplicates', r.duplicates)}
      ${fact('Dead-lettered', r.deadLettered)}
    </dl>
    ${
      r.routes.length
        ? html`<table aria-label="Routes">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              ${r.routes.map(
                (route) => html`<tr>
                  <td>${route.name}</td>
                  <td>${route.to.join(', ')}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No routes.</p>`
    }
  </article>`;
}

const BREAKER_WORD: Readonly<Record<OverviewSubscriber['breaker'], string>> = {
  closed: 'closed',
  'half-open': 'half-open (probing)',
  open: 'open',
  unknown: 'unknown',
};

function subscriberCard(s: OverviewSubscriber, now: number): Html {
  return html`<article
    class="card ${s.state}"
    data-subscriber="${s.id}"
    data-state="${s.state}"
    data-breaker="${s.breaker}"
    aria-labelledby="sub-${s.id}"
  >
    <h3 id="sub-${s.id}">${s.id} ${stateBadge(s.state)}</h3>
    <p class="muted">${s.kind}${s.routes.length ? ` · from ${s.routes.join(', ')}` : ' · no route'}</p>
    ${reasonOf(s.state, s.reason)}
    <dl class="facts">
      ${fact('Out', perSecond(s.deliveredPerSecond))}
      ${fact('Breaker', html`<span class="breaker-${s.breaker}">${BREAKER_WORD[s.breaker]}</span>${s.breaker === 'open' && s.breakerRetryInMs > 0 ? html` <span class="muted">(probe in ${Math.ceil(s.breakerRetryInMs / 1000)} s)</span>` : ''}`)}
      ${fact('In retry', s.inRetry)}
      ${fact('Parked', s.parked)}
      ${s.heldKeys > 0 ? fact('Held keys', s.heldKeys) : ''}
      ${fact('Lag', s.lag === null ? html`<span class="muted">unknown</span>` : html`${count(s.lag)} events`)}
      ${fact('Dead letters', deadLetterLink(s.deadLetters, { subscriber: s.id }))}
      ${fact('Delivered since start', s.delivered)}
      ${s.lastError ? fact('Last error', html`<code>${s.lastError.code}</code> ${when(Date.parse(s.lastError.at), now)}`) : ''}
    </dl>
  </article>`;
}

function dependencyItem(d: OverviewDependency, now: number): Html {
  const state: OverviewState = d.up ? 'ok' : 'bad';
  return html`<li data-dependency="${d.name}" data-state="${state}" class="dep ${state}">
    <strong>${d.name}</strong> ${d.up ? html`<span class="state state-ok">up</span>` : html`<span class="state state-bad">down</span>`}
    ${d.up && d.latencyMs !== undefined ? html`<span class="muted">${d.latencyMs} ms</span>` : ''}
    ${!d.up && d.downSince ? html`<span>since ${when(Date.parse(d.downSince), now)}</span>` : ''}
    ${!d.up && d.lastError ? html`<span class="reason">${d.lastError}</span>` : ''}
  </li>`;
}

/** The sentence at the top: all clear, or what needs attention. */
function summary(doc: OverviewDoc): Html {
  const parts = [
    ...doc.sites.map((s) => ({ name: `site ${s.id}`, state: s.state })),
    { name: 'router', state: doc.router.state },
    ...doc.subscribers.map((s) => ({ name: `subscriber ${s.id}`, state: s.state })),
    ...doc.dependencies.map((d) => ({ name: d.name, state: (d.up ? 'ok' : 'bad') as OverviewState })),
  ];
  const bad = parts.filter((p) => p.state === 'bad').map((p) => p.name);
  const warn = parts.filter((p) => p.state === 'warn').map((p) => p.name);
  const text =
    !bad.length && !warn.length
      ? 'Everything is flowing.'
      : [bad.length ? `Problem: ${bad.join(', ')}.` : '', warn.length ? `Warning: ${warn.join(', ')}.` : '']
          .filter(Boolean)
          .join(' ');
  const overall: OverviewState = bad.length ? 'bad' : warn.length ? 'warn' : 'ok';
  return html`<p class="summary ${overall}" data-overall="${overall}">${text}</p>`;
}

/** The live part of the page: everything that changes. */
export function overviewFigures(doc: OverviewDoc): Html {
  const now = doc.at;
  return html`${summary(doc)}
    <p class="muted">
      Figures of ${clock(now)}${doc.rateWindowSeconds !== null ? `; rates over the last ${Math.round(doc.rateWindowSeconds)} s` : ''}.
      ${doc.ready ? 'This hub is ready.' : html`<strong class="state state-bad">This hub is not ready</strong> (its /readyz answers 503).`}
      ${
        doc.deadLetters
          ? html`Dead letters open: <a href="${DEAD_LETTERS}">${count(doc.deadLetters.open)}</a>${doc.deadLetters.overdue ? `, ${count(doc.deadLetters.overdue)} overdue` : ''}.`
          : ''
      }
    </p>
    ${doc.indexError ? html`<p class="summary warn" data-index-error>${doc.indexError}</p>` : ''}
    <section aria-labelledby="deps-title" class="deps">
      <h2 id="deps-title">Dependencies</h2>
      <ul class="deps">
        ${doc.dependencies.map((d) => dependencyItem(d, now))}
      </ul>
    </section>
    <div class="map">
      <section aria-labelledby="sites-title">
        <h2 id="sites-title">Sites</h2>
        ${doc.sites.length ? doc.sites.map((s) => siteCard(s, now)) : html`<p class="muted">No sites configured.</p>`}
      </section>
      <section aria-labelledby="router-col-title">
        <h2 id="router-col-title">Router</h2>
        ${routerCard(doc.router)}
      </section>
      <section aria-labelledby="subs-title">
        <h2 id="subs-title">Subscribers</h2>
        ${
          doc.subscribers.length
            ? doc.subscribers.map((s) => subscriberCard(s, now))
            : html`<p class="muted">No subscribers configured.</p>`
        }
      </section>
    </div>`;
}

export const overviewPage: ConsolePageModule = (site) => {
  site.nav({ path: '/overview', label: 'Overview' });
  site.page('/overview', async (req) => {
    const doc = await req.api.get<OverviewDoc>('/overview');
    return {
      page: {
        title: 'Overview',
        body: html`<h1>Overview</h1>
          <div
            id="overview-live"
            data-refresh="${CONSOLE_PATH}/overview/live"
            data-every="${REFRESH_MS}"
          >
            ${overviewFigures(doc)}
          </div>`,
      },
    };
  });
  site.page('/overview/live', async (req) => ({
    fragment: overviewFigures(await req.api.get<OverviewDoc>('/overview')),
  }));
};
