import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver's HTTP server: reads each request whole and answers what `handle` says.
 * Shared by the demo's stand-in systems (demo/receivers.ts) and the chaos soak's receivers
 * (bench/chaos/receivers.ts).
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ReceiverAnswer {
  status: number;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Answer after this many milliseconds (a slow receiver). */
  delayMs?: number;
}

export interface ReceiverServer {
  /** Base URL, `http://<host>:<port>`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The event's own id in a JSON webhook body (metadata.eventId), or undefined. */
export function eventIdOfBody(raw: Buffer): string | undefined {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { metadata?: { eventId?: unknown } };
    const id = body?.metadata?.eventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A header's first value. */
export function headerOf(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Listens on `port` (0: any free port) of `host` and answers every request with `handle`. */
export async function startReceiverServer(
  handle: (req: ReceivedRequest) => ReceiverAnswer,
  options: { port?: number; host?: string } = {},
): Promise<ReceiverServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handle({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const send = () => {
        if (res.destroyed) return;
        if (answer.body === undefined) res.writeHead(answer.status).end();
        else
          res
            .writeHead(answer.status, { 'content-type': 'application/json' })
            .end(JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 65000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
