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
      'Look at the dead letter with `crossdock dlq show <id>`; reopen it first if that is what you mean.',
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
});
