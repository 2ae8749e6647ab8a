import { defineCodes } from '../core/errors';

/** Error codes of the connectors part. Add each new code here with its meaning and action. */
export const CONNECTOR_CODES = defineCodes({});
