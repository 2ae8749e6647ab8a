import { defineCodes } from '../core/errors';

/** Error codes of the schemas part. Add each new code here with its meaning and action. */
export const SCHEMA_CODES = defineCodes({
  CD_E_REGISTRY_UNAVAILABLE: {
    meaning:
      'The schema registry did not answer about the schema (connection refused, timeout, 5xx, or 401, 403, 408, 429 and other replies that are not about the schema id).',
    action:
      'Check that the registry is up and lets the hub in (`crossdock stack status`, CROSSDOCK_REGISTRY_URL, credentials, rate limits); the router and connectors pause and retry with back-off (metric crossdock_router_registry_failures_total by status class), nothing is dead-lettered for it.',
    retriable: true,
  },
  CD_E_UNKNOWN_SCHEMA_ID: {
    meaning: 'The message names a schema id the registry does not know.',
    action:
      'The producer used another registry, or the registry lost its state; inspect the message in the DLQ.',
    retriable: false,
  },
  CD_E_BAD_FRAMING: {
    meaning: 'The bytes are not Confluent-framed Avro (magic byte 0 and a 4-byte schema id).',
    action: 'Make the producer use a Confluent-compatible Avro serializer (the crossdock SDK does).',
    retriable: false,
  },
  CD_E_UNDECODABLE_EVENT: {
    meaning:
      'The Avro body does not decode with the schema its id names (truncated or written with another schema).',
    action: 'Inspect the message in the DLQ; fix the producer serializer.',
    retriable: false,
  },
  CD_E_EVENT_INVALID: {
    meaning: 'An event does not match its canonical schema (the details list each field path and why).',
    action: 'Fix the listed fields in the mapping or the producer; see docs/events.md for the schema.',
    retriable: false,
  },
  CD_E_UNKNOWN_EVENT_TYPE: {
    meaning:
      'The event type or subject is not in the catalog (schemas/catalog.yaml), or the version is not there.',
    action: 'Use an event type listed by `crossdock schemas list`, or add it to the catalog.',
    retriable: false,
  },
  CD_E_MISSING_BUSINESS_KEY: {
    meaning: 'An event lacks a value for a field of its business key, so it has no Kafka key.',
    action: 'Fill the key fields the catalog names for the event type (see docs/events.md).',
    retriable: false,
  },
  CD_E_CATALOG_INVALID: {
    meaning: 'schemas/catalog.yaml or a schema file cannot be loaded (YAML, JSON Schema or avsc error).',
    action: 'Run `crossdock schemas check` to see each problem with file and path.',
    retriable: false,
  },
  CD_E_SCHEMA_CHECK_FAILED: {
    meaning: '`crossdock schemas check` found lint or compatibility problems.',
    action: 'Fix each listed problem; docs/schemas.md explains every rule id.',
    retriable: false,
  },
  CD_E_PUBLISHED_VERSION_CHANGED: {
    meaning:
      'A catalog version that was already published (its fingerprint is in schemas/catalog.lock.json) was edited in place or removed; `schemas check` reports it (rules published-version-edited, published-version-removed) and `schemas push` refuses.',
    action:
      'Restore the published file and add the change as a new version (v<N+1>.avsc and a line in catalog.yaml); retire old versions instead of removing them.',
    retriable: false,
  },
  CD_E_CATALOG_PUBLISH_FAILED: {
    meaning:
      'The versions are in the registry, but the catalog could not be written to `<prefix>.catalog` (Kafka did not answer or refused), so running routers do not know them yet.',
    action:
      'Check Kafka (`crossdock stack status`, CROSSDOCK_KAFKA_BROKERS) and run `crossdock schemas push` again (it is idempotent).',
    retriable: true,
  },
  CD_E_SCHEMA_INCOMPATIBLE: {
    meaning: 'The registry refused a schema version as incompatible with the versions it already holds.',
    action:
      'Run `crossdock schemas check` for a field-by-field explanation, then make the change compatible (or add a new event type).',
    retriable: false,
  },
  CD_E_REGISTRY_REJECTED: {
    meaning: 'The registry refused a request (a 4xx other than incompatibility).',
    action: 'Read the registry message in the details; check the schema and the registry configuration.',
    retriable: false,
  },
});
