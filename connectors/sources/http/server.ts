import crypto from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import type { Registry as MetricsRegistry } from 'prom-client';
import { systemClock, type Clock } from '../../../core/clock';
import { ID_PATTERN } from '../../../core/config/schema';
import { describeError, isCrossdockError } from '../../../core/errors';
import { eventLogger } from '../../../core/log-events';
import { silentLogger, type Logger } from '../../../core/logger';
import { DEFAULT_TOPIC_PREFIX } from '../../../core/names/topics';
import { ingressTopic, uuidV5 } from '../envelope';
import { logPublished, SOURCE_LOG_EVENTS } from '../log-events';
import { jsonPath, mapRecord } from '../mapping/engine';
import type { SiteMappings } from '../mapping/types';
import { buildEvent, encodePrepared, type BuiltEvent, type EventCodec, type PreparedEvent } from '../prepare';
import type { IngressPublisher } from '../publisher';
import { verifyRequest, type IngestKey } from './auth';
import { clientErrorAnswer, drainRequest, noRouteAnswer, type ErrorBody } from './edges';
import { ingestMetrics } from './metrics';
import type { IngestState } from './state';
import { ERROR_SCHEMA, INGEST_BODY_SCHEMA, ACCEPTED_SCHEMA, SIGNED_HEADERS_SCHEMA } from './openapi';

/** One site served by HTTP ingest. */
export interface HttpIngestSite {
  siteId: string;
  mappings: SiteMappings;
  /** Events per quota window; omit for no quota. */
  quota?: { events: number; windowMs: number };
}

/**
 * The bounds of HTTP ingest when its settings do not say otherwise (docs/operations.md, Request
 * and body limits; test/unit/sources/limits-doc.test.ts keeps that table equal to these).
 */
export const INGEST_DEFAULTS = Object.freeze({
  maxBodyBytes: 1_048_576,
  maxBatch: 500,
  replayWindowMs: 300_000,
  idempotencyTtlMs: 86_400_000,
  retryAfterSeconds: 5,
  /** The whole request (headers and body) must arrive within this time; else 408. */
  requestTimeoutMs: 60_000,
  /** Idle time a kept-alive connection is held open between requests. */
  keepAliveTimeoutMs: 72_000,
  /** Longest `Idempotency-Key` (printable ASCII). */
  maxIdempotencyKeyLength: 200,
});

export interface HttpIngestSettings {
  sites: HttpIngestSite[];
  /** Every active key of every site (two per site during a rotation). */
  keys: IngestKey[];
  /** @defaultValue 'cd' */
  topicPrefix?: string;
  /** Accepted clock skew of signed timestamps, and how long signatures are remembered (x2). @defaultValue 300000 */
  replayWindowMs?: number;
  /** Largest request body. @defaultValue 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Most records in one request. @defaultValue 500 */
  maxBatch?: number;
  /** How long an Idempotency-Key answer is kept. @defaultValue 86400000 (24 h) */
  idempotencyTtlMs?: number;
  /** The whole request must arrive within this time (slow senders get 408). @defaultValue 60000 */
  requestTimeoutMs?: number;
  /** Retry-After (seconds) on 503. @defaultValue 5 */
  retryAfterSeconds?: number;
}

/**
 * The sites and keys HTTP ingest serves, replaced in place while it runs (`crossdock config
 * apply` of a key rotation: hub/components.ts), so no request is refused while it changes. Each
 * request reads one snapshot of both.
 */
export class IngestRoster {
  sites: ReadonlyMap<string, HttpIngestSite> = new Map();
  keys: ReadonlyMap<string, IngestKey> = new Map();
  constructor(sites: readonly HttpIngestSite[], keys: readonly IngestKey[]) {
    this.set(sites, keys);
  }
  set(sites: readonly HttpIngestSite[], keys: readonly IngestKey[]): void {
    this.sites = new Map(sites.map((s) => [s.siteId, s]));
    this.keys = new Map(keys.map((k) => [k.id, k]));
  }
}

export interface HttpIngestDeps {
  /** The sites and keys, when the caller replaces them while the app runs. @defaultValue from settings */
  roster?: IngestRoster;
  publisher: IngressPublisher;
  codec: EventCodec;
  state: IngestState;
  logger?: Logger;
  clock?: Clock;
  metrics?: MetricsRegistry;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | { accepted: number; eventIds: string[] },
    readonly headers: Record<string, string> = {},
  ) {}
}

const IDEMPOTENCY_KEY = new RegExp(`^[\\x21-\\x7e]{1,${INGEST_DEFAULTS.maxIdempotencyKeyLength}}$`);

/** A site id in the URL: what a configured site id can be (core/config/schema.ts). */
const SITE_ID = new RegExp(ID_PATTERN);

/**
 * The `site` label of an answer: the site id only when it is a site this ingest serves, else
 * `unknown`; `-` for a request with no site in its path (an unknown route, a stopping ingest). The
 * URL is not authenticated: a label taken from it as sent would let anyone add series to the
 * metrics registry without bound.
 */
export function siteLabel(
  served: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  siteId: unknown,
): string {
  if (siteId === undefined) return '-';
  return typeof siteId === 'string' && served.has(siteId) ? siteId : 'unknown';
}

/** The URL's site id is checked before anything else; a bad one gets 400 with this problem. */
function siteIdProblem(value: unknown): ErrorBody {
  const got =
    typeof value === 'string'
      ? JSON.stringify(value.slice(0, 80)) + (value.length > 80 ? '…' : '')
      : typeof value;
  return {
    code: 'CD_E_INPUT_MALFORMED',
    message: `The site id in the URL (/v1/sites/<siteId>/events) must match ${ID_PATTERN}: lower-case letters, digits and '-', at most 63 characters.`,
    retriable: false,
    problems: [{ path: 'url:siteId', code: 'CD_E_INPUT_MALFORMED', expected: ID_PATTERN, got }],
  };
}

const fail = (
  status: number,
  code: string,
  message: string,
  extra: Partial<ErrorBody> = {},
  headers: Record<string, string> = {},
) =>
  new HttpAnswer(status, { code, message, retriable: status === 429 || status === 503, ...extra }, headers);

/** Splits a body into records: one object, an array, or { events: [...] }. */
function recordsOf(body: unknown): { records: unknown[]; prefix: (i: number) => string } | undefined {
  if (Array.isArray(body)) return { records: body, prefix: (i) => `$[${i}]` };
  if (body && typeof body === 'object') {
    const events = (body as { events?: unknown }).events;
    if (Array.isArray(events)) return { records: events, prefix: (i) => `$.events[${i}]` };
    return { records: [body], prefix: () => '$' };
  }
  return undefined;
}

/**
 * The ingest app (no listen): POST /v1/sites/:siteId/events and GET /openapi.json. Kept apart
 * from process start-up so tests use inject() and the component adds listen/close.
 */
export async function buildIngestApp(
  settings: HttpIngestSettings,
  deps: HttpIngestDeps,
): Promise<FastifyInstance> {
  const log = eventLogger(deps.logger ?? silentLogger(), SOURCE_LOG_EVENTS);
  const clock = deps.clock ?? systemClock;
  const prefix = settings.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const windowMs = settings.replayWindowMs ?? INGEST_DEFAULTS.replayWindowMs;
  const maxBodyBytes = settings.maxBodyBytes ?? INGEST_DEFAULTS.maxBodyBytes;
  const maxBatch = settings.maxBatch ?? INGEST_DEFAULTS.maxBatch;
  const idemTtl = settings.idempotencyTtlMs ?? INGEST_DEFAULTS.idempotencyTtlMs;
  const retryAfter = String(settings.retryAfterSeconds ?? INGEST_DEFAULTS.retryAfterSeconds);
  const roster = deps.roster ?? new IngestRoster(settings.sites, settings.keys);
  const { answers, accepted } = ingestMetrics(deps.metrics);

  const app = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    // Fastify's default (0) turns Node's request timeout off: a sender trickling a body would
    // hold its connection for ever. The answer is 408 (edges.ts clientErrorAnswer).
    requestTimeout: settings.requestTimeoutMs ?? INGEST_DEFAULTS.requestTimeoutMs,
    keepAliveTimeout: INGEST_DEFAULTS.keepAliveTimeoutMs,
    // Every answer has the documented body (connectors/sources/http/edges.ts): a stopping ingest,
    // a request Node's parser refused and a URL the router cannot read included.
    return503OnClosing: false,
    clientErrorHandler: clientErrorAnswer,
    frameworkErrors: (err, _req, reply) => {
      answers.inc({ site: '-', status: 400 });
      const body: ErrorBody = {
        code: 'CD_E_INPUT_MALFORMED',
        message: `Bad URL: ${err.message}`,
        retriable: false,
      };
      void (reply as unknown as FastifyReply).code(400).send(body);
    },
  });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (!closing) return done();
    answers.inc({ site: '-', status: 503 });
    void reply.code(503).headers({ 'retry-after': retryAfter, connection: 'close' }).send({
      code: 'CD_E_INGEST_CLOSING',
      message: 'The ingest is stopping; nothing was accepted. Send the request again later.',
      retriable: true,
    });
  });
  app.setNotFoundHandler(async (req, reply) => {
    // Read the body the route would have read, so the client gets the answer (edges.ts).
    await drainRequest(req.raw);
    const a = noRouteAnswer(req.method, req.url);
    answers.inc({ site: '-', status: a.status });
    return reply.code(a.status).headers(a.headers).send(a.body);
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'crossdock HTTP ingest',
        version: '1',
        description: 'Sites post events in their own JSON shape; see docs/sites.md.',
      },
      components: {
        securitySchemes: {
          signature: {
            type: 'apiKey',
            in: 'header',
            name: 'x-cd-signature',
            description: 'v1=hex(HMAC-SHA256(secret, "<x-cd-timestamp>.<body>")) with x-cd-key-id',
          },
        },
      },
    },
  });
  // The raw bytes are what is signed: keep them; JSON is parsed after authentication.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler(
    async (
      err: { code?: string; statusCode?: number; message: string; validationContext?: string },
      req,
      reply,
    ) => {
      const siteId = (req.params as { siteId?: string } | undefined)?.siteId;
      let a: HttpAnswer;
      if (err.validationContext === 'params') a = new HttpAnswer(400, siteIdProblem(siteId));
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        a = fail(413, 'CD_E_BODY_TOO_LARGE', `The body is larger than ${maxBodyBytes} bytes.`);
      else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415)
        a = fail(415, 'CD_E_UNSUPPORTED_MEDIA_TYPE', 'Send Content-Type: application/json.');
      else if (err.statusCode && err.statusCode < 500) a = fail(400, 'CD_E_INPUT_MALFORMED', err.message);
      else if (isCrossdockError(err) && err.retriable)
        // A dependency that did not answer (Redis: CD_E_INGEST_STATE_UNAVAILABLE): try again later.
        a = fail(503, err.code, err.message, {}, { 'retry-after': retryAfter });
      else {
        log.emit('sources.http_internal_error', { err: describeError(err) }, 'ingest internal error');
        a = fail(500, 'CD_E_INTERNAL', 'Internal error; nothing was accepted.');
      }
      answers.inc({ site: siteLabel(roster.sites, siteId), status: a.status });
      // A body over the limit or of the wrong type was not read: read the rest first, so the client,
      // still writing it, gets this answer instead of a broken pipe (edges.ts).
      if (a.status !== 500) await drainRequest(req.raw);
      return send(reply, a);
    },
  );

  function send(reply: FastifyReply, a: HttpAnswer) {
    return reply.code(a.status).headers(a.headers).send(a.body);
  }

  async function handle(
    siteId: string,
    headers: Record<string, string | string[] | undefined>,
    raw: Buffer | undefined,
  ): Promise<HttpAnswer> {
    const rawBody = raw ?? Buffer.alloc(0);
    const { sites, keys } = roster;
    const auth = verifyRequest(keys, siteId, headers, rawBody, clock.now(), windowMs);
    const site = sites.get(siteId);
    // A request signed with a valid key (of any site) learns that the site is not served here; an
    // unsigned or badly signed one gets 401 first, so a stranger learns nothing about the sites.
    if (!site && (auth.ok || auth.status === 403))
      return fail(404, 'CD_E_UNKNOWN_SITE', `Site ${siteId} does not publish over HTTP here.`);
    if (!auth.ok) return fail(auth.status, auth.code, auth.message);
    if (!site) return fail(500, 'CD_E_INTERNAL', 'no site');
    if (!(await deps.state.markSignature(siteId, auth.signature, windowMs)))
      return fail(
        401,
        'CD_E_AUTH_REPLAYED',
        'This exact signed request was already received; sign each attempt anew.',
      );

    const idemHeader = headers['idempotency-key'];
    const idemKey = Array.isArray(idemHeader) ? idemHeader[0] : idemHeader;
    if (idemKey !== undefined && !IDEMPOTENCY_KEY.test(idemKey))
      return fail(400, 'CD_E_INPUT_MALFORMED', 'Idempotency-Key must be 1-200 printable ASCII characters.');
    // The body hash tells an Idempotency-Key's bodies apart, and finds the eventIds of an
    // unconfirmed attempt of the same body without a key (see `ingest`).
    const hash = crypto.createHash('sha256').update(rawBody).digest('hex');
    if (idemKey) {
      const begun = await deps.state.beginIdempotent(siteId, idemKey, hash, 60_000);
      if (!begun.claimed) {
        const r = begun.record;
        if (r.hash !== hash)
          return fail(409, 'CD_E_IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used with another body.');
        if (r.state === 'pending')
          return fail(
            409,
            'CD_E_IDEMPOTENCY_CONFLICT',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
            {},
            { 'retry-after': '1' },
          );
        return new HttpAnswer(r.status ?? 200, r.body as ErrorBody, { 'idempotent-replayed': 'true' });
      }
    }
    let answer: HttpAnswer;
    try {
      answer = await ingest(site, rawBody, hash, idemKey, headers.traceparent as string | undefined);
    } catch (err) {
      answer =
        isCrossdockError(err) && err.retriable
          ? fail(503, err.code, err.message, {}, { 'retry-after': retryAfter })
          : fail(500, 'CD_E_INTERNAL', 'Internal error; nothing was accepted.');
      if (answer.status === 500)
        log.emit('sources.http_ingest_failed', { err: describeError(err), siteId }, 'ingest failed');
    }
    if (answer.status >= 500) {
      // Nothing was acknowledged: let the client retry the same request (same key, same signature).
      await deps.state.forgetSignature(siteId, auth.signature).catch(() => undefined);
      if (idemKey) await deps.state.releaseIdempotent(siteId, idemKey).catch(() => undefined);
    } else if (idemKey && answer.status !== 429) {
      await deps.state.finishIdempotent(
        siteId,
        idemKey,
        { state: 'done', hash, status: answer.status, body: answer.body },
        idemTtl,
      );
    } else if (idemKey) {
      await deps.state.releaseIdempotent(siteId, idemKey).catch(() => undefined);
    }
    return answer;
  }

  /**
   * Maps, checks, encodes and publishes one request. The eventIds: from the Idempotency-Key when
   * there is one (UUID v5), else fresh ones, except when an earlier attempt of the same body timed
   * out after its events reached the producer (published `unknown`): then that attempt's eventIds,
   * remembered in Redis for idempotencyTtlMs, so that a retry cannot make a second copy under
   * another identity (the router drops a repeated eventId). The memory is dropped once the body is
   * accepted, so a later identical body is a new event again.
   */
  async function ingest(
    site: HttpIngestSite,
    rawBody: Buffer,
    hash: string,
    idemKey: string | undefined,
    traceparent: string | undefined,
  ): Promise<HttpAnswer> {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch (err) {
      return fail(400, 'CD_E_INPUT_MALFORMED', `The body is not valid JSON: ${describeError(err)}`, {
        problems: [
          { path: '$', code: 'CD_E_INPUT_MALFORMED', expected: 'valid JSON', got: describeError(err) },
        ],
      });
    }
    const split = recordsOf(body);
    if (!split || split.records.length === 0) {
      return fail(
        400,
        'CD_E_INPUT_MALFORMED',
        'Send one record object, an array of records, or {"events": [...]}.',
        {
          problems: [
            {
              path: '$',
              code: 'CD_E_INPUT_MALFORMED',
              expected: 'an object or a non-empty array of objects',
              got: Array.isArray(body) ? 'an empty array' : typeof body,
            },
          ],
        },
      );
    }
    if (split.records.length > maxBatch)
      return fail(
        413,
        'CD_E_BODY_TOO_LARGE',
        `A batch holds at most ${maxBatch} records; this one has ${split.records.length}.`,
      );
    if (!site.mappings) return fail(500, 'CD_E_INTERNAL', 'no mapping');
    const problems: NonNullable<ErrorBody['problems']> = [];
    const built: BuiltEvent[] = [];
    const earlier = idemKey ? undefined : await deps.state.unconfirmedIds(site.siteId, hash);
    split.records.forEach((record, i) => {
      const mapped = mapRecord(site.mappings, record);
      const b = buildEvent(
        {
          site: site.mappings,
          codec: deps.codec,
          traceparent,
          eventId: idemKey ? uuidV5(`${site.siteId}|idem|${idemKey}|${i}`) : earlier?.[i],
          now: clock.now,
        },
        mapped,
      );
      for (const p of b.problems) {
        problems.push({
          path: p.source ? jsonPath(split.prefix(i), p.source) : `${split.prefix(i)} → ${p.target ?? ''}`,
          code: p.code,
          expected: p.expected,
          got: p.got,
        });
      }
      if (b.event) built.push(b as (typeof built)[number]);
    });
    if (problems.length)
      return fail(400, 'CD_E_INPUT_REJECTED', `${problems.length} problem(s); nothing was published.`, {
        problems,
      });
    if (site.quota) {
      const q = await deps.state.takeQuota(site.siteId, built.length, site.quota.events, site.quota.windowMs);
      if (!q.ok)
        return fail(
          429,
          'CD_E_QUOTA_EXCEEDED',
          `Site ${site.siteId} is past its quota of ${site.quota.events} events per ${site.quota.windowMs / 1000} s.`,
          {},
          { 'retry-after': String(Math.max(1, Math.ceil(q.retryAfterMs / 1000))) },
        );
    }
    const ctx = { site: site.mappings, codec: deps.codec, traceparent, now: clock.now };
    let prepared: PreparedEvent[];
    try {
      prepared = await Promise.all(built.map((b) => encodePrepared(ctx, b)));
    } catch (err) {
      if (isCrossdockError(err) && err.retriable) throw err;
      // An encode refusal after a clean check means the mapping and the schema disagree.
      return fail(
        400,
        'CD_E_INPUT_SCHEMA_MISMATCH',
        `The mapped event does not fit its schema: ${describeError(err)}`,
      );
    }
    const topic = ingressTopic(prefix, site.siteId);
    try {
      await deps.publisher.publish(
        topic,
        prepared.map((p) => p.message),
      );
    } catch (err) {
      const published = isCrossdockError(err) ? err.details?.published : undefined;
      if (!idemKey && published === 'unknown')
        await deps.state.rememberUnconfirmed(
          site.siteId,
          hash,
          prepared.map((p) => p.eventId),
          idemTtl,
        );
      throw err;
    }
    if (earlier) await deps.state.forgetUnconfirmed(site.siteId, hash).catch(() => undefined);
    accepted.inc({ site: site.siteId }, prepared.length);
    logPublished(log, site.siteId, topic, 'http', prepared);
    return new HttpAnswer(202, { accepted: prepared.length, eventIds: prepared.map((p) => p.eventId) });
  }

  app.post(
    '/v1/sites/:siteId/events',
    {
      schema: {
        summary: "Publish one event or a batch, in the site's own JSON shape",
        description:
          'Answers 202 with the eventIds only after Kafka acknowledged every event (acks=all). A batch is all or nothing.',
        params: {
          type: 'object',
          properties: { siteId: { type: 'string', pattern: ID_PATTERN } },
          required: ['siteId'],
        },
        headers: SIGNED_HEADERS_SCHEMA,
        body: INGEST_BODY_SCHEMA,
        response: {
          202: ACCEPTED_SCHEMA,
          200: ACCEPTED_SCHEMA,
          400: ERROR_SCHEMA,
          401: ERROR_SCHEMA,
          403: ERROR_SCHEMA,
          404: ERROR_SCHEMA,
          409: ERROR_SCHEMA,
          413: ERROR_SCHEMA,
          415: ERROR_SCHEMA,
          429: ERROR_SCHEMA,
          503: ERROR_SCHEMA,
        },
        security: [{ signature: [] }],
      },
      // The path's site id is checked here (a bad one: 400 from the error handler). The body and
      // header schemas are for the OpenAPI document: the site mapping validates the body (with
      // paths) and auth.ts the headers.
      validatorCompiler: ({ httpPart }) =>
        httpPart === 'params'
          ? (params: unknown) => {
              const id = (params as { siteId?: unknown } | null)?.siteId;
              return typeof id === 'string' && SITE_ID.test(id)
                ? true
                : { error: new Error('the site id in the URL is not a site id') };
            }
          : () => true,
    },
    async (req, reply) => {
      const { siteId } = req.params as { siteId: string };
      const a = await handle(siteId, req.headers, req.body as Buffer | undefined);
      answers.inc({ site: siteLabel(roster.sites, siteId), status: a.status });
      return send(reply, a);
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
