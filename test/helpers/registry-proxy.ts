import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP proxy in front of a real schema registry, for tests of registry answers that are
 * not the event's fault: while `refuse` is set it answers every request with that status (and
 * Retry-After when given) without asking the registry; otherwise it forwards the request as is.
 */
export interface RegistryProxy {
  /** Base URL to give the hub instead of the registry's (same path as the target's). */
  readonly url: string;
  /** Answer this status to everything from now on; undefined forwards again. */
  refuse(status: number | undefined, retryAfterSeconds?: number): void;
  /** Requests answered with a refusal, by status. */
  readonly refused: Map<number, number>;
  close(): Promise<void>;
}

export async function startRegistryProxy(targetUrl: string): Promise<RegistryProxy> {
  const target = new URL(targetUrl);
  let status: number | undefined;
  let retryAfter: number | undefined;
  const refused = new Map<number, number>();
  const server = http.createServer((req, res) => {
    if (status !== undefined) {
      refused.set(status, (refused.get(status) ?? 0) + 1);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(
        JSON.stringify({ error_code: status * 100 + 1, message: `refused by the test proxy (${status})` }),
      );
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`,
    refuse(s, seconds) {
      status = s;
      retryAfter = seconds;
    },
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
