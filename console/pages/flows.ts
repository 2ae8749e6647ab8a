import type { FlowInstance, FlowSummary, OverdueInstance, SiteScorecard } from '../../flows';
import type { ApiResult, ConsolePageModule, PageRequest } from '../contract';
import { html, type Html } from '../html';
import { CONSOLE_PATH } from '../session';
import {
  duration,
  instanceHref,
  percent,
  periodForm,
  periodOf,
  PERIODS,
  refusal,
  tooLong,
  time,
  traceHref,
} from './format';

/**
 * Flows and scorecards (`/console/flows`): where the hub tracks business flows, per flow its open
 * and overdue instances (`flows.summary`) and, over a period (`?since=`, 24 hours by default),
 * how many completed on time, late, or expired incomplete (summed from the site scorecards); the
 * longest overdue instances (`flows.overdue`, at most OVERDUE_LIMIT); and each site's conformance
 * (`sites.scorecard`, worst first). `/console/flows/instance?flow=&key=` shows one instance
 * (`flows.show`). A hub with no flows says so; its scorecards are shown all the same.
 *
 * Hooks for tests: `[data-flow]` rows, `[data-no-flows]`, `[data-overdue-key][data-overdue-flow]` rows,
 * `[data-site][data-conformance]` rows, `#instance[data-flow][data-key][data-complete]`,
 * `[data-step][data-step-state]` rows.
 */

/** Overdue instances on the page: the longest overdue first, never all of them. */
export const OVERDUE_LIMIT = 50;
const DEFAULT_SINCE = '24h';

/** A flow's figures of the period, summed over the sites' scorecards. */
interface PeriodFigures {
  started: number;
  completed: number;
  completedOnTime: number;
  incomplete: number;
}

export function flowFigures(cards: readonly SiteScorecard[]): Map<string, PeriodFigures> {
  const out = new Map<string, PeriodFigures>();
  for (const c of cards)
    for (const f of c.flows ?? []) {
      const sum = out.get(f.flow) ?? { started: 0, completed: 0, completedOnTime: 0, incomplete: 0 };
      sum.started += f.started;
      sum.completed += f.completed;
      sum.completedOnTime += f.completedOnTime;
      sum.incomplete += f.incomplete;
      out.set(f.flow, sum);
    }
  return out;
}

function flowsTable(flows: readonly FlowSummary[], figures: Map<string, PeriodFigures>, label: string): Html {
  return html`<table>
    <caption>
      Flows: open and overdue now; started, completed and expired in ${label}
    </caption>
    <thead>
      <tr>
        <th scope="col">Flow</th>
        <th scope="col" class="num">Open</th>
        <th scope="col" class="num">Overdue</th>
        <th scope="col" class="num">Started</th>
        <th scope="col" class="num">Completed on time</th>
        <th scope="col" class="num">Completed late</th>
        <th scope="col" class="num">Incomplete (expired)</th>
        <th scope="col" class="num">Completion</th>
      </tr>
    </thead>
    <tbody>
      ${flows.map((f) => {
        const p = figures.get(f.flow) ?? { started: 0, completed: 0, completedOnTime: 0, incomplete: 0 };
        const ended = p.completed + p.incomplete;
        return html`<tr data-flow="${f.flow}">
          <th scope="row">${f.flow}</th>
          <td class="num">${f.open}</td>
          <td class="num${f.overdue > 0 ? ' status-bad' : ''}">${f.overdue}</td>
          <td class="num">${p.started}</td>
          <td class="num">${p.completedOnTime}</td>
          <td class="num${p.completed > p.completedOnTime ? ' status-warn' : ''}">${p.completed - p.completedOnTime}</td>
          <td class="num${p.incomplete > 0 ? ' status-bad' : ''}">${p.incomplete}</td>
          <td class="num">${percent(ended > 0 ? p.completed / ended : null)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function overdueTable(items: readonly OverdueInstance[], total: number, now: number): Html {
  if (items.length === 0) return html`<p class="status-ok" data-overdue="0">No flow instance is overdue.</p>`;
  return html`<table data-overdue="${items.length}">
    <caption>
      ${
        items.length < total
          ? `The ${items.length} longest overdue of ${total} overdue instances`
          : `${items.length} overdue instance${items.length === 1 ? '' : 's'}, longest overdue first`
      }
    </caption>
    <thead>
      <tr>
        <th scope="col">Flow</th>
        <th scope="col">Key</th>
        <th scope="col">Site</th>
        <th scope="col">Missing step</th>
        <th scope="col">Due</th>
        <th scope="col">Overdue for</th>
        <th scope="col">Alert</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (o) => html`<tr data-overdue-key="${o.key}" data-overdue-flow="${o.flow}">
          <td>${o.flow}</td>
          <th scope="row"><a href="${instanceHref(o.flow, o.key)}">${o.key}</a></th>
          <td>${o.siteId}</td>
          <td>${o.step}</td>
          <td>${time(o.dueAt)}</td>
          <td class="status-bad">${duration(now - o.dueAt)}</td>
          <td><a href="${traceHref(o.alertId)}" aria-label="Trace the STEP_LATE alert of ${o.key}">STEP_LATE</a></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function rejections(c: SiteScorecard): Html {
  return html`${c.rejected}${
    c.rejectedBy.length
      ? html`<ul class="plain">
          ${c.rejectedBy.map(
            (r) => html`<li><code>${r.code}</code>${r.rule ? html` (${r.rule})` : ''}: ${r.count}</li>`,
          )}
        </ul>`
      : ''
  }`;
}

function completion(c: SiteScorecard): Html | string {
  const flows = (c.flows ?? []).filter((f) => f.started + f.completed + f.incomplete > 0);
  if (flows.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="plain">
    ${flows.map(
      (f) => html`<li>
        ${f.flow}: ${percent(f.completionRate)}
        <span class="muted">(${f.completed} done, ${f.completedOnTime} on time, ${f.incomplete} expired)</span>
      </li>`,
    )}
  </ul>`;
}

function latency(c: SiteScorecard): Html | string {
  const steps = (c.flows ?? []).flatMap((f) =>
    f.steps.filter((s) => s.stepIndex > 0 && s.arrived > 0).map((s) => ({ flow: f.flow, ...s })),
  );
  if (steps.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="plain">
    ${steps.map((s) => {
      const over = s.p95Ms !== null && s.p95Ms > s.withinMs;
      return html`<li>
        ${s.step}: p50 ${s.p50Ms === null ? '—' : duration(s.p50Ms)}, p95
        <span class="${over ? 'status-bad' : ''}">${s.p95Ms === null ? '—' : duration(s.p95Ms)}</span>
        of ${duration(s.withinMs)}${over ? html` <strong class="status-bad">over the deadline</strong>` : ''}
      </li>`;
    })}
  </ul>`;
}

function scorecardTable(cards: readonly SiteScorecard[], label: string): Html {
  if (cards.length === 0)
    return html`<p class="muted">No site is configured and none sent data in ${label}.</p>`;
  return html`<table>
    <caption>
      Site conformance in ${label}, worst first (conformance = accepted share × (1 − deprecated share) × on-time
      share of ended flow instances)
    </caption>
    <thead>
      <tr>
        <th scope="col">Site</th>
        <th scope="col" class="num">Conformance</th>
        <th scope="col" class="num">Accepted</th>
        <th scope="col">Rejected, by code</th>
        <th scope="col" class="num">Deprecated share</th>
        <th scope="col">Flow completion</th>
        <th scope="col">Step latency vs deadline</th>
        <th scope="col">Mapping variant</th>
        <th scope="col">Last event</th>
      </tr>
    </thead>
    <tbody>
      ${cards.map(
        (c) => html`<tr data-site="${c.siteId}" data-conformance="${c.conformance.toFixed(4)}">
          <th scope="row">
            ${c.siteId}${c.configured === false ? html`<br /><span class="muted">(no longer configured)</span>` : ''}
          </th>
          <td class="num">${percent(c.conformance)}</td>
          <td class="num">${c.accepted}</td>
          <td>${rejections(c)}</td>
          <td class="num${c.deprecated > 0 ? ' status-warn' : ''}">${percent(c.deprecatedShare)}</td>
          <td>${completion(c)}</td>
          <td>${latency(c)}</td>
          <td><code>${c.mappingVariant}</code></td>
          <td>${c.lastEventAt === null ? html`<span class="muted">never</span>` : time(c.lastEventAt)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function instanceForm(flows: readonly string[], flow: string, key: string): Html {
  return html`<form class="filters" method="get" action="${CONSOLE_PATH}/flows/instance" role="search">
    <div>
      <label for="flow">Flow</label>
      ${
        flows.length
          ? html`<select id="flow" name="flow" required>
            ${flows.map((f) => html`<option value="${f}"${f === flow ? html` selected` : ''}>${f}</option>`)}
          </select>`
          : html`<input id="flow" name="flow" type="text" value="${flow}" required size="24" />`
      }
    </div>
    <div>
      <label for="key">Instance key</label>
      <input id="key" name="key" type="search" value="${key}" required size="36" spellcheck="false" autocomplete="off" />
    </div>
    <div><button type="submit">Show the instance</button></div>
  </form>`;
}

/** The flows section: its table, or why there is none. */
function flowsSection(
  summary: ApiResult<{ flows: FlowSummary[] }>,
  figures: Map<string, PeriodFigures>,
  label: string,
): Html {
  if (!summary.ok) return refusal(summary.status, summary.error, 'The flows could not be read');
  if (summary.body.flows.length === 0)
    return html`<p data-no-flows>
      This hub tracks no business flows: its configuration has no <code>flows:</code> section (docs/flows.md,
      "Defining flows"). The site scorecards below count accepted and rejected events all the same.
    </p>`;
  return html`${flowsTable(summary.body.flows, figures, label)}
    ${instanceForm(
      summary.body.flows.map((f) => f.flow),
      '',
      '',
    )}`;
}

async function drawFlows(req: PageRequest) {
  const since = periodOf(req.query.since, DEFAULT_SINCE);
  const label = PERIODS.find((p) => p.value === since)!.label;
  const [summary, cards] = await Promise.all([
    req.api.call<{ flows: FlowSummary[] }>('GET', '/flows'),
    req.api.call<{ scorecards: SiteScorecard[] }>('GET', '/sites/scorecard', { query: { since } }),
  ]);
  const tracked = summary.ok && summary.body.flows.length > 0;
  const overdue = tracked
    ? await req.api.call<{ items: OverdueInstance[] }>('GET', '/flows/overdue', {
        query: { limit: OVERDUE_LIMIT },
      })
    : undefined;
  const totalOverdue = summary.ok ? summary.body.flows.reduce((n, f) => n + f.overdue, 0) : 0;
  const figures = cards.ok ? flowFigures(cards.body.scorecards) : new Map<string, PeriodFigures>();
  return {
    page: {
      title: 'Flows and scorecards',
      body: html`<h1>Flows and scorecards</h1>
        ${periodForm(`${CONSOLE_PATH}/flows`, since)}
        <section aria-labelledby="flows-h">
          <h2 id="flows-h">Flows</h2>
          ${flowsSection(summary, figures, label)}
        </section>
        ${
          overdue
            ? html`<section aria-labelledby="overdue-h">
              <h2 id="overdue-h">Overdue instances</h2>
              ${
                overdue.ok
                  ? overdueTable(
                      overdue.body.items,
                      Math.max(totalOverdue, overdue.body.items.length),
                      Date.now(),
                    )
                  : refusal(overdue.status, overdue.error, 'The overdue instances could not be read')
              }
            </section>`
            : ''
        }
        <section aria-labelledby="sites-h">
          <h2 id="sites-h">Site conformance</h2>
          ${
            cards.ok
              ? scorecardTable(cards.body.scorecards, label)
              : refusal(cards.status, cards.error, 'The site scorecards could not be read')
          }
        </section>`,
    },
  };
}

type Step = FlowInstance['steps'][number];

/** on-time, late, missing (past due), waiting (not due yet), or not-started (no earlier step yet). */
function stepState(s: Step, now: number): { state: string; text: string; cls: string } {
  if (s.eventId !== undefined)
    return s.late
      ? { state: 'late', text: 'arrived late', cls: 'status-warn' }
      : { state: 'on-time', text: 'arrived on time', cls: 'status-ok' };
  if (s.dueAt === undefined)
    return { state: 'not-due', text: 'not due yet (an earlier step is missing)', cls: 'muted' };
  return s.dueAt <= now
    ? { state: 'missing', text: `missing, overdue for ${duration(now - s.dueAt)}`, cls: 'status-bad' }
    : { state: 'waiting', text: `expected within ${duration(s.dueAt - now)}`, cls: 'muted' };
}

function instanceBody(inst: FlowInstance, now: number): Html {
  return html`<section
    id="instance"
    data-flow="${inst.flow}"
    data-key="${inst.key}"
    data-complete="${String(inst.complete)}"
    aria-labelledby="instance-h"
  >
    <h2 id="instance-h">${inst.flow} <code>${inst.key}</code></h2>
    <dl class="facts">
      <dt>Site</dt>
      <dd>${inst.siteId}</dd>
      <dt>Started</dt>
      <dd>${time(inst.startedAt)}</dd>
      <dt>State</dt>
      <dd>${inst.complete ? html`<span class="status-ok">complete</span>` : 'open'}</dd>
    </dl>
    <table>
      <caption>
        Steps in order
      </caption>
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">Step</th>
          <th scope="col">State</th>
          <th scope="col">Arrived</th>
          <th scope="col">Due</th>
          <th scope="col">Event</th>
        </tr>
      </thead>
      <tbody>
        ${inst.steps.map((s, i) => {
          const st = stepState(s, now);
          return html`<tr data-step="${i}" data-step-state="${st.state}">
            <td class="num">${i}</td>
            <th scope="row">${s.eventType}</th>
            <td class="${st.cls}">${st.text}</td>
            <td>${s.at !== undefined ? time(s.at) : ''}</td>
            <td>${s.dueAt !== undefined ? time(s.dueAt) : ''}</td>
            <td>${s.eventId ? html`<a href="${traceHref(s.eventId)}">${s.eventId}</a>` : ''}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <h3>Alerts</h3>
    ${
      inst.alerts.length
        ? html`<ul>
          ${inst.alerts.map((a) => html`<li><a href="${traceHref(a)}">${a}</a></li>`)}
        </ul>`
        : html`<p class="muted">No alert was raised for this instance.</p>`
    }
  </section>`;
}

async function drawInstance(req: PageRequest) {
  const flow = (req.query.flow ?? '').trim();
  const key = (req.query.key ?? '').trim();
  const summary = await req.api.call<{ flows: FlowSummary[] }>('GET', '/flows');
  const names = summary.ok ? summary.body.flows.map((f) => f.flow) : [];
  let body: Html | string = '';
  const invalid = tooLong('flow', flow, 200) ?? tooLong('key', key, 1000);
  if (invalid) body = invalid;
  else if (flow && key) {
    const res = await req.api.call<FlowInstance>(
      'GET',
      `/flows/${encodeURIComponent(flow)}/${encodeURIComponent(key)}`,
    );
    body = res.ok
      ? instanceBody(res.body, Date.now())
      : refusal(res.status, res.error, `The instance ${key} of ${flow} could not be shown`);
  }
  return {
    page: {
      title: flow && key ? `Flow ${flow} ${key}` : 'Flow instance',
      body: html`<h1>Flow instance</h1>
        <p><a href="${CONSOLE_PATH}/flows">All flows and scorecards</a></p>
        ${instanceForm(names, flow, key)} ${body}`,
    },
  };
}

export const flowsPage: ConsolePageModule = (site) => {
  site.nav({ path: '/flows', label: 'Flows' });
  site.page('/flows', drawFlows);
  site.page('/flows/instance', drawInstance);
};
