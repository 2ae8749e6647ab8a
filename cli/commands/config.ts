import { Command } from 'commander';
import { describeProblems } from '../../core/config';
import { checkConfig } from '../../hub';
import { EXIT, output } from '../output';

/** `crossdock config check <file>`: the start-up check, on its own (every problem at once). */
export function configCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('config').description(
    'the hub configuration (YAML, validated against core/config/hub.schema.json)',
  );
  cmd
    .command('check')
    .description(
      'validate a hub configuration: every problem with its path, line and reason; exit 1 when there is any',
    )
    .argument('<file>', 'hub configuration (YAML)')
    .option('--json', 'machine-readable output: { file, ok, problems: [{ path, message, line }] }')
    .action((file: string, opts: { json?: boolean }) => {
      const res = checkConfig(file);
      const c = res.config;
      output(Boolean(opts.json)).result({ file: res.file, ok: res.ok, problems: res.problems }, () =>
        res.ok && c
          ? `${res.file}: ok (${c.sites.length} sites, ${c.subscribers.length} subscribers, ${c.routes.length} routes, ${Object.keys(c.rules).length} event types with rules)`
          : [
              `${res.file}: ${res.problems.length} problem(s)`,
              ...describeProblems(res.problems).map((l) => `  ${l}`),
            ].join('\n'),
      );
      if (!res.ok) setExit(EXIT.PROBLEMS);
    });
  return cmd;
}
