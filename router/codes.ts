import { defineCodes } from '../core/errors';

/** Error codes of the router part. Add each new code here with its meaning and action. */
export const ROUTER_CODES = defineCodes({});
