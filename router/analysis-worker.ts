import type { RedisConnection, RegistryConnection } from '../core/connection';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock';
import type { HubConfig } from '../core/config';
import { isCrossdockError } from '../core/errors';
import { createRedis } from '../core/redis';
import { createSchemaResolver } from '../core/registry';
import { loadCatalog, type CatalogEntry } from '../schemas';
import { analyzeBatch } from './analysis';
import { unpackBatch, type PackedBatch } from './analysis-wire';
import { liveRouterCatalog, type LiveRouterCatalog } from './catalog';
import { createDeduper } from './dedupe';
import { routerKeys } from '../core/names/redis-keys';
import { compileRoutes } from './match';
import { createValidator } from './validate';

/**
 * An analysis worker thread (started by router/analysis-pool.ts, never run directly).
 *
 * Protocol (structured clone over the worker's port):
 *   in:  workerData = WorkerSetup
 *   out: { kind: 'ready' } once the catalog, routes and rules are compiled,
 *        or { kind: 'fatal', error } when they cannot be (the router refuses to start)
 *   in:  { id, siteId, batch: PackedBatch }
 *   out: { id, analyses: RecordAnalysis[] } or { id, error: WireError }
 *   in:  { kind: 'catalog', entries } — a newer catalog (schemas/follow.ts): batches posted after
 *        it are validated against it (messages are handled in order; no reply)
 */
export interface WorkerSetup {
  config: HubConfig;
  /** The registry and Redis as the hub reaches them (plain data: core/connection.ts). */
  registry: RegistryConnection;
  redis: RedisConnection;
  /** Prefix of every Redis key (core/names/redis-keys.ts). */
  redisPrefix: string;
  /** Names the worker's Redis connection. */
  name: string;
  /** The event catalog's entries. @defaultValue loadCatalog()'s (schemas/) */
  catalogEntries?: CatalogEntry[];
}

/** A newer catalog for the worker (router/analysis-pool.ts updateCatalog()). */
export interface CatalogMessage {
  kind: 'catalog';
  entries: readonly CatalogEntry[];
}

/** An error as it crosses the thread boundary (a CrossdockError keeps its code and retriable bit). */
export interface WireError {
  message: string;
  code?: string;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  if (isCrossdockError(err))
    return {
      message: err.message,
      code: err.code,
      retriable: err.retriable,
      ...(err.details ? { details: err.details } : {}),
    };
  return { message: err instanceof Error ? err.message : String(err) };
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('router/analysis-worker.ts runs only as a worker thread');
  const setup = workerData as WorkerSetup;
  let analyze: (siteId: string, batch: PackedBatch) => ReturnType<typeof analyzeBatch>;
  let catalog: LiveRouterCatalog;
  try {
    const router = compileRoutes(setup.config);
    catalog = liveRouterCatalog(setup.catalogEntries ? { entries: setup.catalogEntries } : loadCatalog());
    const validator = createValidator({
      config: setup.config,
      resolver: createSchemaResolver(setup.registry),
      catalog,
      clock: systemClock,
      convertAll: router.usesFields,
    });
    const redis = createRedis({ connection: setup.redis, name: setup.name, failFast: true });
    const deduper = createDeduper(
      redis,
      routerKeys(setup.redisPrefix),
      setup.config.hub.router.duplicateWindowSeconds,
    );
    analyze = (siteId, batch) => analyzeBatch({ validator, router, deduper }, siteId, unpackBatch(batch));
  } catch (err) {
    port.postMessage({ kind: 'fatal', error: toWireError(err) });
    return;
  }
  port.on('message', (msg: { id: number; siteId: string; batch: PackedBatch } | CatalogMessage) => {
    if ('kind' in msg) {
      catalog.replace({ entries: [...msg.entries] });
      return;
    }
    analyze(msg.siteId, msg.batch).then(
      (analyses) => port.postMessage({ id: msg.id, analyses }),
      (err: unknown) => port.postMessage({ id: msg.id, error: toWireError(err) }),
    );
  });
  port.postMessage({ kind: 'ready' });
}

main();
