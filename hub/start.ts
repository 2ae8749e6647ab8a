import type { HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { requiredTopics, topics } from '../core/names/topics';
import type { HealthServer } from '../core/health';
import { hubHealthServer } from './health-token';
import { createKafka } from '../core/kafka';
import { createLogger, type Logger } from '../core/logger';
import { refreshRedaction } from '../core/redact';
import { consoleExtension, CONSOLE_PATH } from '../console';
import { hubAdminApi, isLoopbackHost, newAdminToken } from '../dlq';
import { createFlowReader, createFlowStore, scorecardQuery } from '../flows';
import { ensureTopics } from '../router';
import { loadCatalog, publishCatalog, pushSchemas } from '../schemas';
import { currentEndpoints, stackPaths, status, stderrProgress, up, type PartStatus } from '../stack';
import type { Endpoints } from '../core/env';
import { hubParts } from './components';
import { componentStatus, serveConfigChanges } from './live-control';
import { LiveComponents } from './live';
import { hubOverview } from './overview';
import { loadConfig } from './config';
import { applyLocalKeys } from './local-keys';
import { checkConnectionsAtStart, createDependencyProbe, type DependencyName } from './dependency-probe';
import { checkRedisDurability } from './redis-durability';
import { refuseStartupProblems } from './startup-check';
import { runComponents, type RunOptions } from './run';

const DEPENDENCIES: readonly DependencyName[] = ['kafka', 'registry', 'redis'];

/** The parts as `stack status` shows them, for a hub whose every dependency is external (checked). */
function externalParts(endpoints: Endpoints): PartStatus[] {
  return [
    { part: 'kafka', up: true, endpoint: endpoints.kafkaBrokers.join(','), owner: 'external' },
    { part: 'registry', up: true, endpoint: endpoints.registryUrl, owner: 'external' },
    { part: 'redis', up: true, endpoint: endpoints.redisUrl, owner: 'external' },
  ];
}

/** How `crossdock start` was asked to run. */
export interface HubStartOptions {
  /** The hub configuration file (YAML). */
  configFile: string;
  /**
   * Port of /healthz, /readyz, /status and /metrics (0: any free port).
   * @defaultValue the configuration's hub.health.port
   */
  healthPort?: number;
  /**
   * Port of the admin API (0: any free port).
   * @defaultValue the configuration's hub.admin.port
   */
  adminPort?: number;
  /**
   * Run only these parts (hub/components.ts hubParts: `sources`, `router`, `connectors`, `dlq`,
   * `flows`, or `csv` for the drop folders without HTTP ingest);
   * the admin API, the console and health always run. A deployment with one process per role runs
   * the parts that have no command of their own this way (docs/scaling.md).
   * @defaultValue every part
   */
  only?: readonly string[];
  /**
   * Where the hub logs (`crossdock demo` sends the log lines to a file, away from its live view).
   * @defaultValue a pino logger on stderr
   */
  logger?: Logger;
}

/** A hub that is ready to run: stack up, schemas pushed, topics created, health listening. */
export interface PreparedHub {
  config: HubConfig;
  /** The local stack's parts as found after bringing it up. */
  parts: PartStatus[];
  /** Subjects in the registry and how many versions this start registered. */
  schemas: { subjects: number; registered: number };
  /** Topics the configuration needs and those this start created. */
  topics: { required: number; created: string[] };
  /** Base URL of the health server. */
  health: string;
  /** The health server itself: its metrics registry and /status document, read in-process. */
  healthServer: HealthServer;
  /** Base URL of the admin API (under `<admin>/api/v1`), and whether a local admin token was made. */
  /** The admin API's base URL, whether a local token was made, and the console's address. */
  admin: { url: string; localToken: boolean; console: string };
  /** The components `run()` starts, in start order. */
  components: HubComponent[];
  /** The running components, kept in step with configurations applied while the hub runs. */
  live: LiveComponents;
  /**
   * Starts every component; resolves once SIGINT/SIGTERM (or `options.stop`, hub/run.ts) has
   * stopped them all and the health server.
   */
  run(options?: RunOptions): Promise<void>;
}

/**
 * Prepares the whole hub for one process. Order: refuse a bad configuration before touching
 * anything; bring the local stack up (parts the environment points elsewhere are left alone);
 * refuse a Redis that could lose the hub's state (redis.durability, hub/redis-durability.ts); push the catalog's schemas; create the topics the configuration needs; listen for health; start
 * the admin API (hub.admin; with a local admin token when it listens on loopback); create
 * every component of HUB_COMPONENTS (hub/components.ts). Nothing consumes until `run()`.
 * @throws CrossdockError CD_E_CONFIG_INVALID / CD_E_CONFIG_UNREADABLE for the configuration,
 *   CD_E_REDIS_NOT_DURABLE / CD_E_REDIS_DURABILITY_UNKNOWN for the Redis, or the stack's and
 *   registry's codes when those cannot be reached
 */
export async function prepareHub(options: HubStartOptions): Promise<PreparedHub> {
  const config = loadConfig(options.configFile);
  // Signing-key secrets for local use (`crossdock keys`): only variables that are not set, and
  // never generated here, so a production hub runs on the secrets it was given.
  applyLocalKeys(stackPaths().home, process.env);
  // The secrets just set are redacted like those the environment had (core/redact.ts).
  refreshRedaction(process.env);
  // Every start-up check at once, the same `crossdock config check` runs (hub/startup-check.ts).
  refuseStartupProblems(config, options.configFile);
  // The connection settings (core/connection-env.ts): a bad one is refused before anything starts.
  const endpoints = currentEndpoints();
  const external = DEPENDENCIES.filter((p) => endpoints.external[p]);
  // What the environment points at is checked with the hub's own credentials and TLS settings,
  // so a refused login or a wrong CA is a coded error naming the setting to fix.
  if (external.length) await checkConnectionsAtStart(endpoints, { parts: external });
  // Nothing of the local stack is used when all three are external: nothing to bring up.
  const allExternal = external.length === DEPENDENCIES.length;
  const res = allExternal ? { endpoints } : await up({ progress: stderrProgress() });
  const parts = allExternal ? externalParts(endpoints) : await status();
  const logger = options.logger ?? createLogger({ bindings: { service: 'crossdock' } });
  await checkRedisDurability({
    redis: res.endpoints.redis,
    durability: config.redis.durability,
    logger,
  });

  // The catalog's schemas must be in the registry before anything encodes or validates.
  const pushed = await pushSchemas({ registry: res.endpoints.registry, logger });
  const registered = pushed.subjects.flatMap((s) => s.versions).filter((v) => v.created).length;

  const kafka = createKafka({ clientId: 'crossdock-start', connection: res.endpoints.kafka });
  // And the catalog the routers follow (schemas/follow.ts), so they start with what was pushed.
  await publishCatalog({
    kafka,
    topic: topics(config).catalog,
    entries: loadCatalog().entries,
    // Replicated like the hub's other topics (3 on a three-broker cluster).
    replicationFactor: config.hub.topics.replicationFactor,
  });
  const admin = kafka.admin();
  await admin.connect();
  let created: string[];
  try {
    created = await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }

  const health = hubHealthServer(config);
  const { host } = config.hub.health;
  const port = await health.listen(options.healthPort ?? config.hub.health.port, host);
  // /readyz: Kafka, Redis and the registry answer (hub/dependency-probe.ts) and every component started.
  const probe = createDependencyProbe({
    endpoints: res.endpoints,
    health,
    intervalMs: config.hub.health.probeIntervalMs,
    timeoutMs: config.hub.health.probeTimeoutMs,
  });
  probe.start();
  const url = `http://${host}:${port}`;
  // The admin API (dead letters, replay, trace, audit). On loopback a local admin token, made for
  // this start, goes to the run file (mode 0600) so the CLI on this machine needs no setup.
  const localToken = isLoopbackHost(config.hub.admin.host) ? newAdminToken() : undefined;
  const running: { live?: LiveComponents; changes?: ReturnType<typeof serveConfigChanges> } = {};
  const adminApi = hubAdminApi({
    // deadLetters changes with `config apply`: the API reads the configuration in force.
    config: () => running.live?.config ?? config,
    endpoints: res.endpoints,
    logger,
    health,
    ...(options.adminPort !== undefined ? { port: options.adminPort } : {}),
    ...(localToken ? { localToken } : {}),
    // GET /sites/scorecard: the scorecards of the configuration in force, on the API's Redis.
    scorecards: ({ redis, redisPrefix }) =>
      scorecardQuery({ redis, redisPrefix, config: () => running.live?.config ?? config }),
    // GET /overview: this process's live figures (its /status, metrics, configuration in force and
    // the index's dead-letter counts), the console's Overview page.
    overview: ({ store }) => hubOverview({ health, config: () => running.live?.config ?? config, store }),
    // GET /flows…: the flow tracker's instances (read side only), the flows of the configuration in force.
    flows: ({ redis, redisPrefix }) =>
      createFlowReader({
        store: createFlowStore({ redis, redisPrefix }),
        flows: () => (running.live?.config ?? config).flows,
        sites: () => (running.live?.config ?? config).siteById,
      }),
    // The operations console (console/): web pages over this API, on its port under /console.
    extend: consoleExtension({ logger: logger.child({ component: 'console' }) }),
  });
  try {
    await adminApi.start();
  } catch (err) {
    await probe.stop();
    await health.close();
    throw err;
  }
  const live = new LiveComponents(
    hubParts(options.only),
    { config, endpoints: res.endpoints, logger, health },
    {
      onState: (c, started) => {
        componentStatus(health, live, c, started);
        // Where the HTTP ingest listens (CROSSDOCK_INGEST_PORT may be 0), for `crossdock send`.
        const port = (c as { port?: number }).port;
        if (started && c.name === 'http-ingest' && port)
          running.changes?.note({ ingestUrl: `http://127.0.0.1:${port}` });
      },
    },
  );
  running.live = live;
  // Configuration changes while running: POST /config (crossdock config apply) and SIGHUP.
  const changes = serveConfigChanges({
    live,
    health,
    logger,
    url,
    configFile: options.configFile,
    admin: { url: adminApi.url!, ...(localToken ? { token: localToken } : {}) },
    audit: (record) => adminApi.audit(record),
  });
  running.changes = changes;

  return {
    config,
    parts,
    schemas: { subjects: pushed.subjects.length, registered },
    topics: { required: requiredTopics(config).length, created },
    health: url,
    healthServer: health,
    admin: {
      url: adminApi.url!,
      localToken: Boolean(localToken),
      console: `${adminApi.url!}${CONSOLE_PATH}/`,
    },
    components: live.list(),
    live,
    async run(runOptions?: RunOptions) {
      const detach = changes.attach();
      try {
        await runComponents(
          live,
          async () => {
            await adminApi.stop();
            await probe.stop();
            await health.close();
          },
          logger,
          health,
          runOptions,
        );
      } finally {
        detach();
      }
    },
  };
}
