import { defineCodes } from '../errors';

/** Error codes of the config part. Add each new code here with its meaning and action. */
export const CONFIG_CODES = defineCodes({});
