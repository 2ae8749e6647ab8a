import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino removes from every log line. Secrets come from the environment and the config
 * (passwords, keys, tokens, webhook secrets); none of them may reach a log.
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
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.CROSSDOCK_LOG_LEVEL ?? 'info';
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    options.destination ?? pino.destination(2),
  );
  return options.bindings ? logger.child(options.bindings) : logger;
}

/** A logger that writes nothing: the default where a caller passes none (unit tests, libraries). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
