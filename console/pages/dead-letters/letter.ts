/**
 * `/console/dead-letters/:id`: one letter as the API's dlq.show answers it: reason, code,
 * attempt history, operator state and notes, headers, and the decoded event (personal fields
 * masked below admin: the page shows the mask text and names the masked fields), with links to
 * trace its event and to its group; the actions for this one letter under it.
 */
import type { ShownDeadLetter, ShownEvent } from '../../../dlq';
import type { PageRequest } from '../../contract';
import { href, html, type Html } from '../../html';
import { dash, DLQ_PATH, jobHref, letterHref, timeCell, traceHref } from './format';
import { workPanel } from './work-panel';

function eventSection(e: ShownEvent): Html {
  if (!e.decoded)
    return html`<p data-masked="${e.masked}">
        Does not decode (<code>${e.code}</code>): ${e.reason}. ${e.bytes} bytes${e.masked === 'bytes' ? ', shown: the framing only (an admin sees every byte)' : ''}.
      </p>
      <pre aria-label="Bytes in hex">${e.hex.replace(/(.{64})/g, '$1\n').trimEnd()}</pre>`;
  const what = `${dash(e.eventType ?? e.subject)}${e.version !== undefined ? ` v${e.version}` : ''}, schema id ${e.schemaId}`;
  if (e.masked === 'withheld')
    return html`<p data-masked="withheld">
      ${what}: withheld. Its type is not in the catalog, so its personal fields are unknown; an admin sees it.
    </p>`;
  const personal = e.personalFields ?? [];
  return html`<p data-masked="${e.masked}">
      ${what}${
        e.masked === 'personal-fields'
          ? html`. Personal fields masked for your role:
              ${personal.length ? personal.map((f, i) => html`${i ? ', ' : ''}<code>${f}</code>`) : 'none'}.`
          : '. Shown whole (your role sees personal fields).'
      }
    </p>
    <pre aria-label="Decoded event" data-event>${JSON.stringify(e.value, null, 2)}</pre>`;
}

function notesTable(s: ShownDeadLetter): Html {
  const notes = s.history.notes;
  if (notes.length === 0) return html`<p>No notes yet.</p>`;
  return html`<table>
    <caption>
      Notes, oldest first
    </caption>
    <thead>
      <tr>
        <th scope="col">At</th>
        <th scope="col">By</th>
        <th scope="col">Note</th>
      </tr>
    </thead>
    <tbody>
      ${notes.map(
        (n) => html`<tr data-note>
          <td>${timeCell(n.at)}</td>
          <td>${n.by}</td>
          <td>${n.text}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function headersTable(headers: Record<string, string>): Html {
  const rows = Object.entries(headers).sort(([a], [b]) => a.localeCompare(b));
  return html`<table>
    <caption>
      Headers of the dead-letter record
    </caption>
    <thead>
      <tr>
        <th scope="col">Header</th>
        <th scope="col">Value</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        ([k, v]) => html`<tr>
          <th scope="row"><code>${k}</code></th>
          <td>${v}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export async function letterPage(req: PageRequest) {
  const id = req.params.id!;
  const s = await req.api.get<ShownDeadLetter>(`/dlq/${encodeURIComponent(id)}`);
  const r = s.record;
  const h = s.history;
  const body = html`<h1>Dead letter ${r.id}</h1>
    <p><a href="${href(DLQ_PATH, { group: r.group })}">Its group's letters</a></p>
    <section aria-labelledby="reason-h">
      <h2 id="reason-h">Why</h2>
      <dl class="facts" data-letter="${r.id}">
        <dt>Code</dt>
        <dd><code data-code>${s.reason.code}</code></dd>
        <dt>Stage</dt>
        <dd>${s.reason.stage}</dd>
        <dt>Reason</dt>
        <dd data-reason>${s.reason.message}</dd>
        <dt>Kind</dt>
        <dd>${r.kind === 'router' ? 'refused by the router' : `delivery to ${dash(r.subscriber)} gave up`}</dd>
        <dt>Event</dt>
        <dd>
          ${dash(r.eventType)}${r.schemaVersion !== undefined ? ` v${r.schemaVersion}` : ''}, event id
          ${r.eventId ? html`<a href="${traceHref(r.eventId)}" data-trace>${r.eventId}</a>` : '-'}, correlation id
          ${dash(r.correlationId)}
        </dd>
        <dt>From</dt>
        <dd>
          site ${dash(r.site)}${r.subscriber ? `, subscriber ${r.subscriber}` : ''}, read at
          ${r.original.topic}:${r.original.partition}:${r.original.offset}
        </dd>
        <dt>Key</dt>
        <dd>${s.key ?? '(none)'}</dd>
        <dt>Group</dt>
        <dd><a href="${href(DLQ_PATH, { group: r.group })}">${r.group}</a></dd>
      </dl>
    </section>
    <section aria-labelledby="attempts-h">
      <h2 id="attempts-h">Attempts</h2>
      <dl class="facts">
        <dt>Attempts</dt>
        <dd>${h.attempts}</dd>
        <dt>First failed</dt>
        <dd>${timeCell(h.firstFailedAt)}</dd>
        <dt>Last failed</dt>
        <dd>${timeCell(h.lastFailedAt)}</dd>
        ${h.lastStatus ? html`<dt>Last status</dt><dd>${h.lastStatus}</dd>` : ''}
        ${h.lastError ? html`<dt>Last error</dt><dd>${h.lastError}</dd>` : ''}
        <dt>Replays</dt>
        <dd>
          ${h.replayCount}${h.replayOf ? html`, a failed replay of <a href="${letterHref(h.replayOf)}">${h.replayOf}</a>` : ''}${
            h.replays.length
              ? html`; jobs ${h.replays.map((j, i) => html`${i ? ', ' : ''}<a href="${jobHref(j)}">${j}</a>`)}`
              : ''
          }
        </dd>
      </dl>
    </section>
    <section aria-labelledby="work-h">
      <h2 id="work-h">Operators</h2>
      <dl class="facts">
        <dt>State</dt>
        <dd data-state="${r.state}">${r.state}</dd>
        <dt>Owner</dt>
        <dd data-owner>${dash(r.owner)}</dd>
        <dt>Due</dt>
        <dd>${timeCell(r.dueAt)}</dd>
        <dt>Last change</dt>
        <dd>${timeCell(r.updatedAt)} by ${dash(r.updatedBy)}</dd>
      </dl>
      ${notesTable(s)}
    </section>
    ${workPanel({ role: req.user.role, back: letterHref(r.id), id: r.id })}
    <section aria-labelledby="event-h">
      <h2 id="event-h">Event</h2>
      ${eventSection(s.event)}
    </section>
    <section aria-labelledby="headers-h">
      <h2 id="headers-h">Headers</h2>
      ${headersTable(s.headers)}
    </section>`;
  return { page: { title: `Dead letter ${r.id}`, body } };
}
