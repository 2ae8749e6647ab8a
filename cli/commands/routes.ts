import fs from 'node:fs';
import { Command } from 'commander';
import { CrossdockError } from '../../core/errors';
import { output } from '../output';

/** `crossdock routes test`: which subscribers an event would reach, and why, without Kafka. */
export function routesCommand(_setExit: (code: number) => void): Command {
  const cmd = new Command('routes').description('the routes of a hub configuration');
  cmd
    .command('test')
    .description(
      'show which subscribers would receive an event (decoded JSON) and which route matched or why not',
    )
    .requiredOption('--config <file>', 'hub configuration (YAML)')
    .requiredOption(
      '--event <json-file>',
      'the event as JSON, or { "event": {...}, "headers": {...}, "siteId": "..." }',
    )
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; event: string; json?: boolean }) => {
      const { loadConfig } = require('../../hub') as typeof import('../../hub');
      const { explainRouting } = require('../../router') as typeof import('../../router');
      const config = loadConfig(opts.config);
      let input: unknown;
      try {
        input = JSON.parse(fs.readFileSync(opts.event, 'utf8'));
      } catch (err) {
        throw new CrossdockError(
          'CD_E_USAGE',
          `cannot read the event ${opts.event} as JSON: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const res = explainRouting(config, input);
      output(Boolean(opts.json)).result(res, () =>
        [
          `${res.eventType || '(no eventType)'} from ${res.siteId || '(no siteId)'}:`,
          ...(res.unrouted
            ? [`  no subscriber: ${res.note}`]
            : res.subscribers.map((s) => `  → ${s.id.padEnd(24)} by route ${s.route} (${s.topic})`)),
          'routes:',
          ...res.routes.map((r) => `  ${r.matched ? 'match' : 'skip '} ${r.route.padEnd(26)} ${r.reason}`),
        ].join('\n'),
      );
    });
  return cmd;
}
