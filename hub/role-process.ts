import type { HubConfig } from '../core/config';
import type { Endpoints } from '../core/env';
import type { HealthServer } from '../core/health';
import { eventLogger } from '../core/log-events';
import { CORE_LOG_EVENTS } from '../core/log-events-core';
import type { Logger } from '../core/logger';
import { checkConnectionsAtStart } from './dependency-probe';
import { hubHealthServer } from './health-token';
import { checkRedisDurability } from './redis-durability';

/**
 * What a process running one role of the hub (`crossdock router`, `crossdock connector <id>`,
 * `crossdock ingest`) does before its component starts, in this order: reach the parts the
 * environment points at with their TLS and credentials (a refused login or a wrong CA is a coded
 * error naming the setting), refuse a Redis that could lose the hub's state (redis.durability),
 * then listen for health on `healthPort` (else hub.health.port; 0: any) and log where
 * (`health.listening`). The caller passes the health server to its component and closes it when
 * the component stops.
 */
export async function prepareRoleProcess(
  config: HubConfig,
  endpoints: Endpoints,
  logger: Logger,
  healthPort?: number,
): Promise<HealthServer> {
  const external = (['kafka', 'registry', 'redis'] as const).filter((p) => endpoints.external[p]);
  if (external.length) await checkConnectionsAtStart(endpoints, { parts: external });
  await checkRedisDurability({ redis: endpoints.redis, durability: config.redis.durability, logger });
  const health = hubHealthServer(config);
  const port = await health.listen(healthPort ?? config.hub.health.port, config.hub.health.host);
  eventLogger(logger, CORE_LOG_EVENTS).emit(
    'health.listening',
    { port },
    `health on http://${config.hub.health.host}:${port}`,
  );
  return health;
}
