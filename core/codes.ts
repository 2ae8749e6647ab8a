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
  CD_E_KAFKAJS_UNPATCHED: {
    meaning:
      "kafkajs was loaded before crossdock's fix of its read_committed filter (core/kafkajs-patch.ts), so records of aborted transactions could reach this process; it refuses to start.",
    action:
      'Start crossdock through bin/crossdock.js, or import core/kafka (or core/kafkajs-patch) before anything that imports kafkajs.',
    retriable: false,
  },
});
