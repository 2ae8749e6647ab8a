import type { DeliveryCode } from './codes';

/**
 * What a sink reports for one delivery attempt (the sink contract's result). Sinks classify;
 * the retry machinery only reads the kind.
 */
export type DeliveryResult =
  | { kind: 'ok'; status?: number }
  | { kind: 'transient'; code: DeliveryCode; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'permanent'; code: DeliveryCode; reason: string; status?: number };

/**
 * Parses Retry-After (RFC 9110: delay-seconds or an HTTP-date) into milliseconds from `now`.
 * Unparseable values are ignored (undefined) rather than trusted.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const s = raw.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** HTTP status → result: 2xx ok; 408, 429, 5xx transient (Retry-After honoured); other statuses permanent. */
export function classifyHttpStatus(
  status: number,
  retryAfter: string | string[] | undefined,
  now: number,
): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'ok', status };
  if (status === 429 || status === 408) {
    return {
      kind: 'transient',
      code: 'CD_E_DELIVERY_THROTTLED',
      reason: `HTTP ${status}`,
      status,
      retryAfterMs: parseRetryAfter(retryAfter, now),
    };
  }
  if (status >= 500) {
    return {
      kind: 'transient',
      code: 'CD_E_DELIVERY_SERVER_ERROR',
      reason: `HTTP ${status}`,
      status,
      retryAfterMs: parseRetryAfter(retryAfter, now),
    };
  }
  // 1xx/3xx are not followed (a webhook that redirects is misconfigured) and other 4xx are refusals.
  return { kind: 'permanent', code: 'CD_E_DELIVERY_REJECTED', reason: `HTTP ${status}`, status };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ABORT_ERR',
]);

/** The `code` of an error or of any error in its cause chain. */
function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if (typeof code === 'string') out.push(code);
    if (name === 'TimeoutError' || name === 'AbortError') out.push('ETIMEDOUT');
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * A thrown transport error → result. Timeouts and connection errors are transient; anything we
 * do not recognise is also treated as transient, because retrying is safe (idempotency key) and
 * dead-lettering on an unknown local error would lose nothing but cost a person's time.
 */
export function classifyTransportError(err: unknown): DeliveryResult {
  const codes = errorCodes(err);
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
  if (codes.some((c) => TIMEOUT_CODES.has(c)))
    return { kind: 'transient', code: 'CD_E_DELIVERY_TIMEOUT', reason: `timeout: ${message}` };
  if (codes.some((c) => CONNECTION_CODES.has(c)))
    return { kind: 'transient', code: 'CD_E_DELIVERY_CONNECTION', reason: `${codes[0]}: ${message}` };
  return { kind: 'transient', code: 'CD_E_DELIVERY_CONNECTION', reason: message };
}
