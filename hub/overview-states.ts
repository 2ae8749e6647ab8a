import type { OverviewState } from '../dlq';

/**
 * How the overview (hub/overview.ts) judges a site, the router and a subscriber: each rule gives
 * a state and the reason in words; the worst state wins, and the reasons are all kept, those of
 * the worst state first, each in the order the rules are written (most telling first).
 *
 * - bad (needs someone now): the component is not running; a subscriber's breaker is open or its
 *   consumer is not consuming; the router's fetch loop is unhealthy or Kafka is down; a site's
 *   source connector is not running or not ready.
 * - warn (worth a look): dead letters rising (new ones within the rate window); open dead letters
 *   (not yet replayed, resolved or discarded: someone has work, however old); events waiting
 *   for a retry; keys held after a dead letter; a breaker half-open; the router far behind
 *   (ROUTER_LAG_WARN records); a site with no event for `siteQuietMs`.
 */

/** Records the router may be behind before it is `warn`. */
export const ROUTER_LAG_WARN = 10_000;
/** A site with no event for this long is `warn` (hub/overview.ts `siteQuietMs`). */
export const SITE_QUIET_DEFAULT_MS = 2 * 3600_000;

export interface Finding {
  state: Exclude<OverviewState, 'ok'>;
  reason: string;
}

/** The worst state of the findings, and every reason, the worst state's first. */
export function verdict(findings: readonly Finding[]): { state: OverviewState; reason?: string } {
  if (!findings.length) return { state: 'ok' };
  const bad = findings.filter((f) => f.state === 'bad');
  const ordered = [...bad, ...findings.filter((f) => f.state !== 'bad')];
  return { state: bad.length ? 'bad' : 'warn', reason: ordered.map((f) => f.reason).join('; ') };
}

/** A span for people: `45 s`, `3 min`, `2 h`, `3 d` (rounded down). */
export function span(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** A moment for people: `21:40:23 UTC (3 min ago)`, with the date when it is not today's. */
export function moment(at: number | string, now: number): string {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(t)) return String(at);
  const iso = new Date(t).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  const clock = `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 19)} UTC`;
  return `${clock} (${span(now - t)} ago)`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "12 open dead letters" while the index holds open ones (null: the index did not answer). */
function openLetters(open: number | null | undefined, last?: string): Finding[] {
  return open
    ? [{ state: 'warn', reason: `${plural(open, 'open dead letter')} to work${last ? `; ${last}` : ''}` }]
    : [];
}

/** "dead letters rising: 4 in the last 10 s" when the window saw new ones. */
function rising(newDead: number, windowSeconds: number | null): Finding[] {
  return newDead > 0 && windowSeconds !== null
    ? [{ state: 'warn', reason: `dead letters rising: ${newDead} in the last ${span(windowSeconds * 1000)}` }]
    : [];
}

export interface SubscriberFacts {
  id: string;
  /** The subscriber's /status entry; undefined when the process has none (connector not running). */
  status: Record<string, unknown> | undefined;
  /** Dead letters its connector wrote within the rate window. */
  newDead: number;
  /** Its open dead letters in the index (null: the index did not answer). */
  openDead?: number | null;
  windowSeconds: number | null;
  now: number;
}

function lastErrorText(e: unknown, now: number): string | undefined {
  const l = e as { code?: unknown; class?: unknown; at?: unknown } | undefined;
  if (!l || typeof l.code !== 'string') return undefined;
  const cls = typeof l.class === 'string' ? ` (${l.class})` : '';
  const at = typeof l.at === 'string' ? ` at ${moment(l.at, now)}` : '';
  return `last error ${l.code}${cls}${at}`;
}

export function judgeSubscriber(f: SubscriberFacts): Finding[] {
  const s = f.status;
  if (!s) return [{ state: 'bad', reason: 'its connector is not running in this hub (no status)' }];
  if (typeof s.error === 'string')
    return [{ state: 'warn', reason: `its status did not answer: ${s.error}` }];
  const out: Finding[] = [];
  const last = lastErrorText(s.lastError, f.now);
  const since = typeof s.breakerSince === 'string' ? ` since ${moment(s.breakerSince, f.now)}` : '';
  if (s.breaker === 'open') {
    const probe = Number(s.breakerRetryInMs ?? 0);
    out.push({
      state: 'bad',
      reason: `breaker open${since}${probe > 0 ? `, next probe in ${span(probe)}` : ''}${last ? `; ${last}` : ''}`,
    });
  }
  if (s.consuming === false)
    out.push({ state: 'bad', reason: 'consumer not consuming (nothing is read from its deliver topic)' });
  if (s.breaker === 'half-open')
    out.push({ state: 'warn', reason: `breaker half-open${since}: probing the subscriber` });
  out.push(...rising(f.newDead, f.windowSeconds));
  out.push(...openLetters(f.openDead, s.breaker === 'open' ? undefined : last));
  const held = Number(s.heldKeys ?? 0);
  if (held > 0)
    out.push({
      state: 'warn',
      reason: `${plural(held, 'key')} held after a dead letter (crossdock connector ${f.id} --release-key <key>)`,
    });
  const inRetry = Number(s.inRetry ?? 0);
  if (inRetry > 0 && s.breaker !== 'open')
    out.push({
      state: 'warn',
      reason: `${plural(inRetry, 'event')} waiting for a retry${last ? `; ${last}` : ''}`,
    });
  return out;
}

export interface RouterFacts {
  /** The router's /status component entry; undefined when it does not run here. */
  component: Record<string, unknown> | undefined;
  /** The router's readiness check (its fetch loop is healthy); undefined when absent. */
  healthy: boolean | undefined;
  kafka: { up: boolean; lastError?: string } | undefined;
  lag: number;
  newDead: number;
  windowSeconds: number | null;
}

export function judgeRouter(f: RouterFacts): Finding[] {
  if (!f.component || f.component.started !== true)
    return [{ state: 'bad', reason: 'the router is not running in this hub' }];
  const out: Finding[] = [];
  if (f.kafka && !f.kafka.up)
    out.push({ state: 'bad', reason: `Kafka is down${f.kafka.lastError ? `: ${f.kafka.lastError}` : ''}` });
  if (f.healthy === false)
    out.push({ state: 'bad', reason: 'its fetch loop is unhealthy: events are not being routed' });
  if (f.lag >= ROUTER_LAG_WARN) out.push({ state: 'warn', reason: `${plural(f.lag, 'record')} behind` });
  out.push(...rising(f.newDead, f.windowSeconds));
  return out;
}

export interface SiteFacts {
  kind: string;
  /** The /status entry of the source component of the site's kind (http-ingest, csv-drop-folder). */
  source: Record<string, unknown> | undefined;
  /** Whether the process knows sites' last events (the flow tracker's gauge is registered). */
  knowsLastEvent: boolean;
  lastEventAt: number | null;
  eventsPerSecond: number | null;
  /** The router's dead letters of this site that appeared within the rate window. */
  newDead: number;
  /** The site's open dead letters in the index (null: the index did not answer). */
  openDead?: number | null;
  windowSeconds: number | null;
  now: number;
  quietMs: number;
}

/** The source component that serves a site of this kind (none for sdk: sites produce to Kafka). */
export const SOURCE_COMPONENT: Readonly<Record<string, string>> = Object.freeze({
  http: 'http-ingest',
  csv: 'csv-drop-folder',
});

export function judgeSite(f: SiteFacts): Finding[] {
  const out: Finding[] = [];
  const component = SOURCE_COMPONENT[f.kind];
  if (component) {
    const what = f.kind === 'http' ? 'HTTP ingest' : 'the CSV drop folder watcher';
    if (!f.source || f.source.started === false)
      out.push({ state: 'bad', reason: `${what} is not running in this hub` });
    else if (f.source.ready === false) {
      const e = (f.source.lastError as { message?: unknown } | undefined)?.message;
      out.push({
        state: 'bad',
        reason: `${what} is not ready${typeof e === 'string' ? `: ${e.slice(0, 200)}` : ''}`,
      });
    }
  }
  out.push(...rising(f.newDead, f.windowSeconds));
  out.push(...openLetters(f.openDead));
  const flowing = (f.eventsPerSecond ?? 0) > 0;
  if (f.knowsLastEvent && !flowing) {
    if (f.lastEventAt === null) out.push({ state: 'warn', reason: 'no event in the last 24 h' });
    else if (f.now - f.lastEventAt >= f.quietMs)
      out.push({ state: 'warn', reason: `no event for ${span(f.now - f.lastEventAt)}` });
  }
  return out;
}
