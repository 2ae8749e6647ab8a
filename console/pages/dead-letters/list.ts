/**
 * `/console/dead-letters`: the incident groups (the API's dlq.groups), a filter form (GET), and
 * once a group or a filter is chosen, one page of its letters (dlq.list, 50 a page, the API's
 * cursor) with checkboxes and the actions (work-panel.ts). Never more than the groups and one
 * page of letters: fast with 100,000 letters indexed.
 */
import type { DeadLetterGroup, DeadLetterPage, DeadLetterRecord } from '../../../dlq';
import { DEAD_LETTER_STATES } from '../../../dlq';
import type { PageRequest } from '../../contract';
import { href, html, type Html } from '../../html';
import { dash, DLQ_PATH, letterHref, PAGE_SIZE, REPLAYS_PATH, timeCell } from './format';
import { filterOf, hasFilter, type PageFilter } from './selection';
import { WORK_FORM_ID, workPanel } from './work-panel';

/** Most groups drawn (newest first, as the API sorts them); filters narrow the rest. */
export const MAX_GROUPS = 100;

function textField(id: string, label: string, value: string | undefined): Html {
  return html`<div>
    <label for="f-${id}">${label}</label>
    <input id="f-${id}" name="${id}" type="text" value="${value ?? ''}" maxlength="200" />
  </div>`;
}

function filterForm(filter: PageFilter, open: boolean): Html {
  return html`<form class="filters" method="get" action="${DLQ_PATH}" role="search" aria-label="Filter dead letters">
    ${textField('subscriber', 'Subscriber', filter.subscriber)} ${textField('site', 'Site', filter.site)}
    ${textField('code', 'Code', filter.code)}
    <div>
      <label for="f-state">State</label>
      <select id="f-state" name="state">
        <option value="">any</option>
        ${DEAD_LETTER_STATES.map(
          (s) => html`<option value="${s}"${filter.state === s ? html` selected` : ''}>${s}</option>`,
        )}
      </select>
    </div>
    ${textField('group', 'Group', filter.group)}
    <div>
      <label><input type="checkbox" name="open" value="1"${open ? html` checked` : ''} /> Open groups only</label>
    </div>
    <div><button type="submit">Show</button></div>
    <div><a href="${DLQ_PATH}">Clear</a></div>
  </form>`;
}

function groupsTable(groups: readonly DeadLetterGroup[], total: number): Html {
  if (groups.length === 0) return html`<p role="status">No incident groups match.</p>`;
  return html`<table>
    <caption>
      Incident groups: code × site × subscriber × schema version, last seen first${total > groups.length ? ` (the first ${groups.length} of ${total}: narrow with the filters)` : ''}
    </caption>
    <thead>
      <tr>
        <th scope="col">Group</th>
        <th scope="col" class="num">Open</th>
        <th scope="col" class="num">Total</th>
        <th scope="col">Code</th>
        <th scope="col">Site</th>
        <th scope="col">Subscriber</th>
        <th scope="col" class="num">Version</th>
        <th scope="col">Type</th>
        <th scope="col">First seen</th>
        <th scope="col">Last seen</th>
      </tr>
    </thead>
    <tbody>
      ${groups.map(
        (g) => html`<tr data-group="${g.group}">
          <td><a href="${href(DLQ_PATH, { group: g.group })}" data-group-link>${g.group}</a></td>
          <td class="num" data-open="${g.open}">${g.open}</td>
          <td class="num">${g.count}</td>
          <td>${g.code}</td>
          <td>${dash(g.site)}</td>
          <td>${dash(g.subscriber)}</td>
          <td class="num">${dash(g.schemaVersion)}</td>
          <td>${dash(g.eventType)}</td>
          <td>${timeCell(g.firstSeen)}</td>
          <td>${timeCell(g.lastSeen)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function letterRow(r: DeadLetterRecord): Html {
  return html`<tr data-letter="${r.id}" data-state="${r.state}">
    <td>
      <input type="checkbox" name="id" value="${r.id}" form="${WORK_FORM_ID}" aria-label="Select ${r.id}" />
    </td>
    <td><a href="${letterHref(r.id)}">${r.id}</a></td>
    <td>${r.state}</td>
    <td>${r.code}</td>
    <td>${dash(r.subscriber)}</td>
    <td>${dash(r.site)}</td>
    <td>${dash(r.eventType)}</td>
    <td class="num">${r.attempts}</td>
    <td>${timeCell(r.lastFailedAt)}</td>
    <td>${dash(r.owner)}</td>
  </tr>`;
}

function lettersSection(page: DeadLetterPage, filter: PageFilter, cursor: string | undefined): Html {
  const pager = html`<nav aria-label="Pages of letters" class="pager">
    <p>
      ${page.items.length} letter(s) on this page of <strong data-total="${page.total}">${page.total}</strong>
      matching.
      ${cursor ? html`<a href="${href(DLQ_PATH, { ...filter })}">First page</a>` : ''}
      ${page.next ? html`<a href="${href(DLQ_PATH, { ...filter, cursor: page.next })}" rel="next">Next ${PAGE_SIZE}</a>` : ''}
    </p>
  </nav>`;
  if (page.items.length === 0)
    return html`<p role="status">No dead letters ${page.total ? 'on this page' : 'match these filters'}.</p>`;
  return html`<table>
      <caption>
        Letters, newest failure first
      </caption>
      <thead>
        <tr>
          <th scope="col">Select</th>
          <th scope="col">Dead letter</th>
          <th scope="col">State</th>
          <th scope="col">Code</th>
          <th scope="col">Subscriber</th>
          <th scope="col">Site</th>
          <th scope="col">Type</th>
          <th scope="col" class="num">Attempts</th>
          <th scope="col">Last failure</th>
          <th scope="col">Owner</th>
        </tr>
      </thead>
      <tbody>
        ${page.items.map(letterRow)}
      </tbody>
    </table>
    ${pager}`;
}

export async function deadLettersPage(req: PageRequest) {
  const filter = filterOf(req.query);
  const open = req.query.open === '1' || req.query.open === 'true';
  const cursor = req.query.cursor || undefined;
  const groupsQuery = {
    subscriber: filter.subscriber,
    site: filter.site,
    code: filter.code,
    ...(open ? { open: true } : {}),
  };
  const listing = hasFilter(filter)
    ? req.api.get<DeadLetterPage>('/dlq', { ...filter, limit: PAGE_SIZE, cursor })
    : undefined;
  const [{ groups: all }, page] = await Promise.all([
    req.api.get<{ groups: DeadLetterGroup[] }>('/dlq/groups', groupsQuery),
    listing,
  ]);
  const matching = filter.group ? all.filter((g) => g.group === filter.group) : all;
  const back = req.url;
  const body = html`<h1>Dead letters</h1>
    <p><a href="${REPLAYS_PATH}">Replay jobs</a></p>
    ${filterForm(filter, open)}
    <section aria-labelledby="groups-h">
      <h2 id="groups-h">Incident groups</h2>
      ${groupsTable(matching.slice(0, MAX_GROUPS), matching.length)}
    </section>
    ${
      page
        ? html`<section aria-labelledby="letters-h">
              <h2 id="letters-h">Letters</h2>
              ${lettersSection(page, filter, cursor)}
            </section>
            ${
              page.total > 0
                ? workPanel({
                    role: req.user.role,
                    back,
                    filter,
                    total: page.total,
                    pageIds: page.items.map((r) => r.id),
                  })
                : ''
            }`
        : html`<p class="muted">Choose a group (or a filter) to see its letters and act on them.</p>`
    }`;
  return { page: { title: 'Dead letters', body } };
}
