import { defineLogEvents } from '../../core/log-events';

/**
 * Every line dead-letter replay logs (core/log-events.ts is the contract). Lines about one dead
 * letter carry its `id`, and its `eventId` and `correlationId` when known.
 */
export const REPLAY_LOG_EVENTS = defineLogEvents({
  'replay.runner_started': {
    level: 'info',
    fields: ['instanceId'],
    description: 'The replay job runner polls Redis for running replay jobs.',
  },
  'replay.runner_stopped': {
    level: 'info',
    fields: ['instanceId'],
    description: 'The replay job runner finished the items in hand and let go of its jobs.',
  },
  'replay.job_created': {
    level: 'info',
    fields: ['jobId', 'total', 'ratePerSecond', 'by'],
    description: 'A replay job was created over a snapshot of dead letters, now marked replaying.',
  },
  'replay.job_taken': {
    level: 'info',
    fields: ['jobId', 'done', 'total', 'instanceId'],
    description:
      'This process holds the lease of a running replay job and works through its items from its cursor (a job another process ran resumes where it was).',
  },
  'replay.job_changed': {
    level: 'info',
    fields: ['jobId', 'from', 'to', 'by'],
    description: 'An operator paused, resumed or cancelled a replay job.',
  },
  'replay.job_finished': {
    level: 'info',
    fields: ['jobId', 'total', 'sent', 'skipped', 'refused'],
    description: 'A replay job handled its last item.',
  },
  'replay.job_failed': {
    level: 'error',
    fields: ['jobId', 'error'],
    description:
      'A replay job cannot go on (its item list is gone); its letters not handled stay replaying until it is cancelled.',
  },
  'replay.item_resent': {
    level: 'warn',
    fields: ['jobId', 'id', 'eventId', 'correlationId'],
    description:
      'The item a replay job was sending when its runner stopped without advancing (a crash) is sent again; the idempotency record or the duplicate mark keeps its effect single.',
  },
  'replay.item_refused': {
    level: 'warn',
    fields: ['jobId', 'id', 'eventId', 'correlationId', 'code', 'reason'],
    description:
      'A replay job did not send a dead letter (loop guard, state changed, subscriber gone…); the letter is open again with a note.',
  },
  'replay.item_failed': {
    level: 'warn',
    fields: ['jobId', 'id', 'error'],
    description:
      'Handling one item of a replay job failed (Kafka or Redis did not answer); the runner retries it after a pause, nothing is skipped.',
  },
});
