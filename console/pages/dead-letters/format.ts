/**
 * Small drawing helpers shared by the dead-letter pages: times, empty values, who may act.
 */
import type { ConsoleRole } from '../../contract';
import { html, type Html } from '../../html';
import { CONSOLE_PATH } from '../../session';

/** Base path of the dead-letter pages. */
export const DLQ_PATH = `${CONSOLE_PATH}/dead-letters`;
/** Base path of the replay job pages. */
export const REPLAYS_PATH = `${CONSOLE_PATH}/replays`;
/** The trace page (con-views'): `?eventId=`. */
export const TRACE_PATH = `${CONSOLE_PATH}/trace`;

/** One page of letters: the API's default, and the most a page draws. */
export const PAGE_SIZE = 50;

/** Epoch milliseconds as `2026-12-05 10:10:44Z` (UTC, as the CLI prints them). */
export function when(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** A time for people with its machine form (`<time datetime>`). */
export function timeCell(ms: number | undefined): Html {
  if (ms === undefined || !Number.isFinite(ms)) return html`-`;
  return html`<time datetime="${new Date(ms).toISOString()}">${when(ms)}</time>`;
}

/** A value or a dash. */
export function dash(v: unknown): string {
  return v === undefined || v === null || v === '' ? '-' : String(v);
}

/** Operators and admins work dead letters and steer replays; viewers read and dry-run. */
export function canWork(role: ConsoleRole): boolean {
  return role === 'operator' || role === 'admin';
}

/** The page to go back to after a form: a console path only, else the dead-letter page. */
export function safeBack(back: string | undefined): string {
  return back && back.startsWith(`${CONSOLE_PATH}/`) && !back.startsWith('//') && !back.includes('\\')
    ? back
    : DLQ_PATH;
}

/** A letter's page. */
export function letterHref(id: string): string {
  return `${DLQ_PATH}/${encodeURIComponent(id)}`;
}

/** A replay job's page. */
export function jobHref(jobId: string): string {
  return `${REPLAYS_PATH}/${encodeURIComponent(jobId)}`;
}

/** The trace page of an event. */
export function traceHref(eventId: string): string {
  return `${TRACE_PATH}?eventId=${encodeURIComponent(eventId)}`;
}
