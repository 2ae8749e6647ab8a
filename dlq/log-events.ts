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
  'dlq.admin_api_listening': {
    level: 'info',
    fields: ['url', 'localToken', 'tokens'],
    description:
      'The admin API listens (OpenAPI at <url>/api/v1/openapi.json); `localToken` says whether a local admin token was made (loopback only), `tokens` how many configured tokens it accepts.',
  },
  'dlq.admin_api_error': {
    level: 'error',
    fields: ['op', 'method', 'url', 'err'],
    description:
      'An admin API operation failed for a reason that is no fault of the request (a bug, or a service that threw an uncoded error); the caller got 500 CD_E_INTERNAL.',
  },
  'dlq.audit_failed': {
    level: 'error',
    fields: ['record', 'err'],
    description:
      'An audit record could not be written to the audit topic or its recent copy in Redis (Kafka or Redis did not answer); the record is in this line. The operation itself was answered as it went.',
  },
});

export type DlqLog = EventLogger<typeof DLQ_LOG_EVENTS>;

export function dlqLog(logger: Logger): DlqLog {
  return eventLogger(logger, DLQ_LOG_EVENTS);
}
