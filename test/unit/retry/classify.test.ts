import { classifyHttpStatus, classifyTransportError, parseRetryAfter } from '../../../retry/classify';

describe('classification', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('2xx ok; 5xx, 408, 429 transient; other 4xx and 3xx permanent', () => {
    expect(classifyHttpStatus(204, undefined, now).kind).toBe('ok');
    for (const s of [500, 502, 503, 504, 408, 429])
      expect(classifyHttpStatus(s, undefined, now).kind).toBe('transient');
    for (const s of [400, 401, 403, 404, 409, 410, 413, 422, 301]) {
      const r = classifyHttpStatus(s, undefined, now);
      expect(r).toMatchObject({ kind: 'permanent', code: 'CD_E_DELIVERY_REJECTED', status: s });
    }
    expect(classifyHttpStatus(429, '7', now)).toMatchObject({
      kind: 'transient',
      code: 'CD_E_DELIVERY_THROTTLED',
      retryAfterMs: 7000,
    });
    expect(classifyHttpStatus(503, undefined, now)).toMatchObject({ code: 'CD_E_DELIVERY_SERVER_ERROR' });
  });

  it('Retry-After: seconds or HTTP date; garbage ignored', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:30 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(['3'], now)).toBe(3000);
  });

  it('transport errors: timeouts and connection errors are transient, with their own codes', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyTransportError(refused)).toMatchObject({
      kind: 'transient',
      code: 'CD_E_DELIVERY_CONNECTION',
    });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyTransportError(timeout)).toMatchObject({
      kind: 'transient',
      code: 'CD_E_DELIVERY_TIMEOUT',
    });
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    });
    expect(classifyTransportError(wrapped)).toMatchObject({ code: 'CD_E_DELIVERY_TIMEOUT' });
  });
});
