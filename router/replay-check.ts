import type { Clock } from '../core/clock';
import type { HubConfig } from '../core/config';
import { routerKeys, type RouterKeys } from '../core/names/redis-keys';
import type { Redis } from '../core/redis';
import type { SchemaResolver } from '../core/registry';
import type { CatalogEntry } from '../schemas';
import { analyzeRecord, conflictRejection } from './analysis';
import { liveRouterCatalog, type LiveRouterCatalog } from './catalog';
import { compileRoutes, type Router } from './match';
import { createValidator, type IngressRecord, type Rejection, type Validator } from './validate';

/**
 * The router's verdict on one record, read-only: what the router would do with it if it arrived
 * on its ingress topic now (dead-letter replay: the dry run and the replay runner's re-check).
 *
 * Faithful to router/analysis.ts: the same validator (size, framing, schema and catalog, metadata,
 * headers, key, data rules), the same routes (compiled from the configuration), and the duplicate
 * mark of router/dedupe.ts — but the mark is only read (GET), never written. Two differences from
 * the running router, both on purpose: a schema the catalog does not know is its rejection at once
 * (no grace wait, router/catalog-grace.ts: a dry run answers now), and there is no "same attempt"
 * (a replay is always a new record at a new offset).
 */

/** The duplicate mark's verdict for a record at a new origin (see router/dedupe.ts). */
export type SeenPreview = 'new' | 'duplicate' | 'conflict';

export type RouterPreview =
  | {
      ok: true;
      eventId: string;
      eventType: string;
      /** The subscribers its routes select now (empty: unrouted), and the route of each. */
      subscribers: string[];
      routes: Record<string, string>;
      seen: SeenPreview;
    }
  | { ok: false; rejection: Rejection };

export interface RouterPreviewOptions {
  /** The configuration in force (routes, rules, hub.router). */
  config: HubConfig;
  resolver: SchemaResolver;
  /** The catalog in force, read at every check (a follower's current(): schemas/follow.ts). */
  catalog: () => readonly CatalogEntry[];
  /** Only GET is used. */
  redis: Pick<Redis, 'get'>;
  /** Prefix of the router's Redis keys (core/names/redis-keys.ts). */
  redisPrefix: string;
  clock: Clock;
}

export interface RouterPreviewer {
  /**
   * The verdict on `record` as read from the ingress topic of `siteId`. Rejects with a retriable
   * CrossdockError when the registry or Redis does not answer.
   */
  preview(record: IngressRecord, siteId: string): Promise<RouterPreview>;
}

/** The duplicate verdict from a mark (`"<hash> <origin>"`, or null when absent) and the record's hash. */
export function seenPreview(mark: string | null, hash: string): SeenPreview {
  if (mark === null) return 'new';
  const sp = mark.indexOf(' ');
  return sp >= 0 && mark.slice(0, sp) === hash ? 'duplicate' : 'conflict';
}

export function createRouterPreviewer(options: RouterPreviewOptions): RouterPreviewer {
  const router: Router = compileRoutes(options.config);
  let entries = options.catalog();
  const catalog: LiveRouterCatalog = liveRouterCatalog({ entries: [...entries] });
  const validator: Validator = createValidator({
    config: options.config,
    resolver: options.resolver,
    catalog,
    clock: options.clock,
    convertAll: router.usesFields,
  });
  const keys: RouterKeys = routerKeys(options.redisPrefix);
  return {
    async preview(record, siteId) {
      const now = options.catalog();
      if (now !== entries) {
        entries = now;
        catalog.replace({ entries: [...now] });
      }
      const a = await analyzeRecord(validator, router, record, siteId);
      if (!a.ok) return { ok: false, rejection: a.rejection };
      const seen = seenPreview(await options.redis.get(keys.seen(a.eventId)), a.hash);
      if (seen === 'conflict')
        // The rejection router/batch.ts writes for a conflict.
        return { ok: false, rejection: conflictRejection(a) };
      return {
        ok: true,
        eventId: a.eventId,
        eventType: a.eventType,
        subscribers: [...a.route.subscribers],
        routes: { ...a.route.routeOf },
        seen,
      };
    },
  };
}
