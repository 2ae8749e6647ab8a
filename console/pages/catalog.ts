import type { SiteScorecard } from '../../flows';
import type { ConsolePageModule } from '../contract';
import { html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';
import { periodForm, periodOf, percent, refusal, PERIODS } from './format';

/**
 * Catalog (`/console/catalog`): the event types the hub follows (the API's `catalog.list`), each
 * version with its status and dates, the personal fields, and which sites still send deprecated
 * versions: from the site scorecards (`sites.scorecard`) of a period (`?since=`, 7 days by default),
 * per site and version the accepted events on a deprecated version and their share of the site's
 * accepted events. Two API reads, both bounded by the catalog's and the configuration's size.
 *
 * Hooks for tests: rows `[data-event-type]`, versions `[data-version][data-version-status]`,
 * rows `[data-deprecated-sender="<site>"][data-event-type][data-version]`.
 */

/** GET /api/v1/catalog (dlq/api/schemas.ts CATALOG). */
interface CatalogAnswer {
  eventTypes: Array<{
    eventType: string;
    subject: string;
    domain: string;
    owner: string;
    description?: string;
    keyFields: string[];
    compatibility: string;
    tier: string;
    personalDataFields: string[];
    versions: Array<{
      version: number;
      status: 'active' | 'deprecated' | 'retired';
      since?: string;
      retireAfter?: string;
    }>;
  }>;
}
type EventType = CatalogAnswer['eventTypes'][number];

/** One site sending one deprecated version in the period. */
interface Sender {
  siteId: string;
  eventType: string;
  version: number;
  count: number;
  /** Of the site's accepted events in the period. */
  share: number | null;
}

const DEFAULT_SINCE = '7d';
const STATUS_CLASS = { active: 'status-ok', deprecated: 'status-warn', retired: 'status-bad' } as const;

/** Sites × deprecated versions with events in the period, most events first. */
export function deprecatedSenders(cards: readonly SiteScorecard[]): Sender[] {
  const out: Sender[] = [];
  for (const c of cards)
    for (const v of c.versions ?? [])
      if (v.deprecated && v.count > 0)
        out.push({
          siteId: c.siteId,
          eventType: v.eventType,
          version: v.version,
          count: v.count,
          share: c.accepted > 0 ? v.count / c.accepted : null,
        });
  return out.sort((a, b) => b.count - a.count || a.siteId.localeCompare(b.siteId));
}

function sendersTable(senders: readonly Sender[], periodLabel: string): Html {
  if (senders.length === 0)
    return html`<p class="status-ok" data-deprecated-senders="0">No site sent a deprecated version in ${periodLabel}.</p>`;
  return html`<table data-deprecated-senders="${senders.length}">
    <caption>
      Sites sending deprecated versions, ${periodLabel}, most events first
    </caption>
    <thead>
      <tr>
        <th scope="col">Site</th>
        <th scope="col">Event type</th>
        <th scope="col">Version</th>
        <th scope="col" class="num">Events</th>
        <th scope="col" class="num">Share of the site's accepted events</th>
      </tr>
    </thead>
    <tbody>
      ${senders.map(
        (
          s,
        ) => html`<tr data-deprecated-sender="${s.siteId}" data-event-type="${s.eventType}" data-version="${s.version}">
          <th scope="row">${s.siteId}</th>
          <td>${s.eventType}</td>
          <td>v${s.version}</td>
          <td class="num">${s.count}</td>
          <td class="num">${percent(s.share)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function versionItem(e: EventType, v: EventType['versions'][number], senders: readonly Sender[]): Html {
  const by = senders.filter((s) => s.eventType === e.eventType && s.version === v.version);
  return html`<li data-version="${v.version}" data-version-status="${v.status}">
    v${v.version} <span class="${STATUS_CLASS[v.status]}">${v.status}</span>${
      v.since ? html` <span class="muted">since ${v.since}</span>` : ''
    }${v.retireAfter ? html` <span class="muted">retire after ${v.retireAfter}</span>` : ''}${
      by.length
        ? html`<br /><span class="status-warn">still sent by ${by.map(
            (s, i) => html`${i ? ', ' : ''}<strong>${s.siteId}</strong> (${s.count})`,
          )}</span>`
        : ''
    }
  </li>`;
}

function typeRow(e: EventType, senders: readonly Sender[]): Html {
  return html`<tr data-event-type="${e.eventType}">
    <th scope="row">
      ${e.eventType}${e.description ? html`<br /><span class="muted">${e.description}</span>` : ''}
    </th>
    <td>${e.domain}</td>
    <td>${e.owner}</td>
    <td>${e.keyFields.map((k, i) => html`${i ? ', ' : ''}<code>${k}</code>`)}</td>
    <td>
      <ul class="plain">
        ${[...e.versions].reverse().map((v) => versionItem(e, v, senders))}
      </ul>
    </td>
    <td>
      ${
        e.personalDataFields.length
          ? html`<ul class="plain">
            ${e.personalDataFields.map((f) => html`<li><code>${f}</code></li>`)}
          </ul>`
          : html`<span class="muted">none</span>`
      }
    </td>
  </tr>`;
}

export const catalogPage: ConsolePageModule = (site) => {
  site.nav({ path: '/catalog', label: 'Catalog' });
  site.page('/catalog', async (req) => {
    const since = periodOf(req.query.since, DEFAULT_SINCE);
    const periodLabel = PERIODS.find((p) => p.value === since)!.label;
    const [catalog, cards] = await Promise.all([
      req.api.get<CatalogAnswer>('/catalog'),
      req.api.call<{ scorecards: SiteScorecard[] }>('GET', '/sites/scorecard', { query: { since } }),
    ]);
    const senders = cards.ok ? deprecatedSenders(cards.body.scorecards) : [];
    const types = [...catalog.eventTypes].sort(
      (a, b) => a.domain.localeCompare(b.domain) || a.eventType.localeCompare(b.eventType),
    );
    const counts = { active: 0, deprecated: 0, retired: 0 };
    for (const e of types) for (const v of e.versions) counts[v.status]++;
    return {
      page: {
        title: 'Catalog',
        body: html`<h1>Catalog</h1>
          <p>
            ${types.length} event types; versions: ${counts.active} active, ${counts.deprecated} deprecated,
            ${counts.retired} retired. The catalog this hub follows (<code>crossdock schemas push</code> updates it).
          </p>
          <section aria-labelledby="senders-h">
            <h2 id="senders-h">Deprecated versions still sent</h2>
            ${periodForm(`${CONSOLE_PATH}/catalog`, since)}
            ${
              cards.ok
                ? sendersTable(senders, periodLabel)
                : refusal(cards.status, cards.error, 'The site scorecards could not be read')
            }
          </section>
          <section aria-labelledby="types-h">
            <h2 id="types-h">Event types</h2>
            <table>
              <caption>
                Event types by domain, newest version first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Event type</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Key</th>
                  <th scope="col">Versions</th>
                  <th scope="col">Personal fields</th>
                </tr>
              </thead>
              <tbody>
                ${types.map((e) => typeRow(e, senders))}
              </tbody>
            </table>
          </section>`,
      },
    };
  });
};
