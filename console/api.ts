import type { FastifyInstance } from 'fastify';
import type { ApiError, ApiQuery, ApiResult, ConsoleApi } from './contract';

/** The API's base path (dlq/api/server.ts API_PREFIX, repeated: the console depends on the HTTP contract only). */
export const API_BASE = '/api/v1';

/** An API refusal a page did not handle itself: drawn as an error page with its status and code. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(`${error.code}: ${error.message}`);
    this.name = 'ConsoleApiError';
  }
}

function queryString(query: ApiQuery | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function asError(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Partial<ApiError>;
  return {
    code: typeof b.code === 'string' ? b.code : 'CD_E_INTERNAL',
    message: typeof b.message === 'string' ? b.message : `the admin API answered ${status}`,
    ...(typeof b.retriable === 'boolean' ? { retriable: b.retriable } : {}),
    ...(b.details ? { details: b.details } : {}),
  };
}

/**
 * The admin API in-process (Fastify's inject: the same hooks, roles, validation and audit as a
 * request over the network), with the signed-in user's bearer token.
 */
export function injectedApi(app: FastifyInstance, token: string): ConsoleApi {
  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    options: { query?: ApiQuery; body?: unknown } = {},
  ): Promise<ApiResult<T>> => {
    const res = await app.inject({
      method,
      url: `${API_BASE}${path}${queryString(options.query)}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { payload: JSON.stringify(options.body ?? {}) } : {}),
    });
    let body: unknown;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    if (res.statusCode < 400) return { ok: true, status: res.statusCode, body: body as T };
    return { ok: false, status: res.statusCode, error: asError(res.statusCode, body) };
  };
  const unwrap = <T>(r: ApiResult<T>): T => {
    if (r.ok) return r.body;
    throw new ConsoleApiError(r.status, r.error);
  };
  return {
    call,
    get: async (path, query) => unwrap(await call('GET', path, { ...(query ? { query } : {}) })),
    post: async (path, body) => unwrap(await call('POST', path, { body })),
  };
}
