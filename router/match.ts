import type { HubConfig, RouteConfig, SiteConfig } from '../core/config';
import { testCondition, valueAt } from '../core/config/conditions';
import { globToRegExp, isGlob } from './glob';

/**
 * Route matching: the configuration's routes compiled once into predicates. Pure and
 * synchronous; the router calls it for every valid event and `crossdock routes test` calls it
 * to explain a decision.
 */

/** What a route can look at. `event` is the decoded event as JSON (decimals as strings). */
export interface RoutingInput {
  eventType: string;
  siteId: string;
  headers: Readonly<Record<string, string | undefined>>;
  event: unknown;
}

export interface RouteVerdict {
  route: string;
  matched: boolean;
  /** Why it matched, or the first criterion that failed. */
  reason: string;
  to: readonly string[];
}

export interface RoutingDecision {
  /** Union of the subscribers of every matching route, in configuration order. */
  subscribers: string[];
  /** For each subscriber, the first route that sent it there (travels in the cd-route header). */
  routeOf: Record<string, string>;
  verdicts: RouteVerdict[];
}

// The condition language routes and flows share lives in core (core/config/conditions.ts).
export { testCondition, valueAt };

type Check = (input: RoutingInput, site: SiteConfig | undefined) => string | undefined;

function compileRoute(route: RouteConfig): Check[] {
  const m = route.match;
  const checks: Check[] = [];
  if (m.eventTypes) {
    const exact = new Set(m.eventTypes.filter((t) => !isGlob(t)));
    const globs = m.eventTypes.filter(isGlob).map(globToRegExp);
    checks.push((i) =>
      exact.has(i.eventType) || globs.some((g) => g.test(i.eventType))
        ? undefined
        : `event type ${i.eventType} not in ${JSON.stringify(m.eventTypes)}`,
    );
  }
  if (m.sites) {
    const sites = new Set(m.sites);
    checks.push((i) =>
      sites.has(i.siteId) ? undefined : `site ${i.siteId} not in ${JSON.stringify(m.sites)}`,
    );
  }
  if (m.countries) {
    const countries = new Set(m.countries);
    checks.push((_i, s) =>
      s && countries.has(s.country)
        ? undefined
        : `country ${s?.country ?? '?'} not in ${JSON.stringify(m.countries)}`,
    );
  }
  if (m.groups) {
    const groups = m.groups;
    checks.push((_i, s) =>
      s && s.groups.some((g) => groups.includes(g))
        ? undefined
        : `site groups ${JSON.stringify(s?.groups ?? [])} not in ${JSON.stringify(groups)}`,
    );
  }
  for (const h of m.headers ?? [])
    checks.push((i) => testCondition(h, i.headers[h.header], `header ${h.header}`));
  for (const f of m.fields ?? [])
    checks.push((i) => testCondition(f, valueAt(i.event, f.field), `field ${f.field}`));
  return checks;
}

export interface Router {
  decide(input: RoutingInput): RoutingDecision;
  /** Whether any route tests headers (else the router need not read them). */
  readonly usesHeaders: boolean;
  /** Whether any route tests payload fields (which then need converted logical types). */
  readonly usesFields: boolean;
  /**
   * decide() without the explanations, for the hot path. When no route tests headers or payload
   * fields, the answer depends only on event type and site, so it is computed once per pair and
   * shared: callers must not modify it.
   */
  route(input: RoutingInput): Readonly<Pick<RoutingDecision, 'subscribers' | 'routeOf'>>;
}

/** Distinct (event type, site) answers kept by route(); beyond it the cache starts over. */
const MAX_CACHED_DECISIONS = 10_000;

export function compileRoutes(config: Pick<HubConfig, 'routes' | 'siteById'>): Router {
  const compiled = config.routes.map((r) => ({ route: r, checks: compileRoute(r) }));
  const usesHeaders = config.routes.some((r) => (r.match.headers?.length ?? 0) > 0);
  const usesFields = config.routes.some((r) => (r.match.fields?.length ?? 0) > 0);
  const cache = new Map<string, Pick<RoutingDecision, 'subscribers' | 'routeOf'>>();
  function lean(input: RoutingInput): Pick<RoutingDecision, 'subscribers' | 'routeOf'> {
    const site = config.siteById[input.siteId];
    const subscribers: string[] = [];
    const routeOf: Record<string, string> = {};
    for (const { route, checks } of compiled) {
      let failed = false;
      for (const c of checks) {
        if (c(input, site) !== undefined) {
          failed = true;
          break;
        }
      }
      if (failed) continue;
      for (const s of route.to) {
        if (routeOf[s] === undefined) {
          routeOf[s] = route.name;
          subscribers.push(s);
        }
      }
    }
    return { subscribers, routeOf };
  }
  return {
    usesHeaders,
    usesFields,
    route(input) {
      if (usesHeaders || usesFields) return lean(input);
      const k = `${input.eventType}\n${input.siteId}`;
      let d = cache.get(k);
      if (!d) {
        if (cache.size >= MAX_CACHED_DECISIONS) cache.clear();
        d = lean(input);
        cache.set(k, d);
      }
      return d;
    },
    decide(input) {
      const site = config.siteById[input.siteId];
      const subscribers: string[] = [];
      const routeOf: Record<string, string> = {};
      const verdicts: RouteVerdict[] = [];
      for (const { route, checks } of compiled) {
        let failed: string | undefined;
        for (const c of checks) {
          failed = c(input, site);
          if (failed) break;
        }
        verdicts.push({
          route: route.name,
          matched: !failed,
          reason: failed ?? (checks.length ? 'every criterion holds' : 'matches every event'),
          to: route.to,
        });
        if (failed) continue;
        for (const s of route.to) {
          if (routeOf[s] === undefined) {
            routeOf[s] = route.name;
            subscribers.push(s);
          }
        }
      }
      return { subscribers, routeOf, verdicts };
    },
  };
}
