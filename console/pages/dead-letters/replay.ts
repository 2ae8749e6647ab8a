/**
 * Dry run first, then replay: the dry run (any role: it changes nothing) is a page of its own,
 * `GET /console/dead-letters/dry-run?<selection>`, listing per letter what a replay would do now
 * and the outcomes counted; its "Replay these N" form (operator and up) posts the same selection
 * to `/console/dead-letters/replay`, which starts a job and goes to the job's page.
 */
import type { ReplayJob, ReplayPrediction } from '../../../dlq';
import type { ConsoleSite, PageRequest } from '../../contract';
import { html, type Html } from '../../html';
import { CONSOLE_PATH } from '../../session';
import { canWork, dash, DLQ_PATH, jobHref, letterHref } from './format';
import { describeSelection, hiddenSelection, selectionHref, selectorOf } from './selection';
import { ACTION_PATHS } from './work-panel';

/** Most predictions drawn as rows (the counts cover all of them). */
const MAX_ROWS = 200;
const REPLAY_PATH = `${DLQ_PATH}/replay`;

const OUTCOME: Record<ReplayPrediction['outcome'], string> = {
  deliver: 'would deliver to',
  route: 'would route to',
  unrouted: 'would pass the router; no route selects it',
  skip: 'would change nothing (already done)',
  fail: 'would fail again',
  refused: 'would not be sent',
};

function whatWouldHappen(p: ReplayPrediction): string {
  if (p.subscribers.length)
    return `${OUTCOME[p.outcome]} ${p.subscribers.map((s) => (p.routes?.[s] ? `${s} (route ${p.routes[s]})` : s)).join(', ')}`;
  return `${OUTCOME[p.outcome]}${p.code ? `: ${p.code}` : ''}${p.message ? ` ${p.message}` : ''}`;
}

function predictionsTable(predictions: readonly ReplayPrediction[]): Html {
  const shown = predictions.slice(0, MAX_ROWS);
  return html`<table>
      <caption>
        Per letter${predictions.length > shown.length ? ` (the first ${shown.length} of ${predictions.length})` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Dead letter</th>
          <th scope="col">Event id</th>
          <th scope="col">Outcome</th>
          <th scope="col">What would happen</th>
        </tr>
      </thead>
      <tbody>
        ${shown.map(
          (p) => html`<tr data-letter="${p.id}" data-outcome="${p.outcome}">
            <td><a href="${letterHref(p.id)}">${p.id}</a></td>
            <td>${dash(p.eventId)}</td>
            <td>${p.outcome}</td>
            <td>${whatWouldHappen(p)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}

async function dryRunPage(req: PageRequest) {
  const selector = selectorOf(req.query, req.queryAll);
  const result = await req.api.post<{ predictions: ReplayPrediction[]; outcomes: Record<string, number> }>(
    '/dlq/replay',
    { selector, dryRun: true },
  );
  const n = result.predictions.length;
  const counts = Object.entries(result.outcomes);
  const body = html`<h1>Dry run: what a replay would do now</h1>
    <p>Of <strong>${describeSelection(selector)}</strong>. Nothing was sent and nothing changed.</p>
    <table class="outcomes" aria-label="Outcomes counted">
      <thead>
        <tr>
          <th scope="col">Outcome</th>
          <th scope="col" class="num">Letters</th>
        </tr>
      </thead>
      <tbody>
        ${counts.map(
          ([k, v]) => html`<tr data-outcome-count="${k}">
            <td>${k}</td>
            <td class="num">${v}</td>
          </tr>`,
        )}
        <tr>
          <th scope="row">total</th>
          <td class="num" data-total>${n}</td>
        </tr>
      </tbody>
    </table>
    ${
      n === 0
        ? html`<p role="status">The selection names no letter a replay would take (a filter takes open letters only).</p>`
        : canWork(req.user.role)
          ? html`<form method="post" action="${REPLAY_PATH}">
              ${hiddenSelection(selector)}
              <button type="submit" class="primary" data-action="replay">Replay these ${n}</button>
              <span class="muted">starts a replay job at the hub's rate; you can pause or cancel it</span>
            </form>`
          : html`<p class="muted">An operator can replay these; your role (viewer) may only look.</p>`
    }
    ${predictionsTable(result.predictions)}
    <p><a href="${DLQ_PATH}">Back to the dead letters</a></p>`;
  return { page: { title: 'Dry run', body } };
}

export function registerReplay(site: ConsoleSite): void {
  const dryRunPath = ACTION_PATHS.dryRun.slice(CONSOLE_PATH.length);
  // The panel's button posts here; the dry run itself is a page (reload, bookmark, back button).
  site.action(dryRunPath, async (req) => ({
    redirect: selectionHref(ACTION_PATHS.dryRun, selectorOf(req.form, req.formAll)),
  }));
  site.page(dryRunPath, dryRunPage);
  site.action(REPLAY_PATH.slice(CONSOLE_PATH.length), async (req) => {
    const selector = selectorOf(req.form, req.formAll);
    const { job } = await req.api.post<{ job: ReplayJob }>('/dlq/replay', { selector });
    return {
      redirect: jobHref(job.id),
      flash: { kind: 'ok', text: `Replay job ${job.id} started: ${job.total} letter(s)` },
    };
  });
}
