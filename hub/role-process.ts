import type { HubConfig } from '../core/config';
import type { Endpoints } from '../core/env';
import type { HealthServer } from '../core/health';
import { eventLogger } from '../core/log-events';
import { CORE_LOG_EVENTS } from '../core/log-events-core';
import { createLogger, type Logger } from '../core/logger';
import { currentEndpoints } from '../stack';
import { checkConnectionsAtStart } from './dependency-probe';
import { hubHealthServer } from './health-token';
import { checkRedisDurability } from './redis-durability';

/** Who a role process is, for its logs and its health port. */
export interface RoleProcessOptions {
  /** The logger's `service` binding (`crossdock-router`, …). */
  service: string;
  /** More logger bindings (e.g. the subscriber). */
  bindings?: Record<string, string>;
  /** `--health-port` as given (a port number; 0: any); absent: hub.health.port. */
  healthPort?: string;
  /** @defaultValue the environment's, else the local stack's (stack/ currentEndpoints) */
  endpoints?: Endpoints;
}

export interface RoleProcess {
  endpoints: Endpoints;
  logger: Logger;
  /** Listening; the caller passes it to its component and closes it when the component stops. */
  health: HealthServer;
}

/**
 * What a process running one role of the hub (`crossdock router`, `crossdock connector <id>`,
 * `crossdock ingest`) does before its component starts, in this order: its logger and endpoints;
 * reach the parts the environment points at with their TLS and credentials (a refused login or a
 * wrong CA is a coded error naming the setting), refuse a Redis that could lose the hub's state
 * (redis.durability), then listen for health on `healthPort` (else hub.health.port; 0: any) and
 * log where (`health.listening`).
 */
export async function prepareRoleProcess(
  config: HubConfig,
  options: RoleProcessOptions,
): Promise<RoleProcess> {
  const logger = createLogger({ bindings: { service: options.service, ...options.bindings } });
  const endpoints = options.endpoints ?? currentEndpoints();
  const external = (['kafka', 'registry', 'redis'] as const).filter((p) => endpoints.external[p]);
  if (external.length) await checkConnectionsAtStart(endpoints, { parts: external });
  await checkRedisDurability({ redis: endpoints.redis, durability: config.redis.durability, logger });
  const health = hubHealthServer(config);
  const port = await health.listen(
    options.healthPort === undefined ? config.hub.health.port : Number(options.healthPort),
    config.hub.health.host,
  );
  eventLogger(logger, CORE_LOG_EVENTS).emit(
    'health.listening',
    { port },
    `health on http://${config.hub.health.host}:${port}`,
  );
  return { endpoints, logger, health };
}
