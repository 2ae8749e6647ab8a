import { Command } from 'commander';
import { status, stderrProgress, up } from '../../stack';
import { output } from '../output';

/**
 * `crossdock start`: the hub's main job. For now (issue 3) it brings the local stack up and shows
 * its status; the router and connectors join it as they land.
 */
export function startCommand(_setExit: (code: number) => void): Command {
  return new Command('start')
    .description('run the hub on the local stack (the stack starts itself)')
    .option('--config <file>', 'hub configuration (YAML)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const res = await up({ progress: stderrProgress() });
      const parts = await status();
      output(Boolean(opts.json)).result({ ...res, parts }, () =>
        [
          'crossdock stack:',
          ...parts.map((p) => `  ${p.part.padEnd(9)} ${p.up ? 'up  ' : 'down'} ${p.endpoint}`),
        ].join('\n'),
      );
    });
}
