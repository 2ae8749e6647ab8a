/**
 * console: the operations console, web pages served on the admin API's port under /console
 * (docs/console.md). Pages are drawn on the server from the admin API's answers; the composition
 * root hands `consoleExtension()` to the admin API as its `extend`.
 */
import type { FastifyInstance } from 'fastify';
import { describeError } from '../core/errors';
import { eventLogger } from '../core/log-events';
import { silentLogger, type Logger } from '../core/logger';
import { CONSOLE_LOG_EVENTS } from './log-events';
import type { ConsolePageModule } from './contract';
import type { ConsoleOptions } from './site';
import { CONSOLE_PAGES } from './pages';
import { registerConsole } from './site';

export { CONSOLE_CODES } from './codes';
export { CONSOLE_LOG_EVENTS } from './log-events';
export { CONSOLE_PATH } from './session';
export { registerConsole, type ConsoleOptions } from './site';
export type { ConsolePageModule, ConsoleSite, ConsoleUser, PageRequest, PageAnswer } from './contract';

/** What the admin API gives an extension (dlq AdminApiExtension, structurally). */
export type ConsoleHost = Pick<ConsoleOptions, 'identify'> & { audit: NonNullable<ConsoleOptions['audit']> };

/** The admin API's `extend` that adds the console with its pages. */
export function consoleExtension(
  options: {
    pages?: readonly ConsolePageModule[];
    logger?: Logger;
  } = {},
): (app: FastifyInstance, host: ConsoleHost) => Promise<void> {
  const log = eventLogger(options.logger ?? silentLogger(), CONSOLE_LOG_EVENTS);
  return (app, host) =>
    registerConsole(app, {
      identify: (token) => host.identify(token),
      audit: (record) => host.audit(record),
      pages: options.pages ?? CONSOLE_PAGES,
      onError: (err, where) => log.emit('console.page_error', { where, err: describeError(err) }),
    });
}
