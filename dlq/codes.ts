import { defineCodes } from '../core/errors';

/** Error codes of dead-letter operations (index, replay, admin API, audit, trace). */
export const DLQ_CODES = defineCodes({
  CD_E_DLQ_NO_REASON: {
    meaning:
      'A record on a dead-letter topic carries no cd-error-code header (it was not written by crossdock); it is indexed under this code.',
    action: 'Find who writes to the dead-letter topic; only the router and the sink connectors should.',
    retriable: false,
  },
  CD_E_DLQ_NOT_FOUND: {
    meaning: 'No dead letter has this id (`<topic>:<partition>:<offset>`) in the index.',
    action:
      'Check the id with `crossdock dlq list`; if the index was lost, rebuild it with `crossdock dlq reindex`.',
    retriable: false,
  },
  CD_E_DLQ_SELECTOR_INVALID: {
    meaning:
      'A selector or filter is malformed: an id that is not `<topic>:<partition>:<offset>`, an unknown state, a bad time, an empty selection where one is required.',
    action: 'Fix the argument the message names (see `crossdock dlq --help`).',
    retriable: false,
  },
  CD_E_DLQ_STATE_INVALID: {
    meaning:
      'The change is not allowed from the dead letter’s state (e.g. claiming a discarded one, replaying one that is being replayed).',
    action:
      'Look at the dead letter with `crossdock dlq show <id>`: discarded and resolved letters are closed for good, and a replay that failed again is a dead letter of its own (`crossdock dlq list --state new`).',
    retriable: false,
  },
  CD_E_DLQ_INDEX_UNAVAILABLE: {
    meaning: 'The dead-letter index in Redis did not answer.',
    action: 'Check Redis (`crossdock stack status`); the command can be repeated once it is back.',
    retriable: true,
  },
  CD_E_DLQ_SELECTION_TOO_LARGE: {
    meaning: 'The selector matches more dead letters than deadLetters.replay.maxSelection allows.',
    action: 'Narrow the selector (a group, a code, a time range) or raise the limit.',
    retriable: false,
  },
  CD_E_DLQ_JOB_NOT_FOUND: {
    meaning: 'No replay job has this id.',
    action: 'List the jobs with `crossdock dlq replays`.',
    retriable: false,
  },
  CD_E_ADMIN_UNAUTHORIZED: {
    meaning:
      'The admin API got no bearer token, or one it does not know (neither in hub.admin.tokens nor the local admin token of this hub).',
    action:
      'Set CROSSDOCK_ADMIN_TOKEN to a token made by `crossdock admin token create` (its sha256 under hub.admin.tokens); on the hub’s own machine the local token in the crossdock home is used when the API listens on loopback.',
    retriable: false,
  },
  CD_E_ADMIN_FORBIDDEN: {
    meaning: 'The token’s role may not do this operation; the message names the role needed.',
    action:
      'Ask for a token with that role (docs/operations.md, Dead-letter operations: the role table), or have someone holding one do it.',
    retriable: false,
  },
  CD_E_ADMIN_REQUEST_INVALID: {
    meaning:
      'An admin API request does not match the operation’s schema (a missing or unknown field, a wrong type, a bad query parameter); the message names the field.',
    action: 'Fix the request; the OpenAPI document at /api/v1/openapi.json describes every operation.',
    retriable: false,
  },
  CD_E_ADMIN_ROUTE_UNKNOWN: {
    meaning: 'The admin API has no operation at this method and path.',
    action: 'Every operation is under /api/v1; see the OpenAPI document at /api/v1/openapi.json.',
    retriable: false,
  },
  CD_E_ADMIN_UNAVAILABLE: {
    meaning:
      'The admin API cannot serve this operation now: a service it needs (replay, trace, reindex) is not running in this process, or did not answer.',
    action: 'Check the hub’s log and `crossdock stack status`; repeat the command once the hub is healthy.',
    retriable: true,
  },
  CD_E_AUDIT_UNAVAILABLE: {
    meaning: 'The audit trail could not be read or written (Redis or Kafka did not answer).',
    action:
      'Check Redis and Kafka (`crossdock stack status`). An operation whose audit record could not be written is logged at error level (dlq.audit_failed) with the record.',
    retriable: true,
  },
  CD_E_EVENT_ID_INVALID: {
    meaning:
      'The eventId to trace is empty, longer than 200 characters, or holds whitespace or control characters.',
    action: 'Pass the eventId as the event carries it (metadata.eventId, the `ce_id` header).',
    retriable: false,
  },
  CD_E_TRACE_UNAVAILABLE: {
    meaning:
      'Redis did not answer while an event was traced (the router’s duplicate mark or a subscriber’s delivery state).',
    action: 'Check Redis (`crossdock stack status`); trace again once it answers.',
    retriable: true,
  },
  CD_E_TAIL_UNKNOWN_TARGET: {
    meaning:
      '`crossdock events tail` was given a name that is neither a configured subscriber nor a topic of the hub’s Kafka (a topic name with the hub’s prefix must exist).',
    action:
      'Pass a subscriber id of the configuration (its deliver topic is tailed) or a topic name (`crossdock events tail --help`); check the prefix (hub.topicPrefix).',
    retriable: false,
  },
  CD_E_DLQ_SUBSCRIBER_GONE: {
    meaning:
      'A delivery dead letter names a subscriber the running configuration no longer has, so there is nobody to replay it to.',
    action:
      'Add the subscriber back (`crossdock config apply`) if it should receive the event, else discard the dead letter with a reason.',
    retriable: false,
  },
  CD_E_DLQ_REPLAY_LOOP: {
    meaning:
      'Loop guard: the event was already replayed deadLetters.replay.maxReplays times (its cd-replay-count) and failed again; it is not replayed once more.',
    action:
      'Find out why the replays keep failing (`crossdock dlq show <id>`), fix the cause, then discard or resolve it; raise deadLetters.replay.maxReplays only if another try is really meant.',
    retriable: false,
  },
  CD_E_DLQ_ORIGIN_UNKNOWN: {
    meaning:
      'A router dead letter was read from a topic the router of this hub does not read (cd-original-topic: neither an ingress topic nor the flow alerts topic), so there is no topic to replay it to.',
    action:
      'Look at the dead letter with `crossdock dlq show <id>`; publish the event again from its site, then resolve it.',
    retriable: false,
  },
  CD_E_DLQ_JOB_STATE_INVALID: {
    meaning:
      'The replay job cannot go to the state asked for from the one it is in (pause a job that is not running, resume one that is not paused, cancel one that has ended).',
    action:
      'Look at the job with `crossdock dlq replays <job>`; a cancelled job is not resumed: start a new replay of what is left (its letters are open again).',
    retriable: false,
  },
  CD_E_DLQ_REPLAY_BUSY: {
    meaning: 'Another replay was being started over the index at the same moment and did not finish in time.',
    action: 'Start the replay again in a moment.',
    retriable: true,
  },
  CD_E_ADMIN_LISTEN_FAILED: {
    meaning:
      'The admin API could not listen on hub.admin.host:port (the port is taken, or the address is not this machine’s).',
    action:
      'Free the port or choose another: hub.admin.port in the configuration, or `crossdock start --admin-port <port>` (0: any free port).',
    retriable: false,
  },
});
