import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The edges of HTTP ingest: answers that do not come from the route's handler (a body over the
 * limit, an unknown route, a wrong method, a malformed request, a hub that is stopping) carry the
 * same `{ code, message, retriable }` body as every other answer, and reach the client.
 *
 * A body over the limit: the answer is sent only after the rest of the body was read and thrown
 * away (up to `DRAIN_MAX_BYTES` more, for at most `DRAIN_MAX_MS`). Answering while the client is
 * still writing, then closing, makes the client's write fail (EPIPE / ECONNRESET) before it reads
 * the 413, and a site's client would retry a request that can never succeed.
 */

/** The routes HTTP ingest serves, with their methods (the Allow header of a 405). */
const ROUTES: Array<{ pattern: RegExp; allow: string }> = [
  { pattern: /^\/v1\/sites\/[^/]+\/events\/?$/, allow: 'POST' },
  { pattern: /^\/openapi\.json$/, allow: 'GET, HEAD' },
];

/** Most bytes read and discarded after the limit before the answer is sent anyway. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** Longest wait for the rest of an oversized body. */
export const DRAIN_MAX_MS = 10_000;

/** The body of every error answer (docs/sites.md). */
export interface ErrorBody {
  code: string;
  message: string;
  retriable: boolean;
  problems?: Array<{ path: string; code: string; expected: string; got: string }>;
}

/**
 * Reads and discards what is left of a request body. Resolves when the body ended, the
 * connection went away, or `maxBytes` / `maxMs` were reached (then the caller answers and the
 * connection is closed).
 */
export function drainRequest(
  req: IncomingMessage,
  maxBytes = DRAIN_MAX_BYTES,
  maxMs = DRAIN_MAX_MS,
): Promise<void> {
  if (req.complete || req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    timer.unref();
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/** The answer for a request no route took: 405 with Allow for a known path, else 404. */
export function noRouteAnswer(
  method: string,
  url: string,
): { status: 404 | 405; body: ErrorBody; headers: Record<string, string> } {
  const path = url.split('?')[0] ?? url;
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (route)
    return {
      status: 405,
      body: {
        code: 'CD_E_METHOD_NOT_ALLOWED',
        message: `${method} is not allowed on ${path}; use ${route.allow}.`,
        retriable: false,
      },
      headers: { allow: route.allow },
    };
  return {
    status: 404,
    body: {
      code: 'CD_E_NOT_FOUND',
      message: `No route ${method} ${path}: events go to POST /v1/sites/<siteId>/events (OpenAPI: GET /openapi.json).`,
      retriable: false,
    },
    headers: {},
  };
}

/**
 * Node's `clientError` (a request the HTTP parser refused, headers too large, a request that
 * took too long): a coded answer, then the connection is closed.
 */
export function clientErrorAnswer(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body]: [number, string, ErrorBody] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          408,
          'Request Timeout',
          { code: 'CD_E_INPUT_MALFORMED', message: 'The request took too long to arrive.', retriable: true },
        ]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            { code: 'CD_E_INPUT_MALFORMED', message: 'The request headers are too large.', retriable: false },
          ]
        : [
            400,
            'Bad Request',
            {
              code: 'CD_E_INPUT_MALFORMED',
              message: `Not a valid HTTP request (${err.code ?? 'parse error'}).`,
              retriable: false,
            },
          ];
  const text = JSON.stringify(body);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  socket.destroy();
}
