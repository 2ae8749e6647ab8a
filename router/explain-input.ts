import { CrossdockError } from '../core/errors';

/**
 * The inputs `crossdock routes test` reads, as a list of cases (pure):
 * - a bare canonical event as JSON (`{ "metadata": {...}, ... }`, what `toJsonSafe` gives);
 * - an envelope `{ "event": {...}, "headers"?: {...}, "siteId"?: "...", "key"?: "...",
 *   "version"?: N, "subject"?: "..." }`: headers as sent, the site whose ingress topic it arrives
 *   on (default metadata.siteId), the Kafka key (default the business key), the catalog version it
 *   is written with (default the newest active, as the connectors and the SDK write) and the
 *   record it is written as (default the catalog subject of metadata.eventType);
 * - a golden sample (`sites/<id>/samples/*.expected.json`: `{ "events": [...] }` or
 *   `{ "problems": [...] }`) or the output of `crossdock site test --json` (`{ siteId, events,
 *   problems }`): one case per event; problems mean the site connector refused the input, so
 *   nothing reaches the router;
 * - a JSON array of any of these.
 */

export interface EventCase {
  kind: 'event';
  /** Where the case comes from in the input, e.g. `events[1]`. */
  label: string;
  event: Record<string, unknown>;
  headers: Record<string, string>;
  siteId?: string;
  key?: string;
  version?: number;
  subject?: string;
}

/** Problems a site connector found in its input (`site test`): refused before the router. */
export interface RefusedCase {
  kind: 'refused';
  label: string;
  siteId?: string;
  problems: Array<{ path: string; code: string; expected?: string; got?: string }>;
}

export type ExplainCase = EventCase | RefusedCase;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function usage(where: string, what: string): CrossdockError {
  return new CrossdockError('CD_E_USAGE', `${where}: ${what}`);
}

function headerStrings(h: unknown, where: string): Record<string, string> {
  if (h === undefined || h === null) return {};
  if (!isObject(h)) throw usage(where, 'headers must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : String(v);
  }
  return out;
}

function optString(v: unknown, name: string, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw usage(where, `${name} must be a non-empty string`);
  return v;
}

function eventCase(v: unknown, label: string, siteId?: string): EventCase {
  if (!isObject(v) || !isObject(v.metadata))
    throw usage(label, 'not a canonical event (an object with a "metadata" record)');
  return { kind: 'event', label, event: v, headers: {}, ...(siteId ? { siteId } : {}) };
}

function envelopeCase(v: Record<string, unknown>, label: string): EventCase {
  const base = eventCase(v.event, `${label}.event`);
  const version = v.version;
  if (version !== undefined && (!Number.isInteger(version) || (version as number) < 1))
    throw usage(label, 'version must be a catalog version number (1, 2, …)');
  const siteId = optString(v.siteId, 'siteId', label);
  const key = optString(v.key, 'key', label);
  const subject = optString(v.subject, 'subject', label);
  return {
    ...base,
    label,
    headers: headerStrings(v.headers, label),
    ...(siteId ? { siteId } : {}),
    ...(key ? { key } : {}),
    ...(version !== undefined ? { version: version as number } : {}),
    ...(subject ? { subject } : {}),
  };
}

function problemsOf(v: unknown, label: string): RefusedCase['problems'] {
  if (!Array.isArray(v)) throw usage(label, 'problems must be a list');
  return v.map((p, i) => {
    if (!isObject(p)) throw usage(`${label}[${i}]`, 'a problem is an object');
    return {
      path: String(p.path ?? '?'),
      code: String(p.code ?? 'CD_E_INPUT_REJECTED'),
      ...(p.expected !== undefined ? { expected: String(p.expected) } : {}),
      ...(p.got !== undefined ? { got: String(p.got) } : {}),
    };
  });
}

function casesOf(v: unknown, label: string): ExplainCase[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => casesOf(x, `${label}[${i}]`));
  if (!isObject(v))
    throw usage(
      label,
      'expected an event, an { event, headers, siteId } envelope, a golden sample or site test output',
    );
  if ('events' in v || 'problems' in v) {
    // A golden sample or `site test --json`: its siteId (site test) is the arrival site.
    const siteId = optString(v.siteId, 'siteId', label);
    const out: ExplainCase[] = [];
    const problems = v.problems === undefined ? [] : problemsOf(v.problems, `${label}problems`);
    if (problems.length)
      out.push({ kind: 'refused', label: `${label}problems`, problems, ...(siteId ? { siteId } : {}) });
    if (v.events !== undefined) {
      if (!Array.isArray(v.events)) throw usage(label, 'events must be a list');
      v.events.forEach((e, i) => out.push(eventCase(e, `${label}events[${i}]`, siteId)));
    }
    if (!out.length) throw usage(label, 'no events and no problems: nothing to test');
    return out;
  }
  if ('event' in v) return [envelopeCase(v, label || 'envelope')];
  return [eventCase(v, label || 'event')];
}

/** Every case of a parsed input file; CD_E_USAGE (naming where) when it is none of the shapes. */
export function explainCases(input: unknown): ExplainCase[] {
  return casesOf(input, '');
}
