import { CommanderError } from 'commander';
import { isCrossdockError } from '../core/errors';
import { clientConnectionError } from '../core/connection-errors';

/**
 * Exit codes, the same for every command:
 *  0 done; 1 the command ran and found problems (a failed check, a part down);
 *  2 usage error (bad arguments); 3 could not do it (infrastructure, I/O, refused config);
 *  70 an unexpected internal error (a bug: please report it with the log).
 */
export const EXIT = Object.freeze({ OK: 0, PROBLEMS: 1, USAGE: 2, FAILED: 3, INTERNAL: 70 });

/** Printed after a usage error's one-line message. */
export const USAGE_HINT = '(add --help for usage)';

export interface Output {
  json: boolean;
  /** Prints a result: JSON on stdout with --json, else the human text. */
  result(value: unknown, human: () => string): void;
}

export function output(json: boolean, stdout: NodeJS.WritableStream = process.stdout): Output {
  return {
    json,
    result(value, human) {
      stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
    },
  };
}

/**
 * Turns any error into a clear message and an exit code, never a stack trace (a stack is
 * printed only with CROSSDOCK_DEBUG=1). With --json the error is one JSON object on stdout.
 * Usage errors (commander's: unknown command or option, missing argument, bad option value; and
 * CD_E_USAGE) exit 2; other coded errors 3; anything else is a bug, 70.
 */
export function reportError(
  err: unknown,
  json: boolean,
  stderr: NodeJS.WritableStream = process.stderr,
  stdout: NodeJS.WritableStream = process.stdout,
): number {
  if (err instanceof CommanderError) {
    // commander has printed its one-line message and the hint (main.ts); --json also gets it as JSON.
    if (err.exitCode === 0) return EXIT.OK;
    if (json && err.code !== 'commander.help' && err.code !== 'commander.helpDisplayed')
      stdout.write(
        JSON.stringify(
          { error: { code: 'CD_E_USAGE', message: err.message.replace(/^error: /, '') } },
          null,
          2,
        ) + '\n',
      );
    return EXIT.USAGE;
  }
  // A coded error keeps its code, even when its message names a refused connection; a client's
  // own error for a refused login, a failed TLS handshake or no broker becomes a coded one.
  if (!isCrossdockError(err)) err = clientConnectionError(err) ?? err;
  if (isCrossdockError(err)) {
    const usage = err.code === 'CD_E_USAGE';
    if (json) stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
    else stderr.write(`error ${err.code}: ${err.message}\n${usage ? `${USAGE_HINT}\n` : ''}`);
    if (process.env.CROSSDOCK_DEBUG) stderr.write(`${err.stack}\n`);
    return usage ? EXIT.USAGE : EXIT.FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) stdout.write(JSON.stringify({ error: { code: 'CD_E_INTERNAL', message } }, null, 2) + '\n');
  else
    stderr.write(
      `error CD_E_INTERNAL: ${message}\n(set CROSSDOCK_DEBUG=1 for the stack trace, and report it)\n`,
    );
  if (process.env.CROSSDOCK_DEBUG && err instanceof Error) stderr.write(`${err.stack}\n`);
  return EXIT.INTERNAL;
}

/**
 * A usage error that a command found itself (a bad selector, an unknown target, a request the API
 * answered 400): printed like any error (reportError), with the hint after it; exit 2.
 */
export function reportUsageError(
  err: unknown,
  json: boolean,
  stderr: NodeJS.WritableStream = process.stderr,
  stdout: NodeJS.WritableStream = process.stdout,
): number {
  reportError(err, json, stderr, stdout);
  // reportError already added the hint to a CD_E_USAGE error.
  if (!json && !(isCrossdockError(err) && err.code === 'CD_E_USAGE')) stderr.write(`${USAGE_HINT}\n`);
  return EXIT.USAGE;
}
