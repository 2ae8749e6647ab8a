import { defineLogEvents } from '../core/log-events';

/** Log events of the long-running CLI commands (`start`, `router`, `connector`) around their components. */
export const CLI_LOG_EVENTS = defineLogEvents({
  'cli.signal_received': {
    level: 'info',
    fields: ['signal'],
    description:
      'SIGINT or SIGTERM arrived: the components stop in reverse start order, then the process exits.',
  },
  'cli.component_stop_failed': {
    level: 'warn',
    fields: ['component', 'err'],
    description:
      'A component failed to stop cleanly while the process was stopping; the others still stop. Its consumer group rebalances when the process exits.',
  },
});
