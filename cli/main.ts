import { Command } from 'commander';
import packageJson from '../package.json';
import { stackCommand } from './commands/stack';
import { startCommand } from './commands/start';
import { configCommand } from './commands/config';
import { routesCommand } from './commands/routes';
import { routerCommand } from './commands/router';
import { schemasCommand } from './commands/schemas';
import { connectorCommand } from './commands/connector';
import { ingestCommand } from './commands/ingest';
import { siteCommand } from './commands/site';
import { sitesCommand } from './commands/sites';
import { flowsCommand } from './commands/flows';
import { dlqCommand } from './commands/dlq';
import { auditCommand } from './commands/audit';
import { adminCommand } from './commands/admin';
import { eventsCommand } from './commands/events';
import { keysCommand } from './commands/keys';
import { sendCommand } from './commands/send';
import { demoCommand } from './commands/demo';
import { aclCommand } from './commands/acl';
import { EXIT, USAGE_HINT, redactProcessOutput, reportError } from './output';

/**
 * `crossdock <noun> <verb>`: each command parses its arguments and calls one part of the hub.
 * buildProgram() is separate from process start-up so tests can run commands in-process.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('crossdock')
    .description('crossdock: the integration hub for multi-site distributors')
    .version(packageJson.version)
    .exitOverride();
  program.addCommand(stackCommand(setExit));
  program.addCommand(startCommand(setExit));
  program.addCommand(demoCommand(setExit));
  program.addCommand(configCommand(setExit));
  program.addCommand(routesCommand(setExit));
  program.addCommand(routerCommand(setExit));
  program.addCommand(schemasCommand(setExit));
  program.addCommand(connectorCommand(setExit));
  program.addCommand(ingestCommand(setExit));
  program.addCommand(siteCommand(setExit));
  program.addCommand(sitesCommand(setExit));
  program.addCommand(flowsCommand(setExit));
  program.addCommand(dlqCommand(setExit));
  program.addCommand(eventsCommand(setExit));
  program.addCommand(keysCommand(setExit));
  program.addCommand(sendCommand(setExit));
  program.addCommand(auditCommand(setExit));
  program.addCommand(adminCommand(setExit));
  program.addCommand(aclCommand(setExit));
  // Every command: commander's errors come back to main() (exit 2), with the hint after the message.
  const override = (c: Command): void => {
    c.exitOverride().showHelpAfterError(USAGE_HINT);
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

/** How long a finished command may take to close what it opened before the process exits anyway. */
export const EXIT_GRACE_MS = 3000;

/**
 * `crossdock --help` as commander prints it for an output `width` columns wide (undefined: not a
 * terminal). bin/fast-path.js keeps it, so that the next `crossdock --help` loads nothing; it is
 * made again when a file it came from changes, so a command's name and description (what this
 * text shows) must come from the code alone, never from the environment or the time.
 */
export function topLevelHelp(width: number | undefined): string {
  return buildProgram(() => undefined)
    .configureOutput({ getOutHelpWidth: () => width ?? 80, getOutHasColors: () => false })
    .helpInformation();
}

/** Runs one command line (process.argv's shape) and gives its exit code; prints like the binary. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return reportError(err, argv.includes('--json'));
  }
}

/** Runs the command line `argv` (process.argv's shape) and exits with its code (bin/crossdock.js). */
export function runCli(argv: string[]): void {
  // No secret the process knows reaches its stdout or stderr (core/redact.ts).
  redactProcessOutput();
  void main(argv).then((code) => {
    process.exitCode = code;
    // Once the command is done, nothing may keep the process alive: a client of a component that
    // failed to start (kafkajs reconnecting to a broker that is down, for one) would otherwise hold
    // it forever, serving nothing, and a supervisor would never start it again.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
}

if (require.main === module) runCli(process.argv);
