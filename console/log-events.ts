import { defineLogEvents } from '../core/log-events';

/** Log events of the operations console. */
export const CONSOLE_LOG_EVENTS = defineLogEvents({
  'console.page_error': {
    level: 'error',
    fields: ['where', 'err'],
    description:
      'A console page failed for a reason that is no fault of the request (a bug, or an answer of the admin API the page could not draw); the browser got a 500 page with CD_E_INTERNAL.',
  },
});
