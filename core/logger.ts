import pino, { type Logger, type DestinationStream } from 'pino';
import { redact } from './redact';

export type { Logger };

/**
 * Paths pino removes from every log line. Secrets come from the environment and the config
 * (passwords, keys, tokens, webhook secrets); none of them may reach a log: besides these fields,
 * every line goes through the process's redactor (core/redact.ts), which replaces the secret
 * values themselves wherever they are.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.secrets',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.apiKey',
  '*.keys[*].secret',
  'sasl.password',
];

export interface LoggerOptions {
  /** Default: CROSSDOCK_LOG_LEVEL or 'info'. */
  level?: string;
  /** Where lines go; tests pass a stream to read them. Default: stderr, so stdout stays for --json. */
  destination?: DestinationStream;
  /** Bound to every line, e.g. { component: 'router' }. */
  bindings?: Record<string, unknown>;
  /**
   * Applied to every line as written, after the REDACT_PATHS: replaces the secret values the
   * process knows, wherever in the line they are (messages, error objects, kafkajs's lines).
   * @defaultValue core/redact.ts redact (the process's secrets)
   */
  redactor?: (line: string) => string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.CROSSDOCK_LOG_LEVEL ?? 'info';
  const logger = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      hooks: { streamWrite: options.redactor ?? redact },
    },
    options.destination ?? pino.destination(2),
  );
  return options.bindings ? logger.child(options.bindings) : logger;
}

/** A logger that writes nothing: the default where a caller passes none (unit tests, libraries). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
