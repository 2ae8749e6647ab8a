import crypto from 'node:crypto';
import type { FlowAlertKind } from '../contract';

/**
 * The id of a flow alert: sha256 of `kind|flow|key|stepIndex`, its first 16 bytes written as a
 * UUID with version 8 (RFC 9562, custom) and the RFC variant, so it is a valid eventId. The same
 * alert always gets the same id: publishing it again is a duplicate (the router drops a repeated
 * eventId, a reader can tell).
 */
export function flowAlertId(kind: FlowAlertKind, flow: string, key: string, stepIndex: number): string {
  const b = crypto
    .createHash('sha256')
    .update(`${kind}|${flow}|${key}|${stepIndex}`)
    .digest()
    .subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
