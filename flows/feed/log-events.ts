import { defineLogEvents, eventLogger, type EventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';

/** Log events of the flow tracker's feed and component (flows/feed, flows/component.ts). */
export const FEED_LOG_EVENTS = defineLogEvents({
  'flows.tracker_started': {
    level: 'info',
    fields: ['groupId', 'topics', 'flows'],
    description:
      'The flow tracker reads these ingress topics (and the router’s dead letters) in its consumer group; `flows` is how many flows are configured.',
  },
  'flows.feed_topics_added': {
    level: 'info',
    fields: ['topics'],
    description: 'New ingress topics appeared (a site was added); the feed subscribes to them.',
  },
  'flows.feed_paused': {
    level: 'warn',
    fields: ['code', 'error', 'topic', 'partition'],
    description:
      'Reading or handing on a batch failed for a reason that passes (the registry, Redis or a sink did not answer); the partition waits and tries the same records again, nothing is skipped.',
  },
  'flows.feed_resumed': {
    level: 'info',
    fields: ['topic', 'partition'],
    description: 'The partition that waited was handed on again.',
  },
  'flows.feed_commit_failed': {
    level: 'warn',
    fields: ['topic', 'partition', 'error'],
    description:
      'The feed could not commit its offset after handing on a batch (a rebalance took the partition); whoever owns it hands those records on again, and the sinks take them once.',
  },
  'flows.feed_consumer_restart': {
    level: 'warn',
    fields: ['error'],
    description: 'The feed’s consumer failed and is restarted; it reads on from its committed offsets.',
  },
  'flows.feed_reader_restart': {
    level: 'warn',
    fields: ['topic', 'error'],
    description: 'The reader of the router’s dead letters failed and is restarted.',
  },
  'flows.feed_letter_unnamed': {
    level: 'warn',
    fields: ['topic', 'partition', 'offset'],
    description:
      'A record on the router’s dead-letter topic names no ingress record (no cd-original-* headers): it was not written by the router and decides nothing.',
  },
  'flows.feed_undecodable': {
    level: 'warn',
    fields: ['topic', 'partition', 'offset', 'error'],
    description:
      'A record the router accepted did not decode for the feed (its schema changed under the same id?); it is handed on as accepted with event type `unknown` and no event.',
  },
  'flows.feed_horizon_failed': {
    level: 'warn',
    fields: ['error'],
    description:
      'Reading the router’s committed offsets or the dead-letter topic’s end failed; nothing new is decided until it works again.',
  },
  'flows.feed_horizon_recovered': {
    level: 'info',
    fields: [],
    description: 'Reading the router’s committed offsets works again.',
  },
});

export type FeedLog = EventLogger<typeof FEED_LOG_EVENTS>;

export function feedLog(logger: Logger): FeedLog {
  return eventLogger(logger, FEED_LOG_EVENTS);
}
