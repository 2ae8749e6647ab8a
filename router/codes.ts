import { defineCodes } from '../core/errors';

/**
 * Error codes of the router part. Codes for framing, unknown schema ids, undecodable bodies and
 * subjects missing from the catalog belong to the schemas part (CD_E_BAD_FRAMING,
 * CD_E_UNKNOWN_SCHEMA_ID, CD_E_UNDECODABLE_EVENT, CD_E_UNKNOWN_EVENT_TYPE); the router uses them.
 */
export const ROUTER_CODES = defineCodes({
  CD_E_EVENT_TOO_LARGE: {
    meaning: 'The ingress record is larger than hub.router.maxEventBytes.',
    action: 'Split the event at the source, or raise hub.router.maxEventBytes if the size is legitimate.',
    retriable: false,
  },
  CD_E_EMPTY_VALUE: {
    meaning: 'The ingress record has no value (a tombstone or an empty message).',
    action: 'Fix the producer: every ingress record carries one framed Avro event.',
    retriable: false,
  },
  CD_E_VERSION_RETIRED: {
    meaning: 'The event was written with a schema version the catalog marks retired.',
    action:
      'Upgrade the producer to an active version (see `crossdock schemas list`); replay the DLQ entry after re-encoding.',
    retriable: false,
  },
  CD_E_UNKNOWN_SCHEMA_VERSION: {
    meaning:
      'The schema id names a subject of the catalog, but not one of its versions, and the catalog the router follows (`<prefix>.catalog`) still did not hold it after hub.router.unknownVersionGraceMs (a schema registered outside the catalog, or a push that never published its catalog).',
    action:
      'Register schemas only with `crossdock schemas push` (it publishes the catalog too); make the producer use a catalog version; replay the DLQ entry once the version is pushed.',
    retriable: false,
  },
  CD_E_SCHEMA_VERSION_PENDING: {
    meaning:
      'An event names a subject or version the catalog does not hold yet; the router holds its partition and retries, because a `schemas push` may still be on its way (at most hub.router.unknownVersionGraceMs, then CD_E_UNKNOWN_SCHEMA_VERSION or CD_E_UNKNOWN_EVENT_TYPE).',
    action:
      'Nothing if a push is under way. Otherwise run `crossdock schemas push` for the version the producer uses, or expect the events in the router DLQ after the grace period.',
    retriable: true,
  },
  CD_E_TRAILING_BYTES: {
    meaning:
      'The Avro body decoded, but bytes were left over after the record (a mangled or concatenated message).',
    action: 'Fix the producer serializer; inspect the original bytes in the DLQ.',
    retriable: false,
  },
  CD_E_BAD_METADATA: {
    meaning:
      'The event metadata is not sane (eventId not a UUID, occurredAt unreadable, an empty required field); the message names the field.',
    action: 'Fix the mapping or producer that fills the metadata record.',
    retriable: false,
  },
  CD_E_OCCURRED_IN_FUTURE: {
    meaning: 'occurredAt is further ahead of the hub clock than hub.router.maxFutureSkewMs.',
    action: 'Check the site system clock and time zone handling (occurredAt is UTC milliseconds).',
    retriable: false,
  },
  CD_E_TYPE_MISMATCH: {
    meaning: 'metadata.eventType does not name the record the event was encoded with.',
    action: 'Fix the producer: eventType must equal the catalog event type of the schema used.',
    retriable: false,
  },
  CD_E_SITE_MISMATCH: {
    meaning:
      'metadata.siteId differs from the site of the ingress topic the event arrived on (on the flow alerts topic, from the hub site `crossdock`).',
    action:
      'A site may publish only as itself: fix the site id in the producer, or check which credentials wrote to this topic.',
    retriable: false,
  },
  CD_E_HEADER_MISMATCH: {
    meaning:
      'A CloudEvents header (ce_id, ce_type, ce_time, ce_specversion, content-type) contradicts the payload; the message names it.',
    action: 'Fix the producer so its headers are derived from the event it sends (the SDK does this).',
    retriable: false,
  },
  CD_E_KEY_MISMATCH: {
    meaning:
      'The Kafka key differs from the business key the catalog defines for the event type (or is missing).',
    action: 'Key each record by its business key (see docs/events.md); per-key ordering depends on it.',
    retriable: false,
  },
  CD_E_RULE_VIOLATION: {
    meaning: 'The event breaks a data rule of the configuration; details name the rule and the field.',
    action:
      'Fix the data at the source, or the rule in the hub configuration if the rule is wrong; then replay.',
    retriable: false,
  },
  CD_E_DUPLICATE_CONFLICT: {
    meaning: 'An eventId already seen arrived again with a different payload.',
    action:
      'The producer reused an eventId for a different event: fix id generation; decide which version is right and replay or discard.',
    retriable: false,
  },
  CD_E_ROUTER_STATE_UNAVAILABLE: {
    meaning:
      'Redis (duplicate detection) did not answer; the router pauses and retries, dead-lettering nothing.',
    action: 'Check Redis (REDIS_URL, `crossdock stack status`); the router resumes by itself.',
    retriable: true,
  },
  CD_E_ROUTER_FENCED: {
    meaning:
      'A transaction was about to commit a partition that another router instance has claimed since (a rebalance, or this instance stalled): it was aborted, nothing of it is visible, and the new owner reads the partition from the last commit.',
    action:
      'None when it follows a rebalance. If it repeats, look for an instance that stalls (CPU starvation, long GC pauses) or for two instances sharing a transactional id (CROSSDOCK_ROUTER_INSTANCE).',
    retriable: true,
  },
  CD_E_ROUTER_WORKER_FAILED: {
    meaning:
      'An analysis worker thread (hub.router.validationThreads) exited or could not take a batch; the batch is retried on a new worker, dead-lettering nothing.',
    action:
      'Look for the cause in the log line (out of memory, a crash in a decoder); set hub.router.validationThreads to 0 to validate on the main thread meanwhile.',
    retriable: true,
  },
});
