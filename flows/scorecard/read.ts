import type { HubConfig } from '../../core/config/types';
import { CrossdockError, isCrossdockError } from '../../core/errors';
import { flowKeys } from '../../core/names/redis-keys';
import type { Redis } from '../../core/redis';
import type { SiteScorecard } from '../contract';
import { siteScorecard, sumHours, worstFirst } from './figures';
import { DEFAULT_SCORECARD_SINCE, parseScorecardTime, scorecardHours } from './period';
import { cachedMappingVariant } from './variant';

export interface ReadScorecardsOptions {
  redis: Redis;
  /** The hub's Redis prefix (core/names/redis-keys.ts resolveRedisPrefix). */
  redisPrefix: string;
  /** The configuration in force: its sites, their groups and connectors, and its flows. */
  config: HubConfig;
  /** The period, epoch ms; rounded out to whole UTC hours (period.ts scorecardHours). */
  since: number;
  until: number;
  /** Only this site; CD_E_SCORECARD_SITE_NOT_FOUND when it is neither configured nor has figures. */
  site?: string;
}

function unavailable(err: unknown): CrossdockError {
  return new CrossdockError(
    'CD_E_SCORECARD_UNAVAILABLE',
    `the scorecards could not be read from Redis: ${String(err)}`,
    {
      cause: err,
    },
  );
}

/**
 * The site scorecards of a period (flows/contract.ts SiteScorecard, docs/flows.md "Site
 * scorecards"), worst conformance first. Every configured site is there (zeros when it sent
 * nothing); a site that is no longer configured is there too when it has figures in the period,
 * with `configured: false`. The figures sum the site's hour hashes of [from, to) — the recorder's
 * ingress counts and the engine's flow counts — in one pipelined read.
 */
export async function readScorecards(options: ReadScorecardsOptions): Promise<SiteScorecard[]> {
  const { redis, config } = options;
  const keys = flowKeys(options.redisPrefix);
  const { from, to, hours } = scorecardHours(options.since, options.until);
  const configured = new Set(config.sites.map((s) => s.id));
  let ids: string[];
  try {
    const known = await redis.smembers(keys.sites);
    ids = [...new Set([...config.sites.map((s) => s.id), ...known.sort()])];
  } catch (err) {
    throw unavailable(err);
  }
  if (options.site !== undefined) {
    if (!ids.includes(options.site))
      throw new CrossdockError(
        'CD_E_SCORECARD_SITE_NOT_FOUND',
        `no site ${options.site}: it is not configured and the hub holds no figures of it`,
        { details: { site: options.site } },
      );
    ids = [options.site];
  }
  const pipeline = redis.pipeline();
  for (const id of ids) for (const h of hours) pipeline.hgetall(keys.siteHour(id, h));
  let results: Array<[Error | null, unknown]>;
  try {
    results = ids.length && hours.length ? ((await pipeline.exec()) ?? []) : [];
  } catch (err) {
    throw isCrossdockError(err) ? err : unavailable(err);
  }
  const flows = config.flows;
  const cards: SiteScorecard[] = [];
  ids.forEach((id, i) => {
    const hashes = results.slice(i * hours.length, (i + 1) * hours.length).map(([err, value]) => {
      if (err) throw unavailable(err);
      return (value ?? {}) as Record<string, string>;
    });
    const site = config.siteById[id];
    const sum = sumHours(hashes);
    // A site no longer configured is listed only while it has figures in the period.
    if (!site && sum.size === 0 && options.site === undefined) return;
    cards.push(
      siteScorecard(sum, {
        siteId: id,
        from,
        to,
        groups: site?.groups ?? [],
        configured: configured.has(id),
        mappingVariant: site ? cachedMappingVariant(config, site) : '(not configured)',
        flows,
      }),
    );
  });
  return cards.sort(worstFirst);
}

export interface ScorecardSourceOptions {
  /**
   * The client, or a function giving it once it exists (a component makes its client in start():
   * until then, and after stop, there is nothing to read and the source gives no scorecards).
   */
  redis: Redis | (() => Redis | undefined);
  redisPrefix: string;
  /** The configuration in force, read at each refresh. */
  config: () => HubConfig;
  /** @defaultValue Date.now */
  clock?: () => number;
  /** How long one read is served again (ms). @defaultValue 5000 */
  cacheMs?: number;
}

/** The last 24 hours. */
const DAY_MS = 86_400_000;

/**
 * The scorecards of the last 24 hours, for flows/metrics.ts (`sources.scorecards`, read at each
 * Prometheus scrape): one Redis read per `cacheMs` at most, however many gauges and scrapers ask;
 * a failed read is not kept (the next call reads again).
 */
export function scorecardSource(options: ScorecardSourceOptions): () => Promise<SiteScorecard[]> {
  const clock = options.clock ?? Date.now;
  const cacheMs = options.cacheMs ?? 5000;
  let cached: { at: number; value: Promise<SiteScorecard[]> } | undefined;
  return () => {
    const now = clock();
    if (!cached || now - cached.at >= cacheMs) {
      const redis = typeof options.redis === 'function' ? options.redis() : options.redis;
      if (!redis) return Promise.resolve([]);
      const value = readScorecards({
        redis,
        redisPrefix: options.redisPrefix,
        config: options.config(),
        since: now - DAY_MS,
        until: now,
      });
      const entry = { at: now, value };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** A scorecard request as the admin API and the CLI give it: times not parsed yet. */
export interface ScorecardQuery {
  site?: string;
  /** A duration ago, an ISO time or epoch ms. @defaultValue '24h' */
  since?: string;
  /** As since. @defaultValue now */
  until?: string;
}

/**
 * readScorecards for requests (the admin API's GET /sites/scorecard): parses the period against
 * the clock (CD_E_SCORECARD_PERIOD_INVALID), reads with the configuration in force.
 */
export function scorecardQuery(options: {
  redis: Redis;
  redisPrefix: string;
  config: () => HubConfig;
  /** @defaultValue Date.now */
  clock?: () => number;
}): (query: ScorecardQuery) => Promise<SiteScorecard[]> {
  const clock = options.clock ?? Date.now;
  return async (query) => {
    const now = clock();
    const since = parseScorecardTime(query.since ?? DEFAULT_SCORECARD_SINCE, 'since', now);
    const until = query.until !== undefined ? parseScorecardTime(query.until, 'until', now) : now;
    return readScorecards({
      redis: options.redis,
      redisPrefix: options.redisPrefix,
      config: options.config(),
      since,
      until,
      ...(query.site !== undefined ? { site: query.site } : {}),
    });
  };
}
