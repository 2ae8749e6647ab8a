/**
 * Schema registry clients (Confluent API; Apicurio serves it at /apis/ccompat/v7).
 *
 * - createRegistry(): the @kafkajs/confluent-schema-registry client with crossdock's Avro logical
 *   types, for code that wants its encode/decode.
 * - createSchemaResolver(): the small cached lookup the hub uses on its hot path (router, sinks,
 *   DLQ tools). Errors carry stable codes: an answer that is not about the event (no answer, a
 *   timeout, 5xx, 401, 403, 429…) is retriable (CD_E_REGISTRY_UNAVAILABLE, its `details.status`
 *   and `registryFailureClass()` say which); only "this id does not exist" (404 with a 404xx
 *   error code) is not (CD_E_UNKNOWN_SCHEMA_ID), so a consumer can tell "wait" from "dead-letter".
 * - registryRequest(): one HTTP call with the same error mapping (schema push uses it).
 *
 * Subjects follow RecordNameStrategy: subject = the record's full name.
 */
import { SchemaRegistry as SchemaRegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avsc from 'avsc';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import https from 'node:https';
import { CrossdockError } from './errors';
import { AVRO_OPTIONS, avroType } from './avro';
import { registryConnection, type RegistryAuth, type RegistryConnection } from './connection';

export type SchemaRegistry = SchemaRegistryClient;

/**
 * A registry as the functions here take it: the hub's code passes a RegistryConnection
 * (Endpoints.registry: auth, CA; core/connection.ts); a bare URL string is kept for tests and
 * benches. A unit test keeps production code on connections.
 */
export type RegistryTarget = string | RegistryConnection;

/** The Authorization header for a registry's auth (none without). */
export function registryAuthHeaders(auth: RegistryAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  const basic = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return { authorization: `Basic ${basic}` };
}

/** The confluent-schema-registry client, configured with crossdock's Avro logical types. */
export function createRegistry(registry: RegistryTarget): SchemaRegistry {
  const conn = registryConnection(registry);
  const auth = conn.auth;
  return new SchemaRegistryClient(
    {
      host: conn.url.replace(/\/+$/, ''),
      ...(auth?.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
      ...(auth?.kind === 'bearer'
        ? {
            middlewares: [
              () => ({
                request: (req: { enhance(o: { headers: Record<string, string> }): unknown }) =>
                  req.enhance({ headers: registryAuthHeaders(auth) }),
              }),
            ] as never,
          }
        : {}),
      ...(conn.ca ? { agent: new https.Agent({ ca: conn.ca, keepAlive: true }) } : {}),
    },
    { [SchemaType.AVRO]: AVRO_OPTIONS },
  );
}

/** One undici fetch per CA bundle (Node's global fetch cannot be given a CA). */
const fetchByCa = new Map<string, typeof fetch>();

function fetchTrusting(ca: string): typeof fetch {
  let f = fetchByCa.get(ca);
  if (!f) {
    // Loaded only when a custom CA is set: most runs never pay for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const undici = require('undici') as typeof import('undici');
    const dispatcher = new undici.Agent({ connect: { ca } });
    f = ((input: string, init?: RequestInit) =>
      undici.fetch(input, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
    fetchByCa.set(ca, f);
  }
  return f;
}

export interface RegistryRequestOptions {
  /** Abort the call after this long. @defaultValue 5000 */
  timeoutMs?: number;
  /** For tests. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface RegistryReply {
  status: number;
  body: unknown;
  /** The reply's Retry-After, in ms from now (429 and 503 may carry one). */
  retryAfterMs?: number;
}

/** Retry-After as ms from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * Whether a reply to GET /schemas/ids/<id> speaks about the id itself: 200 (the schema) or a 404
 * carrying a Confluent error code 404xx (Confluent and Apicurio answer
 * `{"error_code": 40403, "message": "Schema … not found"}`). Everything else — 401, 403, 408, 429,
 * other 4xx, a 404 page from a proxy or a wrong base URL — is about the registry or the way to it.
 */
export function answersAboutTheId(reply: Pick<RegistryReply, 'status' | 'body'>): boolean {
  if (reply.status === 200) return true;
  if (reply.status !== 404) return false;
  const code = (reply.body as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === 'number' && code >= 40400 && code < 40500;
}

/**
 * The status class of a CD_E_REGISTRY_UNAVAILABLE (the `status` label of the registry-failure
 * metrics): 'auth' (401, 403), 'throttled' (429), '5xx', 'timeout' (no answer in time, 408),
 * 'unreachable' (connection refused, reset, DNS), 'other' (another reply that is no answer).
 */
export type RegistryFailureClass = 'auth' | 'throttled' | '5xx' | 'timeout' | 'unreachable' | 'other';

export function registryFailureClass(err: unknown): RegistryFailureClass {
  const details = (err as { details?: { status?: unknown; cause?: unknown } } | undefined)?.details;
  const status = typeof details?.status === 'number' ? details.status : undefined;
  if (status === undefined) {
    const msg = err instanceof Error ? err.message : String(err);
    return /timeout|timed out|aborted|ETIMEDOUT/i.test(msg) ? 'timeout' : 'unreachable';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'throttled';
  if (status === 408) return 'timeout';
  if (status >= 500) return '5xx';
  return 'other';
}

function describeBody(body: unknown): string {
  if (body === undefined) return '(no body)';
  const m = (body as { message?: unknown }).message;
  const text = typeof m === 'string' ? m : typeof body === 'string' ? body : JSON.stringify(body);
  return text.slice(0, 200);
}

/**
 * One call to the registry's Confluent API. Connection errors, timeouts and 5xx throw a retriable
 * CD_E_REGISTRY_UNAVAILABLE; every other status is returned for the caller to interpret.
 */
export async function registryRequest(
  registry: RegistryTarget,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: RegistryRequestOptions = {},
): Promise<RegistryReply> {
  const conn = registryConnection(registry);
  const baseUrl = conn.url.replace(/\/+$/, '');
  const url = `${baseUrl}${path}`;
  const doFetch = options.fetch ?? (conn.ca ? fetchTrusting(conn.ca) : fetch);
  let res: Response;
  try {
    res = await doFetch(url, {
      method,
      headers: {
        ...registryAuthHeaders(conn.auth),
        accept: 'application/vnd.schemaregistry.v1+json, application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (err) {
    // fetch says only "fetch failed"; the socket error (ECONNREFUSED, ETIMEDOUT…) is in its cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = [(err as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(': ');
    throw new CrossdockError(
      'CD_E_REGISTRY_UNAVAILABLE',
      `schema registry at ${baseUrl} did not answer ${method} ${path}: ${why}`,
      {
        retriable: true,
        cause: err,
        details: { url, method },
      },
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Keep the raw text: some proxies answer HTML.
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  if (res.status >= 500) {
    throw new CrossdockError(
      'CD_E_REGISTRY_UNAVAILABLE',
      `schema registry answered ${res.status} to ${method} ${path}`,
      {
        retriable: true,
        details: {
          url,
          method,
          status: res.status,
          body: parsed,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      },
    );
  }
  return { status: res.status, body: parsed, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export interface ResolvedSchema {
  /** The parsed schema JSON as the registry holds it. */
  schema: object;
  /** avsc Type with crossdock's logical types. */
  type: avsc.Type;
  /** Record full name (RecordNameStrategy subject) when the schema is a named record. */
  subject?: string;
}

export interface SchemaResolver {
  /** Schema by registry id; cached for the resolver's life (ids are immutable). */
  getSchemaById(id: number): Promise<ResolvedSchema>;
}

export interface SchemaResolverOptions extends RegistryRequestOptions {
  /** How many schemas to keep; the oldest looked-up is dropped beyond it. @defaultValue 1000 */
  maxEntries?: number;
}

function fullName(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as { name?: unknown; namespace?: unknown };
  if (typeof s.name !== 'string') return undefined;
  if (s.name.includes('.') || typeof s.namespace !== 'string' || !s.namespace) return s.name;
  return `${s.namespace}.${s.name}`;
}

/**
 * A cached schema-by-id lookup. Concurrent lookups of one id share one request; a failed lookup
 * is not cached, so a registry that comes back is used at once.
 */
export function createSchemaResolver(
  registry: RegistryTarget,
  options: SchemaResolverOptions = {},
): SchemaResolver {
  const url = registryConnection(registry).url;
  const cache = new Map<number, Promise<ResolvedSchema>>();
  const max = options.maxEntries ?? 1000;

  async function load(id: number): Promise<ResolvedSchema> {
    const reply = await registryRequest(registry, 'GET', `/schemas/ids/${id}`, undefined, options);
    if (!answersAboutTheId(reply)) {
      // Not the event's fault (401, 403, 408, 429, a 404 that is no registry answer, another
      // 4xx): wait and ask again, never dead-letter for it.
      throw new CrossdockError(
        'CD_E_REGISTRY_UNAVAILABLE',
        `schema registry answered ${reply.status} to GET /schemas/ids/${id}: ${describeBody(reply.body)}`,
        {
          retriable: true,
          details: {
            url,
            method: 'GET',
            status: reply.status,
            schemaId: id,
            ...(reply.retryAfterMs !== undefined ? { retryAfterMs: reply.retryAfterMs } : {}),
          },
        },
      );
    }
    if (reply.status === 404) {
      throw new CrossdockError('CD_E_UNKNOWN_SCHEMA_ID', `schema id ${id} is not in the registry at ${url}`, {
        details: { schemaId: id },
      });
    }
    const body = reply.body as { schema?: unknown; schemaType?: unknown } | undefined;
    if (typeof body?.schema !== 'string') {
      throw new CrossdockError(
        'CD_E_REGISTRY_REJECTED',
        `registry answered ${reply.status} to GET /schemas/ids/${id}`,
        { details: { schemaId: id, body: reply.body } },
      );
    }
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      throw new CrossdockError(
        'CD_E_UNKNOWN_SCHEMA_ID',
        `schema id ${id} is a ${String(body.schemaType)} schema, not Avro`,
        { details: { schemaId: id } },
      );
    }
    const schema = JSON.parse(body.schema) as object;
    const subject = fullName(schema);
    return { schema, type: avroType(schema), ...(subject ? { subject } : {}) };
  }

  return {
    getSchemaById(id: number): Promise<ResolvedSchema> {
      if (!Number.isInteger(id) || id < 0) {
        return Promise.reject(
          new CrossdockError('CD_E_UNKNOWN_SCHEMA_ID', `schema id ${id} is not a valid id`, {
            details: { schemaId: id },
          }),
        );
      }
      const hit = cache.get(id);
      if (hit) return hit;
      const pending = load(id);
      cache.set(id, pending);
      pending.catch(() => cache.delete(id));
      if (cache.size > max) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return pending;
    },
  };
}

/** Name of the counter countRegistryFailures() keeps. */
export const REGISTRY_FAILURES_METRIC = 'crossdock_registry_failures_total';

/** The counter of registry failures outside the router (registered once per metrics registry). */
export function registryFailureCounter(metrics: MetricsRegistry): Counter<'component' | 'status'> {
  return (
    (metrics.getSingleMetric(REGISTRY_FAILURES_METRIC) as Counter<'component' | 'status'> | undefined) ??
    new Counter({
      name: REGISTRY_FAILURES_METRIC,
      help: 'Schema lookups outside the router (sink connectors decoding for JSON bodies) that met a registry answer not about the event (retried as transient, never dead-lettered), by component and status class: auth (401, 403), throttled (429), 5xx, timeout, unreachable, other.',
      labelNames: ['component', 'status'],
      registers: [metrics],
    })
  );
}

/**
 * The same resolver, counting each retriable failure (CD_E_REGISTRY_UNAVAILABLE) by status class
 * in `crossdock_registry_failures_total{component}`. The router counts its own
 * (crossdock_router_registry_failures_total), because its lookups run on worker threads.
 */
export function countRegistryFailures(
  resolver: SchemaResolver,
  metrics: MetricsRegistry,
  component: string,
): SchemaResolver {
  const counter = registryFailureCounter(metrics);
  return {
    getSchemaById(id) {
      const p = resolver.getSchemaById(id);
      p.catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'CD_E_REGISTRY_UNAVAILABLE')
          counter.inc({ component, status: registryFailureClass(err) });
      });
      return p;
    },
  };
}

/**
 * Whether a registry reply status says "not now" rather than anything about the request: 401,
 * 403 (credentials, a gateway), 408 (timeout), 429 (rate limit). 5xx already throws in
 * registryRequest(). Callers turn these into a retriable CD_E_REGISTRY_UNAVAILABLE.
 */
export function isTransientRefusal(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 429;
}
