import { defineCodes } from '../core/errors';

/**
 * Error codes of the connectors part. Add each new code here with its meaning and action.
 * Source-connector codes are what a site's system sees (HTTP problem `code`, CSV report `code`).
 */
export const CONNECTOR_CODES = defineCodes({
  // --- site mappings -------------------------------------------------------------------------
  CD_E_MAPPING_INVALID: {
    meaning: 'A site mapping file (sites/…) is malformed, names an unknown base, code list or event type.',
    action: 'Fix the file at the path given in details.problems; `crossdock site test` re-checks it.',
    retriable: false,
  },
  CD_E_INPUT_MISSING_FIELD: {
    meaning: 'A field the mapping requires is absent or empty in the site record.',
    action: 'Send the field at the given path (or give the mapping a default).',
    retriable: false,
  },
  CD_E_INPUT_WRONG_TYPE: {
    meaning:
      'A value in the site record has the wrong type or cannot be read as the expected type (number, decimal, text).',
    action: 'Send the value in the format shown in `expected`.',
    retriable: false,
  },
  CD_E_INPUT_BAD_DATE: {
    meaning: 'A date or timestamp does not match the site dialect format or is an impossible date (31.02.).',
    action: 'Send the date in the format shown in `expected`, or fix the site dialect.',
    retriable: false,
  },
  CD_E_INPUT_OUT_OF_RANGE: {
    meaning:
      'A number is outside its allowed range (for example a negative quantity or a decimal with too many places).',
    action: 'Send a value within the range shown in `expected`.',
    retriable: false,
  },
  CD_E_INPUT_UNKNOWN_CODE: {
    meaning: "A code (unit of measure, status, reason) is not in the site's code list.",
    action: 'Use one of the codes listed in `expected`, or add the code to the site mapping.',
    retriable: false,
  },
  CD_E_INPUT_UNKNOWN_CURRENCY: {
    meaning: 'A currency is not an ISO 4217 code.',
    action: 'Send a three-letter ISO 4217 code such as EUR, USD, MXN.',
    retriable: false,
  },
  CD_E_INPUT_UNKNOWN_EVENT_TYPE: {
    meaning: 'The record names an event type the site has no mapping for.',
    action: 'Send one of the types listed in `expected`, or add a mapping for the site.',
    retriable: false,
  },
  CD_E_INPUT_SCHEMA_MISMATCH: {
    meaning:
      'The mapped canonical event does not fit its Avro schema (a mapping bug or an unmapped required field).',
    action: 'Fix the site mapping so every required canonical field is filled with the right type.',
    retriable: false,
  },
  CD_E_INPUT_REJECTED: {
    meaning:
      'The request or file held invalid records; nothing of it was published. `problems` lists each one.',
    action: 'Fix every problem listed (path, expected, got, code) and send again.',
    retriable: false,
  },
  CD_E_INPUT_MALFORMED: {
    meaning: 'The request body is not valid JSON or not an object / array of objects.',
    action: 'Send a JSON object, an array of objects, or {"events": [...]}.',
    retriable: false,
  },
  // --- HTTP ingest ---------------------------------------------------------------------------
  CD_E_AUTH_MISSING: {
    meaning: 'The request carries no key id, timestamp or signature header.',
    action: 'Sign the request: see docs/sites.md (HTTP ingest, signing).',
    retriable: false,
  },
  CD_E_AUTH_BAD_SIGNATURE: {
    meaning:
      'The HMAC-SHA256 signature does not match the body and timestamp, or the key id is unknown or expired.',
    action: 'Sign `<timestamp>.<raw body>` with the site key named in the key id header.',
    retriable: false,
  },
  CD_E_AUTH_STALE: {
    meaning: 'The signed timestamp is outside the replay window.',
    action: 'Check the sender clock (NTP) and sign each attempt with the current time.',
    retriable: false,
  },
  CD_E_AUTH_REPLAYED: {
    meaning: 'The exact same signed request was already received (a replay).',
    action: 'Sign every attempt anew (new timestamp); use Idempotency-Key to retry safely.',
    retriable: false,
  },
  CD_E_AUTH_WRONG_SITE: {
    meaning: 'The key is valid but belongs to another site than the one in the URL.',
    action: 'Use the key issued for this site; a site can never publish as another.',
    retriable: false,
  },
  CD_E_UNKNOWN_SITE: {
    meaning:
      "The site id in the URL or command, or the site of the ingress topic an event arrived on (router stage router.site), is not in the hub configuration; or the hub's own site `crossdock` is named where only the flow alerts topic may carry it.",
    action: 'Check the site id, or onboard the site with `crossdock site add`.',
    retriable: false,
  },
  CD_E_BODY_TOO_LARGE: {
    meaning: 'The request body or batch is larger than the ingest limit.',
    action: 'Split the batch (see maxBodyBytes / maxBatch in the site connector settings).',
    retriable: false,
  },
  CD_E_NOT_FOUND: {
    meaning:
      'HTTP ingest has no such route: it serves POST /v1/sites/<siteId>/events and GET /openapi.json only.',
    action: 'Check the URL (docs/sites.md, HTTP ingest; the OpenAPI document at /openapi.json).',
    retriable: false,
  },
  CD_E_METHOD_NOT_ALLOWED: {
    meaning: 'An HTTP ingest route was called with another method than its own (the Allow header names it).',
    action: 'POST events to /v1/sites/<siteId>/events; GET /openapi.json.',
    retriable: false,
  },
  CD_E_INGEST_CLOSING: {
    meaning:
      'The HTTP ingest is stopping (the hub is shutting down); the request was not read and nothing was accepted.',
    action: 'Send the same request again after Retry-After, to this hub once it is back or to another one.',
    retriable: true,
  },
  CD_E_UNSUPPORTED_MEDIA_TYPE: {
    meaning: 'The request content type is not application/json.',
    action: 'Send Content-Type: application/json.',
    retriable: false,
  },
  CD_E_QUOTA_EXCEEDED: {
    meaning: 'The site sent more events than its quota allows in the current window.',
    action: 'Wait for Retry-After seconds and send again, or ask for a higher quota.',
    retriable: true,
  },
  CD_E_IDEMPOTENCY_CONFLICT: {
    meaning: 'The Idempotency-Key was already used with a different body (or that request is still running).',
    action: 'Use a new Idempotency-Key for a different request; wait and retry if the first is in progress.',
    retriable: false,
  },
  CD_E_INGEST_STATE_UNAVAILABLE: {
    meaning:
      'HTTP ingest could not read or write its state in Redis (replay marks, Idempotency-Key records, quotas) within 2 s: Redis is down or overloaded. Nothing of the request was accepted.',
    action:
      'Retry the same request after the Retry-After delay (sign it anew). Operators: check Redis (`crossdock stack status`, REDIS_URL).',
    retriable: true,
  },
  CD_E_KAFKA_UNAVAILABLE: {
    meaning:
      'Kafka did not acknowledge the write in time; the request was not accepted (details.published says whether the events surely were not written, `no`, or may have been, `unknown`).',
    action:
      'Retry the same body after the Retry-After delay (same Idempotency-Key if you sent one): the retry carries the same eventIds, so it never makes a second copy.',
    retriable: true,
  },
  CD_E_INGEST_BUSY: {
    meaning:
      'The ingress publisher queue is full (hub.ingest.maxQueuedEvents / maxQueuedBytes): Kafka is slower than the sites; nothing was written.',
    action:
      'Retry after the Retry-After delay; if it lasts, look at Kafka (docs/operations.md, Back-pressure).',
    retriable: true,
  },
  CD_E_INGEST_NO_HTTP_SITES: {
    meaning:
      '`crossdock ingest` was started with a configuration that has no site with an `http` connector, so there is nothing for it to serve.',
    action:
      'Give it the configuration whose http sites it should serve; CSV drop folders run in `crossdock start`, SDK sites publish themselves.',
    retriable: false,
  },
  CD_E_ENCODE_FAILED: {
    meaning:
      'The canonical event could not be encoded with its registered schema (registry down or schema missing).',
    action: 'Check that `crossdock schemas push` ran and the registry answers; retry later.',
    retriable: true,
  },
  // --- CSV drop folder -----------------------------------------------------------------------
  CD_E_CSV_BAD_HEADER: {
    meaning: 'The CSV header misses columns the site mapping needs.',
    action: 'Export the file with the columns listed in `expected`.',
    retriable: false,
  },
  CD_E_CSV_PARSE: {
    meaning: 'The CSV file cannot be parsed (unclosed quote, wrong column count, bad encoding).',
    action: 'Re-export the file; check the delimiter, quoting and the site encoding.',
    retriable: false,
  },
  CD_E_CSV_EMPTY: {
    meaning: 'The CSV file has no data rows.',
    action: 'Check the export; an empty file publishes nothing and is moved to rejected/.',
    retriable: false,
  },
  CD_E_CSV_DUPLICATE_FILE: {
    meaning: 'A file with exactly the same content was already processed for this site.',
    action: 'Nothing: its events were published once. Remove the copy.',
    retriable: false,
  },
  CD_E_CSV_BAD_ENCODING: {
    meaning: 'The file is not valid in the site encoding (for example Latin-1 bytes in a UTF-8 site).',
    action: 'Export in the encoding configured for the site (utf8 or latin1).',
    retriable: false,
  },
  CD_E_SITE_SECRET_MISSING: {
    meaning: 'An HTTP ingest key names an environment variable (secretEnv) that is not set.',
    action:
      'Set the variable to the key secret printed by `crossdock site add`, or remove the key. On a developer machine, `crossdock keys` makes local secrets ($CROSSDOCK_HOME/local-keys.env) that `crossdock start` and `crossdock send` read.',
    retriable: false,
  },
  CD_E_INGEST_UNREACHABLE: {
    meaning:
      "`crossdock send` could not post to the hub's HTTP ingest: nothing answers at the address (the hub is not running, or listens elsewhere), or the connection broke before an answer.",
    action:
      "Start the hub (`crossdock start`), or give its ingest address with --hub-url (default: the running hub's run file, else http://127.0.0.1:$CROSSDOCK_INGEST_PORT, 8080).",
    retriable: true,
  },
  // --- onboarding ----------------------------------------------------------------------------
  CD_E_SITE_ONBOARD_FAILED: {
    meaning: 'Creating the site topic, SCRAM user or ACLs failed.',
    action: 'Read the cause; check that Kafka answers and the Kafka tools are cached (crossdock stack up).',
    retriable: true,
  },
});
