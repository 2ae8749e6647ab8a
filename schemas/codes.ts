import { defineCodes } from '../core/errors';

/** Error codes of the schemas part. Add each new code here with its meaning and action. */
export const SCHEMA_CODES = defineCodes({});
