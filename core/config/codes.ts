import { defineCodes } from '../errors';

/** Error codes of the config part. Add each new code here with its meaning and action. */
export const CONFIG_CODES = defineCodes({
  CD_E_CONFIG_INVALID: {
    meaning:
      'The hub configuration breaks its JSON Schema or refers to something that does not exist; details.problems lists every problem with its path.',
    action: 'Fix each listed path (run `crossdock config check <file>`), then start again.',
    retriable: false,
  },
  CD_E_CONFIG_UNREADABLE: {
    meaning: 'The hub configuration file could not be read or is not valid YAML.',
    action: 'Check the path and the YAML syntax at the line shown.',
    retriable: false,
  },
});
