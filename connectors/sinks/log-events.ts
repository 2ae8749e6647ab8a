import { defineLogEvents } from '../../core/log-events';

/**
 * Every line the sink connectors log (delivery, its retry worker and its breaker), declared once.
 * Lines are emitted through eventLogger on the connector's logger, whose bindings carry the
 * subscriber id; a line about one event carries eventId and correlationId (the correlationId
 * read from the event's metadata, absent when the value is not a canonical event).
 */
export const DELIVERY_LOG_EVENTS = defineLogEvents({
  'delivery.breaker_open': {
    level: 'warn',
    fields: ['from', 'to'],
    description:
      'The subscriber keeps failing transiently: its consumer pauses and nothing is attempted until the open time has passed (events wait, none is dead-lettered). Check the subscriber.',
  },
  'delivery.breaker_half_open': {
    level: 'warn',
    fields: ['from', 'to'],
    description:
      'The open time has passed: one probe delivery is let through to see whether the subscriber is back.',
  },
  'delivery.breaker_closed': {
    level: 'warn',
    fields: ['from', 'to'],
    description:
      'Probes succeeded: the subscriber is back, the consumer resumes and waiting events are delivered.',
  },
  'delivery.dead_lettered': {
    level: 'warn',
    fields: ['eventId', 'correlationId', 'subscriber', 'code', 'attempts', 'lastStatus'],
    description:
      "An event went to the subscriber's dead-letter topic (a permanent failure, or its retries ran out); code says why. Inspect it there and replay once fixed.",
  },
  'delivery.consumer_error': {
    level: 'error',
    fields: ['eventId', 'correlationId', 'partition'],
    description:
      "Delivering a fetched event threw (Redis or the dead-letter producer unreachable): the partition's undelivered events are read again after a pause. Check Redis and Kafka.",
  },
  'delivery.commit_failed': {
    level: 'warn',
    fields: ['partition', 'offset'],
    description:
      'Committing settled offsets failed (a rebalance or a broker hiccup); the next commit covers them, at worst settled events are read again and skipped.',
  },
  'retry.attempt_failed': {
    level: 'error',
    fields: ['eventId', 'correlationId'],
    description:
      'A retry from the schedule threw (Redis or the dead-letter producer unreachable); its claim lease returns it to the schedule. Check Redis and Kafka.',
  },
  'retry.worker_error': {
    level: 'error',
    fields: [],
    description:
      "The retry worker's loop failed (Redis unreachable, say); it tries again after its idle poll.",
  },
});
