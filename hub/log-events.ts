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
  'hub.redis_durability_checked': {
    level: 'info',
    fields: ['redisUrl', 'durability', 'appendonly', 'appendfsync', 'save', 'maxmemoryPolicy'],
    description:
      'The Redis the hub keeps its state in was checked at start and keeps its data (append-only file, no eviction), or its persistence was declared by the configuration (redis.durability: declared) because CONFIG cannot be read.',
  },
  'hub.redis_not_durable': {
    level: 'warn',
    fields: ['redisUrl', 'problems'],
    description:
      "redis.durability is none and the Redis in use may lose the hub's state (no append-only file, an evicting policy, or settings that cannot be read): a Redis restart or eviction can lose events scheduled for retry, parked behind a key, or their idempotency records. For throwaway setups only.",
  },
  'hub.config_applied': {
    level: 'info',
    fields: ['via', 'file', 'started', 'stopped', 'reconfigured', 'sites', 'subscribers', 'routes', 'rules'],
    description:
      'A new configuration took effect while the hub runs (`via`: config apply or SIGHUP): the components started, stopped and reconfigured in place, and what changed.',
  },
  'hub.config_refused': {
    level: 'warn',
    fields: ['via', 'file', 'code', 'problems'],
    description:
      'A configuration sent to the running hub was refused (invalid, a restart-only setting, or a component did not start from it); the running configuration stays.',
  },
});
