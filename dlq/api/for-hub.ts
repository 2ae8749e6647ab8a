import crypto from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { resolveRedisPrefix } from '../../core/names/redis-keys';
import { topics } from '../../core/names/topics';
import { createRedis, type Redis } from '../../core/redis';
import { createSchemaResolver } from '../../core/registry';
import {
  followCatalog,
  loadCatalog,
  makeCatalog,
  type Catalog,
  type CatalogEntry,
  type CatalogFollower,
} from '../../schemas';
import { createAuditLog, type AuditLog } from '../audit';
import type { AuditRecord, DeadLetterStore } from '../contract';
import { createDlqServices, type DlqContext, type DlqServices } from '../component';
import { createReplayService } from '../replay/service';
import { createAdminApi, type AdminApi } from './component';
import type { AdminApiDeps } from './server';

/**
 * The admin API as `crossdock start` runs it: on `hub.admin.host`/`port`, over the dead-letter
 * index of this hub (createDlqServices: the store, changes written to `<prefix>.dlq.state` first,
 * reindex and the tracer), replay jobs (dlq/replay/service.ts: dry runs, and jobs the replay
 * runner component sends), the audit trail (`<prefix>.audit` and its Redis copy), the schema
 * registry (show decodes) and the catalog the routers follow (personal fields of event types
 * pushed while the hub runs are masked too; dry runs check against it). Every client is made in
 * start() and closed in stop().
 */
export interface HubAdminApiOptions extends DlqContext {
  /** @defaultValue config().hub.admin.host */
  host?: string;
  /** 0: any free port. @defaultValue config().hub.admin.port */
  port?: number;
  /** The local admin token (made by the caller when the host is loopback). */
  localToken?: string;
  /**
   * The site scorecards (GET /sites/scorecard), made on the API's Redis client by the composition
   * root (hub/start.ts: flows/ scorecardQuery). Absent: that operation answers 503.
   */
  scorecards?: (redis: { redis: Redis; redisPrefix: string }) => AdminApiDeps['scorecards'];
  /**
   * The live overview (GET /overview), made on the API's dead-letter store by the composition
   * root (hub/start.ts: hub/overview.ts hubOverview). Absent: that operation answers 503.
   */
  overview?: (ctx: { store: DeadLetterStore }) => AdminApiDeps['overview'];
  /**
   * The flow engine's read side (GET /flows, /flows/overdue, /flows/{flow}/{key}), made on the
   * API's Redis client by the composition root (hub/start.ts: flows/ createFlowReader). Absent:
   * those operations answer 503.
   */
  flows?: (redis: { redis: Redis; redisPrefix: string }) => AdminApiDeps['flows'];
  /** More routes on the API's app (the operations console), injected by the composition root. */
  extend?: AdminApiDeps['extend'];
}

/** The admin API as `crossdock start` runs it, and its audit trail for other operations of the hub. */
export interface HubAdminApi extends AdminApi {
  /**
   * Writes a record to the audit trail once the API started (configuration changes sent to the
   * health port's POST /config are audited through this). Before start or after stop: nothing.
   */
  audit(record: AuditRecord): Promise<void>;
}

export function hubAdminApi(options: HubAdminApiOptions): HubAdminApi {
  const config = options.config();
  const host = options.host ?? config.hub.admin.host;
  const port = options.port ?? config.hub.admin.port;
  const logger = options.logger.child({ component: 'admin-api' });
  let api: AdminApi | undefined;
  let services: DlqServices | undefined;
  let producer: Producer | undefined;
  let redis: Redis | undefined;
  let follower: CatalogFollower | undefined;
  let auditLog: AuditLog | undefined;

  async function close() {
    await api?.stop();
    await follower?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    redis?.disconnect();
    await services?.close().catch(() => undefined);
    api = services = producer = redis = follower = auditLog = undefined;
  }

  return {
    name: 'admin-api',
    audit: (record) => auditLog?.record(record) ?? Promise.resolve(),
    get url() {
      return api?.url;
    },
    get port() {
      return api?.port ?? 0;
    },
    get app() {
      return api?.app;
    },
    async start() {
      if (api) return;
      try {
        const names = topics(config);
        const kafka = createKafka({
          clientId: 'crossdock-admin-api',
          connection: options.endpoints.kafka,
          logger,
        });
        services = createDlqServices({ ...options, logger });
        redis = createRedis({
          connection: options.endpoints.redis,
          name: 'crossdock-admin-api',
          commandTimeoutMs: 5000,
        });
        producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        const shipped = loadCatalog();
        follower = followCatalog({
          kafka,
          topic: names.catalog,
          fallback: shipped.entries,
          name: `admin-api-${crypto.randomBytes(4).toString('hex')}`,
          logger,
        });
        await follower.start();
        const f = follower;
        let cached: { entries: readonly CatalogEntry[]; catalog: Catalog } | undefined;
        const catalog = () => {
          const entries = f.current();
          if (cached?.entries !== entries)
            cached = { entries, catalog: makeCatalog(shipped.dir, [...entries]) };
          return cached.catalog;
        };
        const dlq = services;
        const redisPrefix = resolveRedisPrefix({
          topicPrefix: config.hub.topicPrefix,
          redisPrefix: options.redisPrefix,
        });
        const resolver = createSchemaResolver(options.endpoints.registry);
        api = createAdminApi({
          host,
          port,
          config: options.config,
          store: dlq.store,
          tracer: dlq.tracer,
          reindex: () => dlq.reindex(),
          replay: createReplayService({
            redis,
            redisPrefix,
            store: dlq.store,
            config: options.config,
            resolver,
            catalog: () => f.current(),
            logger,
          }),
          audit: (auditLog = createAuditLog({
            producer,
            redis,
            redisPrefix,
            topic: names.audit,
          })),
          // One resolver (one cache of schemas by id) for the dry runs and `show`.
          resolver,
          catalog,
          ...(options.localToken ? { localToken: options.localToken } : {}),
          ...(options.scorecards ? { scorecards: options.scorecards({ redis, redisPrefix }) } : {}),
          ...(options.overview ? { overview: options.overview({ store: dlq.store }) } : {}),
          ...(options.flows ? { flows: options.flows({ redis, redisPrefix }) } : {}),
          ...(options.extend ? { extend: options.extend } : {}),
          logger,
        });
        await api.start();
      } catch (err) {
        await close();
        throw err;
      }
    },
    stop: close,
  };
}
