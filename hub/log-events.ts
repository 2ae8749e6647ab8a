import { defineLogEvents } from '../core/log-events';

/** Log events of running the hub's components (`crossdock start`, `router`, `connector`). */
export const HUB_LOG_EVENTS = defineLogEvents({
  'hub.signal_received': {
    level: 'info',
    fields: ['signal'],
    description:
      'SIGINT or SIGTERM arrived: the components stop in reverse start order, then the process exits.',
  },
  'hub.component_stop_failed': {
    level: 'warn',
    fields: ['component', 'err'],
    description:
      'A component failed to stop cleanly while the process was stopping; the others still stop. Its consumer group rebalances when the process exits.',
  },
});
