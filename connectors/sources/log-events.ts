import { defineLogEvents, type EventLogger } from '../../core/log-events';

/**
 * Log events of the source connectors (HTTP ingest, CSV drop folders, the ingress publisher, site
 * onboarding) and of the site SDK. Lines about one event carry `eventId` and `correlationId`;
 * `err` is the error's description (core/errors describeError), never a secret.
 */
export const SOURCE_LOG_EVENTS = defineLogEvents({
  'sources.http_listening': {
    level: 'info',
    fields: ['port', 'sites'],
    description: 'HTTP ingest accepts requests on this port for these sites.',
  },
  'sources.http_internal_error': {
    level: 'error',
    fields: [],
    description:
      'A request failed outside the ingest handler (answered 500, nothing accepted); a bug to report with the error.',
  },
  'sources.http_ingest_failed': {
    level: 'error',
    fields: ['siteId'],
    description:
      "A site's request failed with an unexpected error (answered 500, nothing accepted, the client may retry); a bug to report with the error.",
  },
  'sources.event_published': {
    level: 'debug',
    fields: ['eventId', 'correlationId', 'eventType', 'siteId', 'topic', 'via'],
    description: 'Kafka acknowledged an event from HTTP ingest or a CSV file (`via`: http or csv).',
  },
  'sources.csv_watching': {
    level: 'info',
    fields: ['folders'],
    description: 'The CSV drop folders are polled for complete files.',
  },
  'sources.csv_duplicate_file': {
    level: 'warn',
    fields: ['siteId', 'file', 'first'],
    description:
      'A file with the content of one already published (`first`) was moved to rejected/ with a report; nothing was sent.',
  },
  'sources.csv_chunk_resumed': {
    level: 'warn',
    fields: ['siteId', 'file', 'resent', 'landed'],
    description:
      'After a restart, the chunk that was in flight was completed: `landed` events were already on the topic, `resent` were sent now.',
  },
  'sources.csv_file_unfinished': {
    level: 'warn',
    fields: ['siteId', 'file', 'retriable'],
    description:
      'A file could not be finished (Kafka or the registry away); it stays in the folder and the next poll resumes it.',
  },
  'sources.publisher_connect_failed': {
    level: 'warn',
    fields: [],
    description: 'The ingress producer cannot reach Kafka; it retries, and ingest answers 503 meanwhile.',
  },
  'sources.publisher_send_failed': {
    level: 'warn',
    fields: ['messages'],
    description:
      'Kafka did not acknowledge a batch of ingress messages in time; their callers were answered 503 (retriable).',
  },
  'sources.site_onboarded': {
    level: 'info',
    fields: ['siteId', 'topic', 'topicCreated', 'user', 'scramUser'],
    description:
      "A site's ingress topic, ACLs and HTTP key are in place (`scramUser`: whether its SCRAM login was set).",
  },
  'sources.sdk_event_published': {
    level: 'debug',
    fields: ['eventId', 'correlationId', 'eventType', 'siteId', 'topic', 'partition', 'offset'],
    description: "Kafka acknowledged an event a site's own program published with the SDK.",
  },
});

export type SourceLogEvents = typeof SOURCE_LOG_EVENTS;

/** One `sources.event_published` line per event Kafka acknowledged (only built when debug is on). */
export function logPublished(
  log: EventLogger<SourceLogEvents>,
  siteId: string,
  topic: string,
  via: 'http' | 'csv',
  events: ReadonlyArray<{ eventId: string; correlationId: string; eventType: string }>,
): void {
  if (!log.enabled('sources.event_published')) return;
  for (const e of events) {
    log.emit('sources.event_published', {
      eventId: e.eventId,
      correlationId: e.correlationId,
      eventType: e.eventType,
      siteId,
      topic,
      via,
    });
  }
}
