import { Command } from 'commander';
import packageJson from '../package.json';
import { stackCommand } from './commands/stack';
import { startCommand } from './commands/start';
import { configCommand } from './commands/config';
import { routesCommand } from './commands/routes';
import { routerCommand } from './commands/router';
import { schemasCommand } from './commands/schemas';
import { connectorCommand } from './commands/connector';
import { siteCommand } from './commands/site';
import { dlqCommand } from './commands/dlq';
import { auditCommand } from './commands/audit';
import { adminCommand } from './commands/admin';
import { eventsCommand } from './commands/events';
import { keysCommand } from './commands/keys';
import { EXIT, reportError } from './output';

/**
 * `crossdock <noun> <verb>`: each command parses its arguments and calls one part of the hub.
 * buildProgram() is separate from process start-up so tests can run commands in-process.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('crossdock')
    .description('crossdock: the integration hub for multi-site distributors')
    .version(packageJson.version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addCommand(stackCommand(setExit));
  program.addCommand(startCommand(setExit));
  program.addCommand(configCommand(setExit));
  program.addCommand(routesCommand(setExit));
  program.addCommand(routerCommand(setExit));
  program.addCommand(schemasCommand(setExit));
  program.addCommand(connectorCommand(setExit));
  program.addCommand(siteCommand(setExit));
  program.addCommand(dlqCommand(setExit));
  program.addCommand(eventsCommand(setExit));
  program.addCommand(keysCommand(setExit));
  program.addCommand(auditCommand(setExit));
  program.addCommand(adminCommand(setExit));
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

/** How long a finished command may take to close what it opened before the process exits anyway. */
export const EXIT_GRACE_MS = 3000;

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return reportError(err, argv.includes('--json'));
  }
}

if (
  require.main === module ||
  process.argv[1]?.endsWith('crossdock.js') ||
  process.argv[1]?.endsWith('crossdock')
) {
  main(process.argv).then((code) => {
    process.exitCode = code;
    // Once the command is done, nothing may keep the process alive: a client of a component that
    // failed to start (kafkajs reconnecting to a broker that is down, for one) would otherwise hold
    // it forever, serving nothing, and a supervisor would never start it again.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
}
