import { defineCodes } from '../core/errors';

/** Error codes of the delivery part. Add each new code here with its meaning and action. */
export const DELIVERY_CODES = defineCodes({});
