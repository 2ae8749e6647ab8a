import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';

/**
 * Every long-running process serves /healthz (the process lives), /readyz (this process can accept
 * work: its own dependencies answer and its components started; never a downstream subscriber's
 * state), /status (JSON detail for operators) and Prometheus /metrics. Each part registers its own
 * readiness check, status and metrics.
 *
 * With a `token` (HealthServerOptions), /status and /metrics answer only a request with
 * `Authorization: Bearer <token>` (else 401 CD_E_METRICS_UNAUTHORIZED); /healthz and /readyz stay
 * open: orchestrators' probes carry no credentials and those two tell nothing but up/ready and the
 * names of the readiness checks. Routes added with `addRoute` check their own authorization.
 */
export interface HealthServer {
  readonly metrics: MetricsRegistry;
  /**
   * A named readiness check; /readyz is 200 only when all return true (a check that throws or
   * takes longer than 2 s counts as false). Only what this process needs to accept work belongs
   * here: a subscriber that is down is shown on /status and /metrics, not here.
   */
  addReadiness(name: string, check: () => boolean | Promise<boolean>): void;
  /**
   * A named entry of /status: `section.name` is the shallow merge of every provider registered
   * under it (the hub adds `started`, the component its own detail). A provider that throws shows
   * `{ error }`.
   */
  addStatus(section: StatusSection, name: string, provider: () => StatusEntry | Promise<StatusEntry>): void;
  /** The /status document (what GET /status answers). */
  status(): Promise<StatusDocument>;
  /** Forgets a readiness check (a component that was removed while the process runs). */
  removeReadiness(name: string): void;
  /** Forgets every provider of a /status entry (a component that was removed while the process runs). */
  removeStatus(section: StatusSection, name: string): void;
  /**
   * Serves `method path` with `handler` (the hub's control requests, e.g. POST /config). The body
   * is read whole, up to 1 MiB (larger: 413); the answer is sent as JSON.
   */
  addRoute(method: string, path: string, handler: RouteHandler): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** A control request: its headers and its body. */
export interface RouteRequest {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What a route answers: a status and a JSON body. */
export type RouteHandler = (req: RouteRequest) => Promise<{ status: number; body: unknown }>;

/** Largest body of a route added with addRoute (POST /config); larger: 413. */
export const MAX_ROUTE_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_ROUTE_BODY) chunks.push(d);
    });
    req.on('end', () => resolve(size > MAX_ROUTE_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The process metrics every health server exposes (prom-client's defaults: CPU, memory, event loop, GC). */
export function registerProcessMetrics(metrics: MetricsRegistry): void {
  collectDefaultMetrics({ register: metrics });
}

/** The sections of /status. */
export type StatusSection = 'dependencies' | 'components' | 'subscribers';

/** One entry of a /status section: JSON values only. */
export type StatusEntry = Record<string, unknown>;

/**
 * GET /status (always 200 while the process serves; `ready` says what /readyz would answer):
 *
 * ```json
 * {
 *   "ready": true,
 *   "checks": { "<readiness check>": true },
 *   "dependencies": { "kafka": { "up": true, "checkedAt": "…", "latencyMs": 3, "lastError": "…" }, "redis": {…}, "registry": {…} },
 *   "components": { "<component>": { "started": true, "ready": true, "lastError": { "message": "…", "at": "…" }, … } },
 *   "subscribers": { "<subscriberId>": { "breaker": "closed|half-open|open", "breakerRetryInMs": 0, "inRetry": 0, "parkedKeys": 0, "parked": 0, "lag": 0 } }
 * }
 * ```
 *
 * Which entries exist depends on what the process runs; the fields of each are documented where
 * its provider is built (hub/dependency-probe.ts, hub/run.ts, connectors/sources/publisher.ts
 * `publisherStatus`, connectors/sinks/status.ts) and in docs/operations.md.
 */
export interface StatusDocument {
  ready: boolean;
  checks: Record<string, boolean>;
  dependencies: Record<string, StatusEntry>;
  components: Record<string, StatusEntry>;
  subscribers: Record<string, StatusEntry>;
}

/** A readiness check or status provider that takes longer counts as false / `{ error }`. */
export const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms))),
  ]).finally(() => clearTimeout(timer));
}

export interface HealthServerOptions {
  /** Register prom-client's process metrics. @defaultValue true */
  defaultMetrics?: boolean;
  /** The bearer token /status and /metrics require; undefined or empty: open. */
  token?: string;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `authorization` is `Bearer <token>`, compared in constant time (both sides hashed first,
 * so neither the token's length nor its first differing byte shows in the time taken).
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  const given = sha256(m?.[1] ?? '');
  return crypto.timingSafeEqual(given, sha256(token)) && m !== null;
}

const UNAUTHORIZED = JSON.stringify({
  code: 'CD_E_METRICS_UNAUTHORIZED',
  message:
    'This route needs Authorization: Bearer <token> (the token of hub.health.tokenEnv or CROSSDOCK_METRICS_TOKEN); /healthz and /readyz need none.',
  retriable: false,
});

export function createHealthServer(
  metrics: MetricsRegistry = new MetricsRegistry(),
  options: HealthServerOptions = {},
): HealthServer {
  if (options.defaultMetrics !== false) registerProcessMetrics(metrics);
  const token = options.token || undefined;
  const refused = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (token === undefined || bearerMatches(req.headers.authorization, token)) return false;
    res
      .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="crossdock"' })
      .end(UNAUTHORIZED);
    return true;
  };
  const checks = new Map<string, () => boolean | Promise<boolean>>();
  const providers = new Map<string, Array<() => StatusEntry | Promise<StatusEntry>>>();
  async function readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const names = [...checks.keys()];
    const values = await Promise.all(
      [...checks.values()].map((check) =>
        withTimeout(
          Promise.resolve()
            .then(check)
            .catch(() => false),
          CHECK_TIMEOUT_MS,
          false,
        ),
      ),
    );
    const results = Object.fromEntries(names.map((n, i) => [n, values[i] === true]));
    return { ready: values.every((v) => v === true), checks: results };
  }
  async function status(): Promise<StatusDocument> {
    const doc: StatusDocument = { ...(await readiness()), dependencies: {}, components: {}, subscribers: {} };
    await Promise.all(
      [...providers].map(async ([id, list]) => {
        const [section, name] = JSON.parse(id) as [StatusSection, string];
        const parts = await Promise.all(
          list.map((p) =>
            withTimeout(
              Promise.resolve()
                .then(p)
                .catch((err: unknown) => ({ error: String(err) })),
              CHECK_TIMEOUT_MS,
              { error: 'no answer within 2 s' } as StatusEntry,
            ),
          ),
        );
        doc[section][name] = Object.assign({}, ...parts) as StatusEntry;
      }),
    );
    return doc;
  }
  const routes = new Map<string, RouteHandler>();
  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url === '/readyz') {
        const r = await readiness();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r));
      } else if (url === '/status') {
        if (refused(req, res)) return;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await status()));
      } else if (routes.has(`${req.method} ${url}`)) {
        const body = await readBody(req);
        const answer =
          body === undefined
            ? { status: 413, body: { error: `the body exceeds ${MAX_ROUTE_BODY} bytes` } }
            : await routes.get(`${req.method} ${url}`)!({ headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      } else if (url === '/metrics') {
        if (refused(req, res)) return;
        res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metrics());
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return {
    metrics,
    addReadiness: (name, check) => void checks.set(name, check),
    addStatus: (section, name, provider) => {
      const id = JSON.stringify([section, name]);
      providers.set(id, [...(providers.get(id) ?? []), provider]);
    },
    status,
    removeReadiness: (name) => void checks.delete(name),
    addRoute: (method, path, handler) => void routes.set(`${method} ${path}`, handler),
    removeStatus: (section, name) => void providers.delete(JSON.stringify([section, name])),
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
