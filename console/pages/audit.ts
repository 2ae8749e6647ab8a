/**
 * `/console/audit`: the admin API's audit trail (audit.list: operator and up; a viewer gets the
 * API's 403 page), newest first, filtered by who, operation (or its family: `dlq`) and since.
 */
import type { AuditRecord } from '../../dlq';
import type { ConsolePageModule, PageRequest } from '../contract';
import { ConsoleApiError } from '../api';
import { html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';
import { timeCell } from './dead-letters/format';

const LIMITS = [50, 200, 1000] as const;
/** A selector longer than this (a thousand ids) is cut, with its length said. */
const SELECTOR_CHARS = 300;

function selectorText(selector: unknown): string {
  const text = JSON.stringify(selector);
  return text.length > SELECTOR_CHARS
    ? `${text.slice(0, SELECTOR_CHARS)}… (${text.length} characters)`
    : text;
}

function filterForm(q: Readonly<Record<string, string>>, limit: number): Html {
  const field = (id: string, label: string, hint: string) => html`<div>
    <label for="a-${id}">${label}</label>
    <input id="a-${id}" name="${id}" type="text" value="${q[id] ?? ''}" maxlength="200" placeholder="${hint}" />
  </div>`;
  return html`<form class="filters" method="get" action="${CONSOLE_PATH}/audit" role="search" aria-label="Filter the audit trail">
    ${field('who', 'Who', 'token name')} ${field('op', 'Operation', 'dlq.discard or dlq')}
    ${field('since', 'Since', '2h, 7d or a date')}
    <div>
      <label for="a-limit">At most</label>
      <select id="a-limit" name="limit">
        ${LIMITS.map((n) => html`<option value="${n}"${n === limit ? html` selected` : ''}>${n}</option>`)}
      </select>
    </div>
    <div><button type="submit">Show</button></div>
    <div><a href="${CONSOLE_PATH}/audit">Clear</a></div>
  </form>`;
}

function recordsTable(records: readonly AuditRecord[]): Html {
  if (records.length === 0) return html`<p role="status">No audit records match.</p>`;
  return html`<table>
    <caption>
      Audit records, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">At</th>
        <th scope="col">Who</th>
        <th scope="col">Role</th>
        <th scope="col">Operation</th>
        <th scope="col">Result</th>
        <th scope="col" class="num">Count</th>
        <th scope="col" class="num">Refused</th>
        <th scope="col">Code</th>
        <th scope="col">Selector</th>
      </tr>
    </thead>
    <tbody>
      ${records.map(
        (r) => html`<tr data-op="${r.op}" data-result="${r.result}">
          <td>${timeCell(r.at)}</td>
          <td>${r.who}</td>
          <td>${r.role ?? '-'}</td>
          <td>${r.op}</td>
          <td class="${r.result === 'ok' ? 'status-ok' : 'status-bad'}">${r.result}</td>
          <td class="num">${r.count ?? '-'}</td>
          <td class="num">${r.refused ?? '-'}</td>
          <td>${r.code ?? '-'}</td>
          <td>${r.selector === undefined ? '-' : html`<code>${selectorText(r.selector)}</code>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

async function auditPage(req: PageRequest) {
  const asked = Number(req.query.limit);
  const limit = (LIMITS as readonly number[]).includes(asked) ? asked : LIMITS[0];
  const q = req.query;
  const res = await req.api.call<{ records: AuditRecord[] }>('GET', '/audit', {
    query: { who: q.who?.trim(), op: q.op?.trim(), since: q.since?.trim(), limit },
  });
  // A refusal of the role is the API's 403 page; a filter it cannot read is said beside the form.
  if (!res.ok && res.status !== 400) throw new ConsoleApiError(res.status, res.error);
  const body = html`<h1>Audit trail</h1>
    ${filterForm(q, limit)}
    ${
      res.ok
        ? recordsTable(res.body.records)
        : html`<div class="error-panel" role="alert" data-error-code="${res.error.code}">
            <p><code>${res.error.code}</code></p>
            <p>${res.error.message}</p>
          </div>`
    }`;
  return { page: { title: 'Audit trail', body, ...(res.ok ? {} : { status: 400 }) } };
}

export const auditPages: ConsolePageModule = (site) => {
  site.nav({ path: '/audit', label: 'Audit' });
  site.page('/audit', auditPage);
};
