/**
 * Replay jobs: the recent ones (`/console/replays`) and one job's live progress
 * (`/console/replays/:jobId`): a fragment (`…/live`) the console script reloads while the job
 * runs, which says `data-final` once the job has ended (done, cancelled, failed) so the reloading
 * stops; `data-job-state` carries the state for tests. Pause, resume and cancel as the state
 * allows (operator and up), inside the fragment so they follow the state (none once it ended).
 */
import type { ReplayJob, ReplayJobState } from '../../../dlq';
import type { ConsoleSite, PageRequest } from '../../contract';
import { html, type Html } from '../../html';
import { CONSOLE_PATH } from '../../session';
import { canWork, DLQ_PATH, jobHref, REPLAYS_PATH, timeCell } from './format';
import { describeSelection } from './selection';

const FINAL: ReadonlySet<ReplayJobState> = new Set(['done', 'cancelled', 'failed']);
/** How often the progress reloads while the job runs. */
const REFRESH_MS = 1500;
const RECENT = 20;

type JobAction = 'pause' | 'resume' | 'cancel';

/** The steering a state allows (dlq/replay: cancel also of a paused or failed job). */
function actionsFor(state: ReplayJobState): JobAction[] {
  switch (state) {
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    case 'failed':
      return ['cancel'];
    default:
      return [];
  }
}

const apiPath = (jobId: string) => `/dlq/replays/${encodeURIComponent(jobId)}`;

/** The job's progress: what the live region holds and reloads. */
export function progressFragment(job: ReplayJob): Html {
  const final = FINAL.has(job.state);
  const pct = job.total > 0 ? Math.floor((job.done / job.total) * 100) : 100;
  return html`<div class="job-progress" data-job-state="${job.state}"${final ? html` data-final` : ''}>
    <p>State: <strong>${job.state}</strong>${final ? html` <span class="muted">(ended)</span>` : ''}</p>
    <p>
      <label for="job-bar">Handled</label>
      <progress id="job-bar" max="${Math.max(job.total, 1)}" value="${job.total > 0 ? job.done : 1}">
        ${job.done} of ${job.total}
      </progress>
      <span data-done="${job.done}" data-total="${job.total}">${job.done} of ${job.total} (${pct}%)</span>
    </p>
    <p>
      sent <strong data-sent>${job.sent}</strong>, skipped <strong data-skipped>${job.skipped}</strong>,
      refused <strong data-refused>${job.refused}</strong> of ${job.total}
    </p>
    ${job.error ? html`<p class="status-bad" role="alert">Error: ${job.error}</p>` : ''}
  </div>`;
}

function controls(job: ReplayJob, req: PageRequest): Html {
  if (!canWork(req.user.role)) return html``;
  const actions = actionsFor(job.state);
  if (!actions.length) return html``;
  return html`<section aria-labelledby="steer-h">
    <h2 id="steer-h">Steer the job</h2>
    ${actions.map(
      (a) => html`<form
        class="inline"
        method="post"
        action="${jobHref(job.id)}/${a}"
        ${a === 'cancel' ? html`data-confirm="Cancel this replay? What it sent stays sent; the rest opens again."` : ''}
      >
        <button type="submit" data-action="${a}"${a === 'cancel' ? html` class="danger"` : ''}>
          ${a === 'pause' ? 'Pause' : a === 'resume' ? 'Resume' : 'Cancel'}
        </button>
      </form>`,
    )}
  </section>`;
}

/** What reloads while the job runs: its progress and the steering its state allows now (a job that ended offers none). */
function liveFragment(job: ReplayJob, req: PageRequest): Html {
  return html`${progressFragment(job)}${controls(job, req)}`;
}

async function jobPage(req: PageRequest) {
  const job = await req.api.get<ReplayJob>(apiPath(req.params.jobId!));
  const body = html`<h1>Replay job ${job.id}</h1>
    <dl class="facts">
      <dt>Selection</dt>
      <dd>${describeSelection(job.selector)}</dd>
      <dt>Started by</dt>
      <dd>${job.createdBy}, ${timeCell(job.createdAt)}</dd>
      <dt>Rate</dt>
      <dd>${job.ratePerSecond} per second at most</dd>
    </dl>
    <section aria-labelledby="progress-h">
      <h2 id="progress-h">Progress</h2>
      <div
        id="job-live"
        aria-live="polite"
        ${FINAL.has(job.state) ? '' : html`data-refresh="${jobHref(job.id)}/live" data-every="${REFRESH_MS}"`}
      >
        ${liveFragment(job, req)}
      </div>
    </section>
    <p><a href="${REPLAYS_PATH}">All recent replay jobs</a> · <a href="${DLQ_PATH}">Dead letters</a></p>`;
  return { page: { title: `Replay job ${job.id}`, body } };
}

async function jobsPage(req: PageRequest) {
  const { jobs } = await req.api.get<{ jobs: ReplayJob[] }>('/dlq/replays', { limit: RECENT });
  const body = html`<h1>Replay jobs</h1>
    ${
      jobs.length === 0
        ? html`<p>No replay jobs yet. Dry-run a selection on the <a href="${DLQ_PATH}">dead letters</a> page, then replay it.</p>`
        : html`<table>
            <caption>The ${RECENT} most recent, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col" class="num">Handled</th>
                <th scope="col" class="num">Sent</th>
                <th scope="col" class="num">Skipped</th>
                <th scope="col" class="num">Refused</th>
                <th scope="col" class="num">Rate</th>
                <th scope="col">By</th>
                <th scope="col">Started</th>
                <th scope="col">Selection</th>
              </tr>
            </thead>
            <tbody>
              ${jobs.map(
                (j) => html`<tr data-job="${j.id}" data-job-state="${j.state}">
                  <td><a href="${jobHref(j.id)}">${j.id}</a></td>
                  <td>${j.state}</td>
                  <td class="num">${j.done} of ${j.total}</td>
                  <td class="num">${j.sent}</td>
                  <td class="num">${j.skipped}</td>
                  <td class="num">${j.refused}</td>
                  <td class="num">${j.ratePerSecond}/s</td>
                  <td>${j.createdBy}</td>
                  <td>${timeCell(j.createdAt)}</td>
                  <td>${describeSelection(j.selector)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return { page: { title: 'Replay jobs', body } };
}

const PAST: Record<JobAction, string> = { pause: 'Paused', resume: 'Resumed', cancel: 'Cancelled' };

export function registerJobs(site: ConsoleSite): void {
  const base = REPLAYS_PATH.slice(CONSOLE_PATH.length);
  site.page(base, jobsPage);
  site.page(`${base}/:jobId`, jobPage);
  site.page(`${base}/:jobId/live`, async (req) => ({
    fragment: liveFragment(await req.api.get<ReplayJob>(apiPath(req.params.jobId!)), req),
  }));
  for (const a of ['pause', 'resume', 'cancel'] as const)
    site.action(`${base}/:jobId/${a}`, async (req) => {
      const job = await req.api.post<ReplayJob>(`${apiPath(req.params.jobId!)}/${a}`, {});
      return {
        redirect: jobHref(job.id),
        flash: {
          kind: 'ok',
          text: `${PAST[a]} replay job ${job.id}: ${job.state}, ${job.done} of ${job.total} handled`,
        },
      };
    });
}
