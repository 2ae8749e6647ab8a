import path from 'node:path';
import { Command } from 'commander';
import { loadConfig, requiredTopics } from '../../core/config';
import { createHealthServer } from '../../core/health';
import { createKafka } from '../../core/kafka';
import { eventLogger } from '../../core/log-events';
import { createLogger } from '../../core/logger';
import { ensureTopics } from '../../router';
// schemas/index.ts does not export pushSchemas; push.ts is the schemas part's entry for it.
import { pushSchemas } from '../../schemas/push';
import { status, stderrProgress, up } from '../../stack';
import { HUB_COMPONENTS, runComponents } from '../hub-components';
import { CLI_LOG_EVENTS } from '../log-events';
import { output } from '../output';

/** The demo configuration, so `npm start` runs the demo hub. */
export const DEFAULT_CONFIG = path.join(__dirname, '..', '..', 'examples', 'hub.yaml');

/**
 * `crossdock start`: the whole hub in one process. Order: refuse a bad configuration before
 * touching anything; bring the local stack up (parts the environment points elsewhere are left
 * alone); push the catalog's schemas; create the topics the configuration needs; then run every
 * component of
 * cli/hub-components.ts with one health server, until SIGINT/SIGTERM.
 */
export function startCommand(_setExit: (code: number) => void): Command {
  return new Command('start')
    .description('run the whole hub in one process on the local stack (the stack starts itself)')
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .option('--health-port <port>', 'port of /healthz, /readyz, /metrics (default: hub.health.port; 0 = any)')
    .option('--json', 'print the start-up summary as JSON')
    .action(async (opts: { config: string; healthPort?: string; json?: boolean }) => {
      const config = loadConfig(opts.config);
      const res = await up({ progress: stderrProgress() });
      const parts = await status();
      const logger = createLogger({ bindings: { service: 'crossdock' } });

      // The catalog's schemas must be in the registry before anything encodes or validates.
      const pushed = await pushSchemas({ registryUrl: res.endpoints.registryUrl, logger });
      const newVersions = pushed.subjects.flatMap((s) => s.versions).filter((v) => v.created).length;

      const kafka = createKafka({ clientId: 'crossdock-start', brokers: res.endpoints.kafkaBrokers });
      const admin = kafka.admin();
      await admin.connect();
      let created: string[];
      try {
        created = await ensureTopics(admin, config);
      } finally {
        await admin.disconnect();
      }

      const health = createHealthServer();
      const port = await health.listen(
        opts.healthPort === undefined ? config.hub.health.port : Number(opts.healthPort),
        config.hub.health.host,
      );
      const deps = { config, endpoints: res.endpoints, logger, health };
      const components = HUB_COMPONENTS.flatMap((c) => c.create(deps));

      output(Boolean(opts.json)).result(
        {
          config: config.file,
          parts,
          schemas: { subjects: pushed.subjects.length, registered: newVersions },
          topics: { required: requiredTopics(config).length, created },
          health: `http://${config.hub.health.host}:${port}`,
          components: components.map((c) => c.name),
        },
        () =>
          [
            'crossdock stack:',
            ...parts.map((p) => `  ${p.part.padEnd(9)} ${p.up ? 'up  ' : 'down'} ${p.endpoint}`),
            `config   ${config.file} (${config.sites.length} sites, ${config.subscribers.length} subscribers, ${config.routes.length} routes)`,
            `schemas  ${pushed.subjects.length} subjects in the registry (${newVersions} versions registered now)`,
            `topics   ${requiredTopics(config).length} needed, ${created.length} created`,
            `health   http://${config.hub.health.host}:${port}/readyz  /metrics`,
            `running  ${components.map((c) => c.name).join(', ')} (Ctrl-C stops)`,
          ].join('\n'),
      );
      await runComponents(components, () => health.close(), eventLogger(logger, CLI_LOG_EVENTS), health);
    });
}
