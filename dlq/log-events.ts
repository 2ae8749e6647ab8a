import { defineLogEvents, eventLogger, type EventLogger } from '../core/log-events';
import type { Logger } from '../core/logger';

/** Log events of dead-letter operations. */
export const DLQ_LOG_EVENTS = defineLogEvents({
  'dlq.indexer_started': {
    level: 'info',
    fields: ['groupId', 'topics'],
    description: 'The dead-letter indexer consumes these dead-letter topics into the index.',
  },
  'dlq.index_failed': {
    level: 'warn',
    fields: ['err'],
    description:
      'Indexing a batch of dead letters failed (Redis or the registry did not answer); the batch is read again, nothing is skipped.',
  },
  'dlq.reindexed': {
    level: 'info',
    fields: ['letters', 'states', 'ms'],
    description:
      'The index was rebuilt from the dead-letter topics and the operators’ states from the dlq.state topic.',
  },
});

export type DlqLog = EventLogger<typeof DLQ_LOG_EVENTS>;

export function dlqLog(logger: Logger): DlqLog {
  return eventLogger(logger, DLQ_LOG_EVENTS);
}
