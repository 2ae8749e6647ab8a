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
      const { loadConfig, prepareRoleProcess, routerComponent, runComponents } =
        require('../../hub') as typeof import('../../hub');
      const config = loadConfig(opts.config);
      const { endpoints, logger, health } = await prepareRoleProcess(config, {
        service: 'crossdock-router',
        ...(opts.healthPort !== undefined ? { healthPort: opts.healthPort } : {}),
      });
      const router = routerComponent({ config, endpoints, logger, health });
      await runComponents([router], () => health.close(), logger, health);
    });
}
