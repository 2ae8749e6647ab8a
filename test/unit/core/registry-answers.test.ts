import { isCrossdockError } from '../../../core/errors';
import { Registry as MetricsRegistry } from 'prom-client';
import {
  answersAboutTheId,
  countRegistryFailures,
  createSchemaResolver,
  isTransientRefusal,
  parseRetryAfter,
  registryFailureClass,
} from '../../../core/registry';
import { backoffMs, pausedOn } from '../../../router/fetch-loop';

/** A fetch that answers one status (and body, headers) for every call. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch {
  return (async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers,
    })) as typeof fetch;
}

async function lookupError(
  fetchImpl: typeof fetch,
): Promise<{ code: string; retriable: boolean; status?: unknown }> {
  const resolver = createSchemaResolver('http://registry.invalid', { fetch: fetchImpl });
  try {
    await resolver.getSchemaById(7);
  } catch (err) {
    if (!isCrossdockError(err)) throw err;
    return { code: err.code, retriable: err.retriable, status: err.details?.status };
  }
  throw new Error('the lookup succeeded');
}

describe("registry answers: the event's fault or not", () => {
  it.each([
    [401, { message: 'unauthorized' }],
    [403, { error_code: 40301, message: 'forbidden' }],
    [408, ''],
    [429, { message: 'slow down' }],
    [400, { message: 'bad request' }],
    [404, '<html>no such path</html>'],
    [500, { message: 'boom' }],
    [503, ''],
  ])('%i is retriable CD_E_REGISTRY_UNAVAILABLE (not dead-lettered)', async (status, body) => {
    expect(await lookupError(answering(status, body))).toEqual({
      code: 'CD_E_REGISTRY_UNAVAILABLE',
      retriable: true,
      status,
    });
  });

  it('a 404 with a 404xx error code is about the id: CD_E_UNKNOWN_SCHEMA_ID, not retriable', async () => {
    expect(await lookupError(answering(404, { error_code: 40403, message: 'Schema 7 not found.' }))).toEqual({
      code: 'CD_E_UNKNOWN_SCHEMA_ID',
      retriable: false,
      status: undefined,
    });
    expect(answersAboutTheId({ status: 404, body: { error_code: 40403 } })).toBe(true);
    expect(answersAboutTheId({ status: 404, body: { error_code: 50001 } })).toBe(false);
    expect(answersAboutTheId({ status: 200, body: {} })).toBe(true);
  });

  it('connection refused and timeouts are retriable', async () => {
    const refused = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const e = await lookupError(refused);
    expect(e).toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE', retriable: true });
  });

  it('classifies failures by status class for the metric', () => {
    const withStatus = (status?: number, message = 'x') =>
      Object.assign(new Error(message), { details: { status } });
    expect(registryFailureClass(withStatus(401))).toBe('auth');
    expect(registryFailureClass(withStatus(403))).toBe('auth');
    expect(registryFailureClass(withStatus(429))).toBe('throttled');
    expect(registryFailureClass(withStatus(502))).toBe('5xx');
    expect(registryFailureClass(withStatus(408))).toBe('timeout');
    expect(registryFailureClass(withStatus(400))).toBe('other');
    expect(registryFailureClass(withStatus(undefined, 'did not answer: ECONNREFUSED'))).toBe('unreachable');
    expect(registryFailureClass(withStatus(undefined, 'The operation was aborted due to timeout'))).toBe(
      'timeout',
    );
  });

  it('reads Retry-After as seconds or an HTTP date, and carries it on a 429', async () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    const resolver = createSchemaResolver('http://registry.invalid', {
      fetch: answering(429, { message: 'slow down' }, { 'retry-after': '2' }),
    });
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({ details: { retryAfterMs: 2000 } });
  });
});

describe('registry failures outside the router', () => {
  it('counts retriable failures by component and status class, nothing else', async () => {
    const metrics = new MetricsRegistry();
    let status = 429;
    const resolver = countRegistryFailures(
      createSchemaResolver('http://registry.invalid', {
        fetch: (async () => new Response(JSON.stringify({ error_code: 40403 }), { status })) as typeof fetch,
      }),
      metrics,
      'connector:erp',
    );
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE' });
    status = 403;
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE' });
    status = 404;
    await expect(resolver.getSchemaById(1)).rejects.toMatchObject({ code: 'CD_E_UNKNOWN_SCHEMA_ID' });
    const text = await metrics.getSingleMetricAsString('crossdock_registry_failures_total');
    expect(text).toContain('{component="connector:erp",status="throttled"} 1');
    expect(text).toContain('{component="connector:erp",status="auth"} 1');
    expect(text).not.toContain('status="other"');
  });

  it('401, 403, 408 and 429 are "not now" when a source looks a schema id up; 404, 409, 422 are answers', () => {
    expect([401, 403, 408, 429].every(isTransientRefusal)).toBe(true);
    expect([200, 404, 409, 422, 400].some(isTransientRefusal)).toBe(false);
  });
});

describe('router back-off while a batch is held', () => {
  const retry = { initialMs: 100, maxMs: 1000 };
  it('full jitter under an exponential ceiling, capped', () => {
    expect(backoffMs(retry, 0, undefined, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffMs(retry, 3, undefined, () => 0.5)).toBe(400);
    expect(backoffMs(retry, 30, undefined, () => 0.999)).toBeCloseTo(999);
    expect(backoffMs(retry, 2, undefined, () => 0)).toBe(0);
  });
  it('waits at least what the registry asked (Retry-After), never beyond maxMs', () => {
    expect(backoffMs(retry, 0, 700, () => 0)).toBe(700);
    expect(backoffMs(retry, 0, 60_000, () => 0)).toBe(1000);
    expect(backoffMs(retry, 0, 'x', () => 0)).toBe(0);
  });
  it('names the dependency a held batch waits for', () => {
    expect(pausedOn('CD_E_ROUTER_STATE_UNAVAILABLE')).toBe('redis');
    expect(pausedOn('CD_E_ROUTER_WORKER_FAILED')).toBe('worker');
    expect(pausedOn('CD_E_SCHEMA_VERSION_PENDING')).toBe('catalog');
    expect(pausedOn('CD_E_REGISTRY_UNAVAILABLE')).toBe('registry');
  });
});
