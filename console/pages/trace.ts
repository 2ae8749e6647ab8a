import type { EventTrace } from '../../dlq';
import type { ConsolePageModule } from '../contract';
import { html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';
import { letterHref, refusal, time, tooLong, traceHref } from './format';

/**
 * Trace (`/console/trace?eventId=…`): where one event is, from the API's `events.trace`
 * (dlq/trace.ts): accepted (site, topic, partition, offset, time), routed (subscribers and the
 * route that chose each), rejected by the router, and per subscriber delivered / in retry /
 * parked / dead-lettered / replayed / pending, with the dead letters linked to their pages.
 * Other pages link here with `?eventId=`. An id nobody has seen is a message, not an error page.
 *
 * Hooks for tests: `#trace[data-event-id]`, `[data-trace-step]` (accepted, routed, rejected),
 * rows `[data-subscriber][data-trace-state]`, `[data-trace-unknown]`.
 */

/** The longest eventId the API's trace takes (dlq/api/schemas.ts TRACE_PARAMS). */
const EVENT_ID_MAX = 200;

type Subscriber = EventTrace['subscribers'][number];
type Letter = NonNullable<Subscriber['deadLetters']>[number];

const STATE_LABEL: Readonly<Record<Subscriber['state'], string>> = {
  delivered: 'delivered',
  'in-retry': 'in retry',
  parked: 'parked',
  'dead-lettered': 'dead-lettered',
  replayed: 'replayed, not delivered yet',
  pending: 'pending',
  unknown: 'unknown',
};

const STATE_CLASS: Readonly<Record<Subscriber['state'], string>> = {
  delivered: 'status-ok',
  'in-retry': 'status-warn',
  parked: 'status-warn',
  'dead-lettered': 'status-bad',
  replayed: 'status-warn',
  pending: 'muted',
  unknown: 'muted',
};

function letterItem(l: Letter): Html {
  return html`<li data-dead-letter="${l.id}">
    <a href="${letterHref(l.id)}">${l.id}</a>: <code>${l.code}</code> at ${time(l.at)} (${l.state})
  </li>`;
}

function letters(list: readonly Letter[] | undefined): Html | string {
  return list && list.length ? html`<ul class="plain">${list.map(letterItem)}</ul>` : '';
}

/** What a subscriber's state means for this event, in words. */
function details(s: Subscriber): Html | string {
  switch (s.state) {
    case 'delivered':
      return 'the subscriber has it';
    case 'in-retry':
      return html`${s.attempts ?? 0} attempt${s.attempts === 1 ? '' : 's'} so far${
        s.nextAttemptAt !== undefined ? html`; next attempt ${time(s.nextAttemptAt)}` : ''
      }${s.lastCode ? html`; last <code>${s.lastCode}</code>` : ''}`;
    case 'parked':
      if (s.held)
        return html`its key <code>${s.orderKey ?? '?'}</code> is held after an earlier event was dead-lettered
          (<code>crossdock connector ${s.subscriber} --release-key &lt;key&gt;</code> lets it go on)`;
      return html`waiting behind
        ${s.waitingBehind ? html`<a href="${traceHref(s.waitingBehind)}">${s.waitingBehind}</a>` : 'an earlier event'}
        of its key${s.orderKey !== undefined ? html` <code>${s.orderKey}</code>` : ''}${
          s.attempts ? `; ${s.attempts} attempts so far` : ''
        }`;
    case 'dead-lettered':
      return 'delivery gave up: see its dead letter';
    case 'replayed':
      return 'sent again from its dead letter; not delivered yet';
    case 'pending':
      return 'in its topic, or being delivered now';
    default:
      return 'routed there, but the subscriber is not configured now and has no state of it';
  }
}

function subscriberRow(s: Subscriber): Html {
  return html`<tr data-subscriber="${s.subscriber}" data-trace-state="${s.state}">
    <th scope="row">${s.subscriber}</th>
    <td class="${STATE_CLASS[s.state]}">${STATE_LABEL[s.state]}</td>
    <td>${details(s)}</td>
    <td>${letters(s.deadLetters)}</td>
  </tr>`;
}

function pathOf(t: EventTrace): Html {
  const a = t.accepted;
  const steps: Html[] = [];
  if (a) {
    steps.push(html`<li data-trace-step="accepted">
      <strong>Accepted</strong> ${a.at !== undefined ? time(a.at) : html`<span class="muted">(time not recorded)</span>`}
      ${a.site !== undefined ? html`from site <strong>${a.site}</strong>` : ''}:
      topic <code>${a.topic}</code>, partition ${a.partition}, offset ${a.offset}
    </li>`);
    const routed = !t.routed
      ? html`<span class="muted">not recorded (the router marked it before it kept routes)</span>`
      : t.routed.length === 0
        ? 'to no subscriber: no route selected it'
        : html`to ${t.routed.map(
            (r, i) =>
              html`${i ? ', ' : ''}<strong>${r.subscriber}</strong>${r.route ? html` (route <code>${r.route}</code>)` : ''}`,
          )}`;
    steps.push(html`<li data-trace-step="routed"><strong>Routed</strong> ${routed}</li>`);
  }
  for (const r of t.rejected ?? [])
    steps.push(html`<li data-trace-step="rejected">
      <strong>Rejected by the router</strong>: <code>${r.code}</code> at ${time(r.at)}, dead letter
      <a href="${letterHref(r.id)}">${r.id}</a> (${r.state})
    </li>`);
  return html`<ol class="trace-path">
    ${steps}
  </ol>`;
}

function traceBody(t: EventTrace): Html {
  const seen = Boolean(t.accepted || t.rejected?.length || t.subscribers.length);
  if (!seen)
    return html`<p class="card" role="status" data-trace-unknown>
      No part of this hub knows the event <code>${t.eventId}</code>: the router has no mark of it (never
      published, still on its way, or accepted longer ago than <code>hub.router.duplicateWindowSeconds</code>),
      and no subscriber and no dead letter holds it. Check the id, or look for it in the dead letters.
    </p>`;
  return html`${pathOf(t)}
    ${
      t.subscribers.length
        ? html`<table>
            <caption>
              Subscribers
            </caption>
            <thead>
              <tr>
                <th scope="col">Subscriber</th>
                <th scope="col">State</th>
                <th scope="col">Details</th>
                <th scope="col">Dead letters</th>
              </tr>
            </thead>
            <tbody>
              ${t.subscribers.map(subscriberRow)}
            </tbody>
          </table>`
        : html`<p class="muted">No subscriber has state of it.</p>`
    }`;
}

function form(eventId: string): Html {
  return html`<form class="filters" method="get" action="${CONSOLE_PATH}/trace" role="search">
    <div>
      <label for="eventId">Event id</label>
      <input
        id="eventId"
        name="eventId"
        type="search"
        value="${eventId}"
        required
        size="44"
        maxlength="200"
        spellcheck="false"
        autocomplete="off"
        aria-describedby="eventId-help"
      />
    </div>
    <div><button class="primary" type="submit">Trace</button></div>
  </form>
  <p id="eventId-help" class="muted">
    The <code>metadata.eventId</code> of an event (a UUID), as dead letters, flow instances and the logs show it.
  </p>`;
}

export const tracePage: ConsolePageModule = (site) => {
  site.nav({ path: '/trace', label: 'Trace' });
  site.page('/trace', async (req) => {
    const eventId = (req.query.eventId ?? '').trim();
    if (!eventId) return { page: { title: 'Trace', body: html`<h1>Trace an event</h1>${form('')}` } };
    const invalid = tooLong('eventId', eventId, EVENT_ID_MAX);
    const res = invalid
      ? undefined
      : await req.api.call<EventTrace>('GET', `/events/${encodeURIComponent(eventId)}/trace`);
    const body = !res
      ? invalid
      : res.ok
        ? html`<section id="trace" data-event-id="${eventId}" aria-labelledby="trace-h">
          <h2 id="trace-h">Path of <code>${eventId}</code></h2>
          ${traceBody(res.body)}
        </section>`
        : refusal(res.status, res.error, `The trace of ${eventId} could not be read`);
    return {
      page: {
        title: `Trace ${eventId}`,
        body: html`<h1>Trace an event</h1>
          ${form(eventId)} ${body}`,
      },
    };
  });
};
