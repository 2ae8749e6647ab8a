import { Command } from 'commander';
import { port } from '../arguments';

/**
 * `crossdock router --config <file>`: the router alone (more instances share the partitions).
 * Endpoints from the environment or the local stack; health on hub.health (or --health-port).
 */
export function routerCommand(_setExit: (code: number) => void): Command {
  return new Command('router')
    .description('run the router: validate every ingress event and fan it out by the routes, exactly once')
    .requiredOption('--config <file>', 'hub configuration (YAML)')
    .option(
      '--health-port <port>',
      'port of /healthz, /readyz, /metrics (default: hub.health.port; 0 = any)',
      port,
    )
    .action(async (opts: { config: string; healthPort?: string }) => {
      const { eventLogger } = require('../../core/log-events') as typeof import('../../core/log-events');
      const { CORE_LOG_EVENTS } =
        require('../../core/log-events-core') as typeof import('../../core/log-events-core');
      const { createLogger } = require('../../core/logger') as typeof import('../../core/logger');
      const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
      const {
        checkConnectionsAtStart,
        checkRedisDurability,
        hubHealthServer,
        loadConfig,
        routerComponent,
        runComponents,
      } = require('../../hub') as typeof import('../../hub');
      const config = loadConfig(opts.config);
      const logger = createLogger({ bindings: { service: 'crossdock-router' } });
      const endpoints = currentEndpoints();
      // What the environment points at is reached with its TLS and credentials first: a refused
      // login or a wrong CA is a coded error naming the setting (hub/dependency-probe.ts).
      const external = (['kafka', 'registry', 'redis'] as const).filter((p) => endpoints.external[p]);
      if (external.length) await checkConnectionsAtStart(endpoints, { parts: external });
      await checkRedisDurability({
        redis: endpoints.redis,
        durability: config.redis.durability,
        logger,
      });
      const health = hubHealthServer(config);
      const port = await health.listen(
        opts.healthPort === undefined ? config.hub.health.port : Number(opts.healthPort),
        config.hub.health.host,
      );
      eventLogger(logger, CORE_LOG_EVENTS).emit(
        'health.listening',
        { port },
        `health on http://${config.hub.health.host}:${port}`,
      );
      const router = routerComponent({ config, endpoints, logger, health });
      await runComponents([router], () => health.close(), logger, health);
    });
}
