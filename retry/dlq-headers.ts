/**
 * Dead-letter headers (DESIGN.md "Topics"): the reason travels in headers, the value is the
 * original bytes. Temporary home until dlq/headers.ts (owned by the router/config engineer) lands;
 * then the connector switches to it and this file goes.
 */
export interface DeadLetterReason {
  code: string;
  message: string;
  stage: string;
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  subscriber: string;
  /** Last HTTP status (delivery only). */
  lastStatus?: number;
  /** Last error text (delivery only). */
  lastError?: string;
}

/** The original headers with every `ce_*`/`traceparent`/`content-type` kept, plus the cd-* reason. */
export function deadLetterHeaders(original: Record<string, Buffer | string | undefined>, r: DeadLetterReason): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(original)) if (v !== undefined && !k.startsWith('cd-')) out[k] = v;
  out['cd-error-code'] = r.code;
  out['cd-error-message'] = r.message.slice(0, 1000);
  out['cd-error-stage'] = r.stage;
  out['cd-attempts'] = String(r.attempts);
  out['cd-first-failed-at'] = new Date(r.firstFailedAt).toISOString();
  out['cd-last-failed-at'] = new Date(r.lastFailedAt).toISOString();
  out['cd-original-topic'] = r.originalTopic;
  out['cd-original-partition'] = String(r.originalPartition);
  out['cd-original-offset'] = r.originalOffset;
  out['cd-subscriber'] = r.subscriber;
  if (r.lastStatus !== undefined) out['cd-last-status'] = String(r.lastStatus);
  if (r.lastError !== undefined) out['cd-last-error'] = r.lastError.slice(0, 1000);
  return out;
}
