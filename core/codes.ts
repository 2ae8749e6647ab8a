import { defineCodes } from './errors';

/** Codes that belong to no single part. */
export const CORE_CODES = defineCodes({
  CD_E_INTERNAL: {
    meaning: 'An unexpected internal error (a bug in crossdock).',
    action: 'Run again with CROSSDOCK_DEBUG=1 to see the stack trace, and report it with the log.',
    retriable: false,
  },
  CD_E_USAGE: {
    meaning: 'A command was called with missing or invalid arguments.',
    action: 'Read `crossdock <command> --help`.',
    retriable: false,
  },
});
