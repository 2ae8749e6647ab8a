import { Command } from 'commander';
import { port } from '../arguments';
import { CrossdockError } from '../../core/errors';

/**
 * `crossdock ingest --config <file>`: HTTP ingest alone, for the configuration's `http` sites (CSV
 * drop folders belong to the machine that has them: `crossdock start`). Every piece of its state
 * (replay marks, Idempotency-Key records, quota windows) is in Redis, so any number of copies can
 * serve the same sites behind a load balancer. Listens on --port (default CROSSDOCK_INGEST_PORT,
 * else 8080; 0 = any); health on hub.health (or --health-port). Secrets as `crossdock start`
 * reads them (the environment, then the local keys file of `crossdock keys`).
 */
export function ingestCommand(_setExit: (code: number) => void): Command {
  return new Command('ingest')
    .description(
      "run HTTP ingest alone for the configuration's http sites (more copies behind a load balancer share its state in Redis)",
    )
    .requiredOption('--config <file>', 'hub configuration (YAML)')
    .option('--port <port>', 'ingest port (default: CROSSDOCK_INGEST_PORT, else 8080; 0 = any)', port)
    .option(
      '--health-port <port>',
      'port of /healthz, /readyz, /metrics (default: hub.health.port; 0 = any)',
      port,
    )
    .action(async (opts: { config: string; port?: string; healthPort?: string }) => {
      const { refreshRedaction } = require('../../core/redact') as typeof import('../../core/redact');
      const { stackPaths } = require('../../stack') as typeof import('../../stack');
      const { createSourceComponents } =
        require('../../connectors/sources') as typeof import('../../connectors/sources');
      const { applyLocalKeys, loadConfig, prepareRoleProcess, runComponents } =
        require('../../hub') as typeof import('../../hub');
      const config = loadConfig(opts.config);
      const httpSites = config.sites.filter((s) => (s.connector as { kind: string }).kind === 'http');
      if (!httpSites.length) {
        throw new CrossdockError(
          'CD_E_INGEST_NO_HTTP_SITES',
          `${opts.config} has no site with an http connector (its sites: ${config.sites.map((s) => `${s.id} (${(s.connector as { kind: string }).kind})`).join(', ') || 'none'}); crossdock ingest serves http sites only`,
          { details: { config: opts.config } },
        );
      }
      // The keys' secrets: what the environment has, then the local keys file (as crossdock start).
      applyLocalKeys(stackPaths().home, process.env);
      refreshRedaction(process.env);
      const { endpoints, logger, health } = await prepareRoleProcess(config, {
        service: 'crossdock-ingest',
        ...(opts.healthPort !== undefined ? { healthPort: opts.healthPort } : {}),
      });
      const env =
        opts.port === undefined ? process.env : { ...process.env, CROSSDOCK_INGEST_PORT: opts.port };
      // Only the HTTP part: the CSV watcher is made (its mappings checked) but never started here.
      const parts = createSourceComponents({ config, endpoints, logger, health, env }).filter(
        (c) => c.name === 'http-ingest',
      );
      await runComponents(parts, () => health.close(), logger, health);
    });
}
