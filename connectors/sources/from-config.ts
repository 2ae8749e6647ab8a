import os from 'node:os';
import path from 'node:path';
import type { HubComponent } from '../../core/component';
import type { HubConfig, SiteConfig } from '../../core/config';
import type { Endpoints } from '../../core/env';
import { CrossdockError } from '../../core/errors';
import type { HealthServer } from '../../core/health';
import { defaultsOf } from '../../core/config/defaults';
import { envValue } from '../../core/config/expand-env';
import { createKafka } from '../../core/kafka';
import { ackedProducerFor, chooseKafkaClient, type ClientChoice } from '../../core/kafka-client/choose';
import type { AckedProducer } from '../../core/kafka-client/producer';
import { eventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';
import { createRedis, type Redis } from '../../core/redis';
import { INGEST_REDIS_TIMEOUT_MS } from './http/state';
import { createCatalogCodec } from './codec';
import { SOURCE_CONFIG_SCHEMA, type SourceConnectorConfig } from './config-schema';
import { createCsvDropFolder, type CsvDropSite } from './csv/drop-folder';
import type { IngestKey } from './http/auth';
import { createHttpIngest } from './http/component';
import type { HttpIngestSite } from './http/server';
import { DEFAULT_SITES_DIR, loadSiteMappings } from './mapping/load';
import { catalogMappingChecks } from './mapping-checks';
import type { SiteMappings } from './mapping/types';
import { SOURCE_LOG_EVENTS } from './log-events';
import { createIngressPublisher, publisherStatus } from './publisher';

export interface SourceComponentContext {
  config: HubConfig;
  endpoints: Endpoints;
  logger: Logger;
  health?: HealthServer;
  /** Secrets (HTTP key secrets by secretEnv) and ports. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Prefix of every Redis key the sources write (tests keep apart with it). @defaultValue derived from hub.topicPrefix (core/names) */
  redisPrefix?: string;
}

const QUOTA_DEFAULTS = defaultsOf(SOURCE_CONFIG_SCHEMA.properties.quota);

function connectorOf(site: SiteConfig): SourceConnectorConfig {
  return site.connector as unknown as SourceConnectorConfig;
}

function baseDir(config: HubConfig): string {
  return config.file ? path.dirname(path.resolve(config.file)) : process.cwd();
}

/** A site's mapping as its connector section names it (validated against the schema catalog). */
export function siteMappingsFor(config: HubConfig, site: SiteConfig): SiteMappings {
  const c = connectorOf(site);
  const dir = c.mappingDir ? path.resolve(baseDir(config), c.mappingDir) : DEFAULT_SITES_DIR;
  const loaded = loadSiteMappings(c.mapping ?? site.id, { dir, ...catalogMappingChecks() });
  // A shared variant named by `mapping` is loaded under the site's own id and source system.
  return { ...loaded, siteId: site.id, sourceSystem: c.sourceSystem ?? loaded.sourceSystem };
}

/** The drop folder of a `csv` site: `connector.folder` (relative to the file), else `<CROSSDOCK_HOME>/drop/<siteId>`. */
export function dropFolderOf(
  config: HubConfig,
  site: SiteConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const c = connectorOf(site);
  const home = env.CROSSDOCK_HOME ?? path.join(os.homedir(), '.crossdock');
  return c.folder ? path.resolve(baseDir(config), c.folder) : path.join(home, 'drop', site.id);
}

/** HTTP keys of the configuration's http sites, secrets read from the environment. */
export function httpKeysFor(config: HubConfig, env: NodeJS.ProcessEnv = process.env): IngestKey[] {
  const keys: IngestKey[] = [];
  for (const site of config.sites) {
    const c = connectorOf(site);
    if (c.kind !== 'http') continue;
    for (const k of c.keys ?? []) {
      const secret = envValue(k.secretEnv, env);
      if (!secret)
        throw new CrossdockError(
          'CD_E_SITE_SECRET_MISSING',
          `Site ${site.id}: key ${k.id} reads its secret from $${k.secretEnv}, which is not set (production: set it; on this machine: \`npx crossdock keys\` makes local secrets, which \`crossdock start\` reads).`,
          { details: { siteId: site.id, keyId: k.id, secretEnv: k.secretEnv } },
        );
      keys.push({ id: k.id, siteId: site.id, secret, ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}) });
    }
  }
  return keys;
}

/**
 * A source component as createSourceComponents makes it. `reconfigure` (HTTP ingest) takes new
 * sites and keys in place; `unchangedBy` (the CSV watcher) tells whether a configuration leaves
 * its sites as they are. hub/components.ts uses both to rotate keys without a restart.
 */
export type SourceComponent = HubComponent & {
  readonly port?: number;
  reconfigure?(next: HubConfig): Promise<void>;
  unchangedBy?(next: HubConfig): boolean;
};

/**
 * The source components a configuration calls for: one HTTP ingest for all `http` sites, one
 * CSV drop-folder watcher for all `csv` sites (`sdk` sites publish themselves). Mappings and
 * keys are checked here, at start-up, so a bad variant or a missing secret stops the hub before it
 * serves anything. Environment: CROSSDOCK_INGEST_PORT (default: the ingest component's, 8080), CROSSDOCK_HOME (drop folders).
 */
export function createSourceComponents(ctx: SourceComponentContext): SourceComponent[] {
  const { config, endpoints, logger } = ctx;
  const log = eventLogger(logger, SOURCE_LOG_EVENTS);
  const env = ctx.env ?? process.env;
  const prefix = config.hub.topicPrefix;
  const out: SourceComponent[] = [];
  const httpSites = config.sites.filter((s) => connectorOf(s).kind === 'http');
  const csvSites = config.sites.filter((s) => connectorOf(s).kind === 'csv');
  const codec = () => createCatalogCodec({ ids: endpoints.registry });
  let redis: Redis | undefined;
  // Every signed request asks Redis (replay marks, idempotency, quotas): bounded, so that a Redis
  // outage answers 503 + Retry-After (CD_E_INGEST_STATE_UNAVAILABLE) instead of holding requests.
  const sharedRedis = () =>
    (redis ??= createRedis({
      connection: endpoints.redis,
      name: 'crossdock-sources',
      commandTimeoutMs: INGEST_REDIS_TIMEOUT_MS,
    }));

  const httpSitesOf = (c: HubConfig): HttpIngestSite[] =>
    c.sites
      .filter((s) => connectorOf(s).kind === 'http')
      .map((s) => {
        const q = connectorOf(s).quota;
        return {
          siteId: s.id,
          mappings: siteMappingsFor(c, s),
          ...(q
            ? {
                quota: {
                  events: q.events,
                  windowMs: (q.windowSeconds ?? QUOTA_DEFAULTS.windowSeconds) * 1000,
                },
              }
            : {}),
        };
      });
  const csvFingerprint = (c: HubConfig) =>
    JSON.stringify(c.sites.filter((s) => connectorOf(s).kind === 'csv'));

  /**
   * The ingress publishers' producer, on the client hub.kafka.clients.ingest names; chosen here,
   * before anything starts, so that an explicit `librdkafka` that cannot be loaded stops the
   * start at once (CD_E_KAFKA_NATIVE_UNAVAILABLE).
   */
  const ingestChoice: ClientChoice | undefined =
    httpSites.length || csvSites.length
      ? chooseKafkaClient('ingest', config.hub.kafka.clients.ingest, { env, logger })
      : undefined;
  const ingestProducer = (clientId: string): AckedProducer =>
    ackedProducerFor(ingestChoice!, { clientId, connection: endpoints.kafka, logger });

  if (httpSites.length) {
    let sites = httpSitesOf(config);
    let keys = httpKeysFor(config, env);
    let inner: ReturnType<typeof createHttpIngest> | undefined;
    out.push({
      name: 'http-ingest',
      /**
       * Takes the HTTP sites and keys of `next` in place: the listener, its connections and the
       * publisher stay, the next request is checked against the new keys (a key rotation refuses
       * nothing). Mappings and secrets are read first: a missing secret throws
       * CD_E_SITE_SECRET_MISSING with nothing changed.
       */
      async reconfigure(next: HubConfig) {
        const nextSites = httpSitesOf(next);
        const nextKeys = httpKeysFor(next, env);
        sites = nextSites;
        keys = nextKeys;
        inner?.setRoster(sites, keys);
      },
      /** The listening port (CROSSDOCK_INGEST_PORT=0 picks a free one). */
      get port() {
        return inner?.port;
      },
      async start() {
        inner = createHttpIngest(
          {
            sites,
            keys,
            topicPrefix: prefix,
            ...(env.CROSSDOCK_INGEST_PORT !== undefined ? { port: Number(env.CROSSDOCK_INGEST_PORT) } : {}),
            redisPrefix: ctx.redisPrefix,
            sendTimeoutMs: config.hub.ingest.publishTimeoutMs,
            maxQueuedEvents: config.hub.ingest.maxQueuedEvents,
            maxQueuedBytes: config.hub.ingest.maxQueuedBytes,
            retryAfterSeconds: config.hub.ingest.retryAfterSeconds,
          },
          {
            producer: ingestProducer('crossdock-ingest'),
            redis: sharedRedis(),
            codec: codec(),
            logger: logger.child({ component: 'http-ingest' }),
            health: ctx.health,
          },
        );
        await inner.start();
        log.emit(
          'sources.http_listening',
          { port: inner.port, sites: sites.map((s) => s.siteId) },
          'http ingest listening',
        );
      },
      async stop() {
        await inner?.stop();
        inner = undefined;
        redis?.disconnect();
      },
    });
  }

  if (csvSites.length) {
    const sites: CsvDropSite[] = csvSites.map((s) => {
      const c = connectorOf(s);
      return {
        siteId: s.id,
        mappings: siteMappingsFor(config, s),
        dir: dropFolderOf(config, s, env),
        policy: c.policy ?? 'all-or-nothing',
        ...(c.eventType ? { eventType: c.eventType } : {}),
      };
    });
    let inner: HubComponent | undefined;
    let publisher: ReturnType<typeof createIngressPublisher> | undefined;
    const fingerprint = csvFingerprint(config);
    out.push({
      name: 'csv-drop-folder',
      /** Whether `next` leaves the CSV sites as they are (else the watcher must be made again). */
      unchangedBy: (next: HubConfig) => csvFingerprint(next) === fingerprint,
      async start() {
        const kafka = createKafka({ clientId: 'crossdock-csv', connection: endpoints.kafka, logger });
        publisher = createIngressPublisher({
          producer: ingestProducer('crossdock-csv'),
          logger,
          sendTimeoutMs: config.hub.ingest.publishTimeoutMs,
          maxQueuedEvents: config.hub.ingest.maxQueuedEvents,
          maxQueuedBytes: config.hub.ingest.maxQueuedBytes,
        });
        await publisher.start();
        const p = publisher;
        ctx.health?.addReadiness('csv-drop-folder', () => p.ready());
        ctx.health?.addStatus('components', 'csv-drop-folder', () => publisherStatus(p));
        inner = createCsvDropFolder(
          { sites, topicPrefix: prefix, redisPrefix: ctx.redisPrefix },
          {
            publisher,
            codec: codec(),
            redis: sharedRedis(),
            kafka,
            logger: logger.child({ component: 'csv-drop-folder' }),
          },
        );
        await inner.start();
        log.emit('sources.csv_watching', { folders: sites.map((s) => s.dir) }, 'csv drop folders watched');
      },
      async stop() {
        await inner?.stop();
        await publisher?.stop();
        redis?.disconnect();
      },
    });
  }
  return out;
}
