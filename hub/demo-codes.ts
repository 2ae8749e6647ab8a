import { defineCodes } from '../core/errors';

/**
 * The codes of `crossdock demo` (demo/), declared here because the error catalog is composed in
 * hub/ and demo/ sits above hub/ (it runs the whole hub in-process).
 */
export const DEMO_CODES = defineCodes({
  CD_E_DEMO_PORT_IN_USE: {
    meaning:
      'A port the demo must listen on to stand in for a subscriber (the URLs of examples/hub.yaml, 8701-8704) is held by another program.',
    action:
      'Stop that program (a `node examples/receiver.mjs`?), or run `crossdock demo --free-ports`: the demo then picks free ports and points the subscribers at them.',
    retriable: false,
  },
  CD_E_DEMO_NOT_READY: {
    meaning: 'The demo started the hub but it did not become ready (/readyz) within 60 seconds.',
    action: 'Read the log file the demo named (its first line), and `crossdock stack status`.',
    retriable: true,
  },
});
