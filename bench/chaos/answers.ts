/**
 * What the soak's sender does with an ingest answer, as a careful site client would. Pure.
 * - 2xx: accepted (the eventIds come back in the body).
 * - 503, 429, 409 "still being processed" and 401 CD_E_AUTH_REPLAYED (the same signature arrived
 *   twice within a second, e.g. a retry after a dropped connection): retry with the same
 *   Idempotency-Key after Retry-After (seconds) or a short default.
 * - 500: nothing was accepted; retry.
 * - any other answer: refused (a bad request: the harness's fault, reported).
 * No answer at all (connection refused, reset, timeout): retry with growing back-off.
 */
export type SendDecision =
  | { kind: 'accepted'; eventIds: string[] }
  | { kind: 'retry'; waitMs: number; reason: string }
  | { kind: 'refused'; code: string };

const RETRY_CODES = new Set(['CD_E_AUTH_REPLAYED', 'CD_E_IDEMPOTENCY_CONFLICT']);

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function decide(
  status: number,
  body: unknown,
  retryAfter: string | null | undefined,
  nowMs: number,
  defaultWaitMs = 1000,
): SendDecision {
  const code =
    body && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string'
      ? (body as { code: string }).code
      : `HTTP_${status}`;
  if (status >= 200 && status < 300) {
    const ids = (body as { eventIds?: unknown } | undefined)?.eventIds;
    if (Array.isArray(ids) && ids.every((i) => typeof i === 'string'))
      return { kind: 'accepted', eventIds: ids as string[] };
    return { kind: 'refused', code: 'NO_EVENT_IDS' };
  }
  const wait = retryAfterMs(retryAfter, nowMs);
  if (status === 503 || status === 429 || status === 500 || status === 502 || status === 504)
    return { kind: 'retry', waitMs: wait ?? defaultWaitMs, reason: `${status} ${code}` };
  if ((status === 409 || status === 401) && RETRY_CODES.has(code)) {
    // 409 with another body is a real conflict; only "still being processed" carries Retry-After.
    if (status === 409 && wait === undefined) return { kind: 'refused', code };
    return { kind: 'retry', waitMs: wait ?? defaultWaitMs, reason: `${status} ${code}` };
  }
  return { kind: 'refused', code };
}

/** Back-off after no answer: 250 ms doubling per failed attempt, capped. */
export function noAnswerBackoffMs(failures: number, capMs = 5000): number {
  return Math.min(capMs, 250 * 2 ** Math.max(0, failures - 1));
}
