import { CommanderError } from 'commander';
import { isCrossdockError } from '../core/errors';
import { clientConnectionError } from '../core/connection-errors';
import { redact, revealing } from '../core/redact';

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
  /** Prints a result: JSON on stdout with --json, else the human text; secrets redacted (core/redact.ts). */
  result(value: unknown, human: () => string): void;
  /**
   * As `result`, without redaction: only for a command whose job is to hand a secret over
   * (`crossdock keys`, `crossdock admin token create`).
   */
  secret(value: unknown, human: () => string): void;
}

export function output(json: boolean, stdout: NodeJS.WritableStream = process.stdout): Output {
  return {
    json,
    result(value, human) {
      stdout.write(redact(json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n'));
    },
    secret(value, human) {
      revealing(() => stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n'));
    },
  };
}

/**
 * Turns any error into a clear message and an exit code, never a stack trace (a stack is
 * printed only with CROSSDOCK_DEBUG=1). With --json the error is one JSON object on stdout.
 * Usage errors (commander's: unknown command or option, missing argument, bad option value; and
 * CD_E_USAGE) exit 2; other coded errors 3; anything else is a bug, 70. Secrets the process knows
 * are redacted from what it prints (core/redact.ts), message, details and stack alike.
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
      put(
        stdout,
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
    if (json) put(stdout, JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
    else put(stderr, `error ${err.code}: ${err.message}\n${usage ? `${USAGE_HINT}\n` : ''}`);
    if (process.env.CROSSDOCK_DEBUG) put(stderr, `${err.stack}\n`);
    return usage ? EXIT.USAGE : EXIT.FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) put(stdout, JSON.stringify({ error: { code: 'CD_E_INTERNAL', message } }, null, 2) + '\n');
  else
    put(
      stderr,
      `error CD_E_INTERNAL: ${message}\n(set CROSSDOCK_DEBUG=1 for the stack trace, and report it)\n`,
    );
  if (process.env.CROSSDOCK_DEBUG && err instanceof Error) put(stderr, `${err.stack}\n`);
  return EXIT.INTERNAL;
}

const REDACTING = Symbol('redacting');

/** Writes `text` with the secrets the process knows redacted (core/redact.ts). */
function put(stream: NodeJS.WritableStream, text: string): void {
  stream.write(redact(text));
}

/**
 * Every string the process writes to stdout and stderr goes through the redactor from now on
 * (bin/crossdock.js's process: what commander, progress lines, tails and live views print too).
 * Log lines are redacted by the logger itself (they go to the file descriptor directly).
 */
export function redactProcessOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if ((stream as { [REDACTING]?: true })[REDACTING]) continue;
    const write = stream.write.bind(stream) as (c: unknown, ...r: unknown[]) => boolean;
    Object.assign(stream, {
      [REDACTING]: true,
      write: (chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') return write(redact(chunk), ...rest);
        if (chunk instanceof Uint8Array) {
          const text = Buffer.from(chunk).toString('utf8');
          const out = redact(text);
          if (out !== text) return write(out, ...rest.filter((r) => typeof r === 'function'));
        }
        return write(chunk, ...rest);
      },
    });
  }
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
  if (!json && !(isCrossdockError(err) && err.code === 'CD_E_USAGE')) put(stderr, `${USAGE_HINT}\n`);
  return EXIT.USAGE;
}
