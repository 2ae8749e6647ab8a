import { Command } from 'commander';
import { listOf, port } from '../arguments';
import { DEFAULT_CONFIG } from '../defaults';
import { output } from '../output';

/**
 * The parts `--only` may name: hub/components.ts HUB_PARTS, written out here so that `--help` and
 * argument checks need not load the hub (a unit test keeps the two equal).
 */
export const START_PARTS: readonly string[] = ['sources', 'router', 'connectors', 'dlq', 'flows', 'csv'];

/**
 * `crossdock start`: the whole hub in one process (hub/start.ts `prepareHub` says in which
 * order), until SIGINT/SIGTERM. This command parses the options and prints the start-up summary.
 */
export function startCommand(_setExit: (code: number) => void): Command {
  return new Command('start')
    .description('run the whole hub in one process on the local stack (the stack starts itself)')
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .option(
      '--health-port <port>',
      'port of /healthz, /readyz, /metrics (default: hub.health.port; 0 = any)',
      port,
    )
    .option('--admin-port <port>', 'port of the admin API (default: hub.admin.port; 0 = any)', port)
    .option(
      '--only <parts>',
      `run only these parts (comma-separated: ${START_PARTS.join(', ')}; sources = HTTP ingest and CSV drop folders, csv = the folders alone); the admin API, the console and health always run`,
      listOf(START_PARTS, 'part'),
    )
    .option('--json', 'print the start-up summary as JSON')
    .action(
      async (opts: {
        config: string;
        healthPort?: string;
        adminPort?: string;
        only?: string[];
        json?: boolean;
      }) => {
        const { prepareHub } = require('../../hub') as typeof import('../../hub');
        const hub = await prepareHub({
          configFile: opts.config,
          ...(opts.only ? { only: opts.only } : {}),
          healthPort: opts.healthPort === undefined ? undefined : Number(opts.healthPort),
          adminPort: opts.adminPort === undefined ? undefined : Number(opts.adminPort),
        });
        const { config, parts, schemas, topics, health, admin, components } = hub;
        output(Boolean(opts.json)).result(
          {
            config: config.file,
            parts,
            schemas,
            topics,
            health,
            admin,
            components: components.map((c) => c.name),
          },
          () =>
            [
              'crossdock stack:',
              ...parts.map((p) => `  ${p.part.padEnd(9)} ${p.up ? 'up  ' : 'down'} ${p.endpoint}`),
              `config   ${config.file} (${config.sites.length} sites, ${config.subscribers.length} subscribers, ${config.routes.length} routes)`,
              `schemas  ${schemas.subjects} subjects in the registry (${schemas.registered} versions registered now)`,
              `topics   ${topics.required} needed, ${topics.created.length} created`,
              `health   ${health}/readyz  /metrics`,
              `admin    ${admin.url}/api/v1 (OpenAPI: /api/v1/openapi.json)${admin.localToken ? '; the local admin token is in the run file, for the CLI on this machine' : '; no local token (not loopback): use a configured token'}`,
              `console  ${admin.console} (sign in with an admin token; on this machine: npx crossdock admin console)`,
              `running  ${components.map((c) => c.name).join(', ')} (Ctrl-C stops)`,
            ].join('\n'),
        );
        await hub.run();
      },
    );
}
