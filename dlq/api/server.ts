/**
 * The admin HTTP API (Fastify): dead letters, replay, trace, the audit trail, site scorecards,
 * the catalog and the flow tracker's instances under /api/v1,
 * its OpenAPI 3 document at GET /api/v1/openapi.json (built from the route schemas by
 * @fastify/swagger; the only path that needs no token).
 *
 * Every request, in this order:
 * 1. authentication (onRequest): the bearer token → a name and a role (tokens.ts), else 401
 *    CD_E_ADMIN_UNAUTHORIZED;
 * 2. authorization: the route's operation (roles.ts ADMIN_OPERATIONS) needs a role, else 403
 *    CD_E_ADMIN_FORBIDDEN naming it (POST /dlq/replay needs operator unless `dryRun: true`,
 *    checked once the body is read);
 * 3. validation by the route's schema (schemas.ts): 400 CD_E_ADMIN_REQUEST_INVALID, or
 *    CD_E_DLQ_SELECTOR_INVALID for a selector or a filter;
 * 4. the operation, on the injected services;
 * 5. the audit record (onSend, before the answer leaves): who, role, op, selector, count,
 *    result (ok, refused for 401/403, failed with the code for any other error).
 *
 * Errors answer `{ code, message, retriable, details? }`: 400 bad request, 401, 403, 404 unknown
 * id or job or route, 409 a state that does not allow the change, 422 another refusal of a
 * service, 503 a dependency that did not answer (retriable), 500 a bug (CD_E_INTERNAL).
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { redact } from '../../core/redact';
import swagger from '@fastify/swagger';
import { systemClock, type Clock } from '../../core/clock';
import type { AdminSettings, DeadLetterSettings } from '../../core/config/types';
import { CrossdockError, describeError, isCrossdockError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import type { SchemaResolver } from '../../core/registry';
import type { FlowReader, SiteScorecard } from '../../flows';
import { loadCatalog, type Catalog } from '../../schemas';
import type { AuditLog } from '../audit';
import type { AuditRecord, DeadLetterStore, ReplayOutcome, ReplayService, Tracer } from '../contract';
import { DLQ_LOG_EVENTS } from '../log-events';
import {
  FILTER_KEYS,
  checkDeadLetterId,
  parseFilter,
  parseSelector,
  parseTime,
  type FilterInput,
} from '../selector';
import { recordsForRole, showDeadLetter } from '../show';
import { applyWork, type WorkArgs, type WorkOp } from '../work';
import { allowed, operation, seesPersonalData, type AdminOpName } from './roles';
import { OVERVIEW_SCHEMA, type OverviewDoc } from './overview';
import * as S from './schemas';
import { bearerToken, identify, LOCAL_ADMIN_NAME, tokenSha256, type AdminIdentity } from './tokens';

/** What the API reads of the hub configuration (a HubConfig fits), read anew on every request. */
export interface AdminApiConfig {
  hub: { admin: Pick<AdminSettings, 'tokens'> };
  deadLetters: { replay: Pick<DeadLetterSettings['replay'], 'maxSelection' | 'ratePerSecond'> };
}

/** The services the API works on, injected. A service left out answers 503 CD_E_ADMIN_UNAVAILABLE. */
export interface AdminApiDeps {
  config: () => AdminApiConfig;
  store: DeadLetterStore;
  audit: AuditLog;
  /** Decodes dead letters' payloads for `show`. */
  resolver: SchemaResolver;
  replay?: ReplayService;
  tracer?: Tracer;
  /** Rebuilds the index from the topics (dlq/reindex.ts); what it rebuilt. */
  reindex?: () => Promise<{ letters: number; states: number }>;
  /**
   * The site scorecards of a period (flows/ readScorecards, injected by hub/): `since` and `until`
   * as the query gives them (the reader parses them: CD_E_SCORECARD_PERIOD_INVALID).
   */
  scorecards?: (query: {
    site?: string;
    since?: string;
    until?: string;
  }) => Promise<readonly SiteScorecard[]>;
  /**
   * The live figures of the hub process (GET /overview), built by the composition root
   * (hub/overview.ts) from the process's health server, configuration and dead-letter counts.
   */
  overview?: () => Promise<OverviewDoc>;
  /**
   * The flow engine's read side (flows/ createFlowReader on the API's Redis, injected by hub/):
   * flows.summary (empty when the hub has no flows), flows.overdue, flows.show.
   */
  flows?: Pick<FlowReader, 'summary' | 'listOverdue' | 'getInstance'>;
  /** Personal fields by event type. @defaultValue the shipped catalog (schemas loadCatalog) */
  catalog?: () => Catalog;
  /** The local admin token (loopback only; hub/start.ts makes it). */
  localToken?: string;
  /**
   * More routes on the same app (the operations console: hub/ injects console/ registerConsole),
   * given the API's own token check and audit trail. Its routes mark themselves public
   * (`config.admin.public`) to skip the bearer check and sign in their own way.
   */
  extend?: (app: FastifyInstance, api: AdminApiExtension) => Promise<void>;
  logger?: Logger;
  clock?: Clock;
}

/** What an extension of the admin API gets of it (AdminApiDeps.extend). */
export interface AdminApiExtension {
  /** The identity of a token, exactly as the bearer check finds it (configured tokens, then the local one). */
  identify(token: string): AdminIdentity | undefined;
  /** Writes a record to the audit trail (`at` is now). */
  audit(record: Omit<AuditRecord, 'at'>): Promise<void>;
}

/** Per request: who asks, what it is, and what goes into its audit record. */
interface RequestAudit {
  at: number;
  identity?: AdminIdentity;
  op?: AdminOpName;
  selector?: unknown;
  count?: number;
  refused?: number;
  code?: string;
  /** False for the OpenAPI document. */
  audited: boolean;
  /** Audited only when refused or failed (RouteConfig.quiet). */
  quiet?: boolean;
}

/** Route options: the operation (and, for a route two operations share, how to tell them apart). */
interface RouteConfig {
  op?: AdminOpName;
  /** The operation once the body is read (POST /dlq/replay: dry run or not). */
  choose?: (body: unknown) => AdminOpName;
  public?: boolean;
  /**
   * Not audited when it succeeds (refusals and failures still are): a read of counts only, with
   * no event data, that a console tab polls every few seconds and would flood the trail with.
   */
  quiet?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit: RequestAudit;
  }
  interface FastifyContextConfig {
    admin?: RouteConfig;
  }
}

export const API_PREFIX = '/api/v1';

/**
 * The HTTP status of an error thrown by a service or a check: by code, and for the codes of the
 * services (replay, trace) by their form: `…_STATE_INVALID` 409 (the state does not allow it),
 * `…_INVALID` 400, `…_NOT_FOUND` 404; any other coded refusal 422; a retriable one 503; an
 * uncoded error 500.
 */
export function statusOf(err: unknown): number {
  if (!isCrossdockError(err)) return 500;
  switch (err.code) {
    case 'CD_E_ADMIN_UNAUTHORIZED':
      return 401;
    case 'CD_E_ADMIN_FORBIDDEN':
      return 403;
    case 'CD_E_ADMIN_ROUTE_UNKNOWN':
      return 404;
    case 'CD_E_DLQ_SELECTION_TOO_LARGE':
      return 400;
    case 'CD_E_FLOW_UNKNOWN':
      return 404;
  }
  if (err.retriable) return 503;
  if (err.code.endsWith('_STATE_INVALID')) return 409;
  if (err.code.endsWith('_INVALID')) return 400;
  if (err.code.endsWith('_NOT_FOUND')) return 404;
  return 422;
}

const FILTER_FIELDS = new Set<string>(FILTER_KEYS);

/** A Fastify validation error as a coded one, naming the field. */
function validationError(err: FastifyError): CrossdockError {
  const first = err.validation?.[0];
  const context = err.validationContext ?? 'request';
  const path = first?.instancePath ?? '';
  const params = (first?.params ?? {}) as {
    missingProperty?: string;
    additionalProperty?: string;
    allowedValues?: unknown[];
  };
  const field = [
    context,
    path.replace(/^\//, '').replace(/\//g, '.'),
    params.missingProperty ?? params.additionalProperty ?? '',
  ]
    .filter(Boolean)
    .join('.');
  let message = first?.message ?? err.message;
  if (params.additionalProperty) message = 'is not a field of this operation';
  if (params.allowedValues) message = `must be one of ${params.allowedValues.join(', ')}`;
  if (first?.keyword === 'pattern' && /ids/.test(path))
    message = 'is not a dead-letter id <topic>:<partition>:<offset>';
  const top = path.split('/')[1] ?? params.missingProperty ?? params.additionalProperty ?? '';
  const aboutSelector =
    (context === 'body' && top === 'selector') ||
    (context === 'querystring' && FILTER_FIELDS.has(top)) ||
    (context === 'params' && top === 'id');
  return new CrossdockError(
    aboutSelector ? 'CD_E_DLQ_SELECTOR_INVALID' : 'CD_E_ADMIN_REQUEST_INVALID',
    `${field}: ${message}`,
    { details: { where: field } },
  );
}

function unavailable(what: string): CrossdockError {
  return new CrossdockError('CD_E_ADMIN_UNAVAILABLE', `this hub runs no ${what}`, { retriable: true });
}

/** Counts of each outcome of a dry run, for people: { deliver: 12, fail: 3 }. */
function countOutcomes(predictions: ReadonlyArray<{ outcome: ReplayOutcome }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of predictions) out[p.outcome] = (out[p.outcome] ?? 0) + 1;
  return out;
}

/**
 * The admin API app (not listening: component.ts adds listen/close, tests may inject()).
 */
/** Largest request body of the admin API (a selector of many ids); larger: 413. */
export const ADMIN_BODY_LIMIT = 4 * 1024 * 1024;
/** The whole request must arrive within this time. */
export const ADMIN_REQUEST_TIMEOUT_MS = 60_000;

export async function buildAdminApp(deps: AdminApiDeps): Promise<FastifyInstance> {
  const log = eventLogger(deps.logger ?? silentLogger(), DLQ_LOG_EVENTS);
  const clock = deps.clock ?? systemClock;
  const catalog = deps.catalog ?? (() => loadCatalog());
  const app = Fastify({
    logger: false,
    bodyLimit: ADMIN_BODY_LIMIT,
    // Fastify's default (0) turns Node's request timeout off; a request must arrive within this.
    requestTimeout: ADMIN_REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    // Path parameters are bounded by the routes' schemas (a dead-letter id is up to 280 characters,
    // a flow instance key up to 1000), which answer with a coded 400; Fastify's default (100)
    // would refuse longer ones first with a 414 and a code of its own.
    routerOptions: { maxParamLength: 2048 },
    // Unknown fields are refused, not dropped: a typo (`reasn`) must not pass unnoticed.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allowUnionTypes: true,
      },
    },
  });
  // Answers go out as they are: the response schemas document them, and must never drop a field.
  // Secrets the hub knows are redacted (core/redact.ts): a receiver's answer kept as a failure's
  // reason may echo a header the hub sent it (an API key).
  app.setSerializerCompiler(() => (data) => redact(JSON.stringify(data)));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'crossdock admin API',
        version: '1',
        description:
          'Dead letters, replay, trace, the audit trail and the site scorecards of a crossdock hub. Every operation needs a bearer token with a role (docs/operations.md, Dead-letter operations); errors answer { code, message } with codes from docs/errors.md.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A token from `crossdock admin token create` (its sha256 under hub.admin.tokens), or the local admin token of the run file.',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });

  app.decorateRequest('audit', null as unknown as RequestAudit);

  const tokens = () => deps.config().hub.admin.tokens;
  const localEntry = deps.localToken
    ? [{ name: LOCAL_ADMIN_NAME, role: 'admin' as const, sha256: tokenSha256(deps.localToken) }]
    : [];

  const authorize = (req: FastifyRequest, op: AdminOpName) => {
    req.audit.op = op;
    const identity = req.audit.identity!;
    if (!allowed(identity.role, op)) {
      const needed = operation(op).role;
      throw new CrossdockError(
        'CD_E_ADMIN_FORBIDDEN',
        `${op} needs the role ${needed}; ${identity.name} has ${identity.role}`,
        { details: { op, needed, role: identity.role } },
      );
    }
  };

  app.addHook('onRequest', async (req) => {
    const config: RouteConfig = req.routeOptions.config?.admin ?? {};
    req.audit = {
      at: clock.now(),
      audited: !config.public,
      ...(config.quiet ? { quiet: true } : {}),
      ...(config.op ? { op: config.op } : {}),
    };
    if (config.public) return;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const named = { ...params, ...query };
    if (Object.keys(named).length) req.audit.selector = named;
    const identity = identify([...tokens(), ...localEntry], bearerToken(req.headers.authorization));
    if (!identity)
      throw new CrossdockError(
        'CD_E_ADMIN_UNAUTHORIZED',
        req.headers.authorization
          ? 'the bearer token is not one this hub knows (hub.admin.tokens, or the local admin token)'
          : 'no bearer token: send Authorization: Bearer <token> (CROSSDOCK_ADMIN_TOKEN for the CLI)',
      );
    req.audit.identity = identity;
    // A route two operations share is authorized once its body tells which (preHandler).
    if (config.op && !config.choose) authorize(req, config.op);
  });

  app.addHook('preHandler', async (req) => {
    const config: RouteConfig = req.routeOptions.config?.admin ?? {};
    if (config.choose) authorize(req, config.choose(req.body));
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const a = req.audit;
    if (!a?.audited) return payload;
    const status = reply.statusCode;
    if (a.quiet && status < 400) return payload;
    const record: AuditRecord = {
      at: a.at,
      who: a.identity?.name ?? 'anonymous',
      ...(a.identity ? { role: a.identity.role } : {}),
      op: a.op ?? `unknown ${req.method} ${req.url.split('?')[0]}`,
      ...(a.selector !== undefined ? { selector: a.selector } : {}),
      ...(a.count !== undefined ? { count: a.count } : {}),
      ...(a.refused ? { refused: a.refused } : {}),
      result: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'failed',
      ...(a.code ? { code: a.code } : {}),
    };
    try {
      await deps.audit.record(record);
    } catch (err) {
      log.emit('dlq.audit_failed', { record, err: describeError(err) });
    }
    return payload;
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    let err: unknown = error;
    if (error.validation) err = validationError(error);
    else if (error.statusCode && error.statusCode < 500 && !isCrossdockError(error))
      err = new CrossdockError('CD_E_ADMIN_REQUEST_INVALID', error.message);
    const status = statusOf(err);
    const body = isCrossdockError(err)
      ? err.toJSON()
      : {
          code: 'CD_E_INTERNAL',
          message: 'internal error of the admin API; see the hub log',
          retriable: false,
        };
    if (status === 500)
      log.emit('dlq.admin_api_error', {
        op: req.audit?.op,
        method: req.method,
        url: req.url,
        err: describeError(error),
      });
    if (req.audit) req.audit.code = String(body.code);
    void reply.code(status).send(body);
  });

  app.setNotFoundHandler(async (req) => {
    throw new CrossdockError(
      'CD_E_ADMIN_ROUTE_UNKNOWN',
      `no operation ${req.method} ${req.url.split('?')[0]} (see ${API_PREFIX}/openapi.json)`,
    );
  });

  const maxSelection = () => deps.config().deadLetters.replay.maxSelection;
  const who = (req: FastifyRequest) => req.audit.identity!.name;
  const tags = (op: AdminOpName) => [op.split('.')[0]!];

  /** One operation's route: method and path from the role table, schemas as given. */
  function route<B = unknown, Q = unknown, P = unknown>(
    op: AdminOpName,
    schema: { body?: object; querystring?: object; params?: object; response: Record<number, object> },
    handler: (
      req: FastifyRequest<{ Body: B; Querystring: Q; Params: P }>,
      reply: FastifyReply,
    ) => Promise<unknown>,
    extra: Partial<RouteConfig> = {},
  ) {
    const o = operation(op);
    app.route<{ Body: B; Querystring: Q; Params: P }>({
      method: o.method,
      url: `${API_PREFIX}${o.path}`,
      schema: {
        summary: o.summary,
        description: `Role: ${o.role} or higher${extra.choose ? ' (operator unless dryRun is true)' : ''}. ${extra.quiet ? `Audited as \`${op}\` only when refused or failed.` : `Audited as \`${op}\`.`}`,
        tags: tags(op),
        ...schema,
        response: { ...schema.response, ...S.ERRORS },
      },
      config: { admin: { op, ...extra } },
      handler,
    });
  }

  route<unknown, FilterInput & { limit: number; cursor?: string }>(
    'dlq.list',
    { querystring: S.LIST_QUERY, response: { 200: S.PAGE } },
    async (req) => {
      const { limit, cursor, ...raw } = req.query;
      const filter = parseFilter(raw, 'query', clock.now());
      const page = await deps.store.list(filter, { limit, ...(cursor ? { cursor } : {}) });
      req.audit.count = page.items.length;
      const unmasked = seesPersonalData(req.audit.identity!.role);
      const shown = { store: deps.store, resolver: deps.resolver, catalog };
      return { ...page, items: await recordsForRole(shown, page.items, unmasked) };
    },
  );

  route<unknown, { subscriber?: string; site?: string; code?: string; open?: boolean }>(
    'dlq.groups',
    { querystring: S.GROUPS_QUERY, response: { 200: S.GROUPS } },
    async (req) => {
      const { open, ...rest } = req.query;
      const groups = await deps.store.groups({ ...rest, ...(open ? { openOnly: true } : {}) });
      req.audit.count = groups.length;
      return { groups };
    },
  );

  route<unknown, { owner?: string; subscriber?: string; limit: number }>(
    'dlq.queue',
    { querystring: S.QUEUE_QUERY, response: { 200: S.QUEUE } },
    async (req) => {
      const now = clock.now();
      const [items, summary] = await Promise.all([
        deps.store.queue({ ...req.query, now }),
        deps.store.summary(now),
      ]);
      req.audit.count = items.length;
      return { items, summary };
    },
  );

  route<unknown, unknown, { id: string }>(
    'dlq.show',
    { params: S.ID_PARAMS, response: { 200: S.SHOWN } },
    async (req) => {
      const { id } = req.params;
      checkDeadLetterId(id, 'id');
      const unmasked = seesPersonalData(req.audit.identity!.role);
      const shown = await showDeadLetter(
        { store: deps.store, resolver: deps.resolver, catalog },
        id,
        unmasked,
      );
      if (!shown)
        throw new CrossdockError('CD_E_DLQ_NOT_FOUND', `no dead letter ${id} in the index`, {
          details: { id },
        });
      req.audit.count = 1;
      return shown;
    },
  );

  /** claim, assign, note, resolve, discard: one result per selected letter. */
  function workRoute<B extends { selector: { ids?: string[]; filter?: FilterInput } }>(
    op: AdminOpName & `dlq.${WorkOp}`,
    body: object,
    args: (b: B, req: FastifyRequest) => Partial<WorkArgs>,
  ) {
    route<B>(op, { body, response: { 200: S.WORK_RESULT } }, async (req) => {
      const b = req.body as B;
      const selector = parseSelector(b.selector, 'selector', clock.now());
      req.audit.selector = selector;
      const result = await applyWork(
        deps.store,
        selector,
        op.slice('dlq.'.length) as WorkOp,
        { by: who(req), at: clock.now(), ...args(b, req) },
        maxSelection(),
      );
      req.audit.count = result.applied;
      req.audit.refused = result.refused;
      return result;
    });
  }
  type Sel = { selector: { ids?: string[]; filter?: FilterInput } };
  workRoute<Sel>('dlq.claim', S.CLAIM_BODY, () => ({}));
  workRoute<Sel & { owner: string }>('dlq.assign', S.ASSIGN_BODY, (b) => ({ owner: b.owner }));
  workRoute<Sel & { text: string }>('dlq.note', S.NOTE_BODY, (b) => ({ text: b.text }));
  workRoute<Sel & { note?: string }>('dlq.resolve', S.RESOLVE_BODY, (b) => (b.note ? { text: b.note } : {}));
  workRoute<Sel & { reason: string }>('dlq.discard', S.DISCARD_BODY, (b) => ({ text: b.reason }));

  route<Sel & { dryRun?: boolean; ratePerSecond?: number }>(
    'dlq.replay',
    { body: S.REPLAY_BODY, response: { 200: S.REPLAY_RESULT, 202: S.REPLAY_RESULT } },
    async (req, reply) => {
      const replay = deps.replay;
      if (!replay) throw unavailable('replay service');
      const selector = parseSelector(req.body.selector, 'selector', clock.now());
      req.audit.selector = selector;
      // The replay service resolves the selection (open letters only) and bounds it (maxSelection).
      if (req.body.dryRun) {
        const predictions = await replay.dryRun(selector);
        req.audit.count = predictions.length;
        return { dryRun: true, predictions, outcomes: countOutcomes(predictions) };
      }
      const limit = deps.config().deadLetters.replay.ratePerSecond;
      const rate = req.body.ratePerSecond;
      if (rate !== undefined && rate > limit)
        throw new CrossdockError(
          'CD_E_ADMIN_REQUEST_INVALID',
          `body.ratePerSecond: ${rate} is above deadLetters.replay.ratePerSecond (${limit}), the most a replay may send`,
          { details: { where: 'body.ratePerSecond', max: limit } },
        );
      const job = await replay.start(selector, {
        by: who(req),
        ...(rate !== undefined ? { ratePerSecond: rate } : {}),
      });
      req.audit.count = job.total;
      void reply.code(202);
      return { dryRun: false, job };
    },
    { choose: (body) => ((body as { dryRun?: boolean } | undefined)?.dryRun ? 'dlq.dry-run' : 'dlq.replay') },
  );

  route<unknown, { limit: number }>(
    'dlq.replays',
    { querystring: S.JOBS_QUERY, response: { 200: S.JOBS } },
    async (req) => {
      if (!deps.replay) throw unavailable('replay service');
      const jobs = await deps.replay.list(req.query.limit);
      req.audit.count = jobs.length;
      return { jobs };
    },
  );

  const jobNotFound = (jobId: string) =>
    new CrossdockError('CD_E_DLQ_JOB_NOT_FOUND', `no replay job ${jobId}`, { details: { jobId } });

  route<unknown, unknown, { jobId: string }>(
    'dlq.replay-show',
    { params: S.JOB_PARAMS, response: { 200: S.JOB_RESULT } },
    async (req) => {
      if (!deps.replay) throw unavailable('replay service');
      const job = await deps.replay.get(req.params.jobId);
      if (!job) throw jobNotFound(req.params.jobId);
      req.audit.count = job.total;
      return job;
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    route<unknown, unknown, { jobId: string }>(
      `dlq.replay-${action}`,
      { params: S.JOB_PARAMS, body: S.EMPTY_BODY, response: { 200: S.JOB_RESULT } },
      async (req) => {
        const replay = deps.replay;
        if (!replay) throw unavailable('replay service');
        const { jobId } = req.params;
        if (!(await replay.get(jobId))) throw jobNotFound(jobId);
        const job = await replay[action](jobId, who(req));
        req.audit.count = job.total;
        return job;
      },
    );
  }

  route('dlq.reindex', { body: S.EMPTY_BODY, response: { 200: S.REINDEX_RESULT } }, async (req) => {
    if (!deps.reindex) throw unavailable('reindex');
    const result = await deps.reindex();
    req.audit.count = result.letters;
    return result;
  });

  route<unknown, unknown, { eventId: string }>(
    'events.trace',
    { params: S.TRACE_PARAMS, response: { 200: S.TRACE } },
    async (req) => {
      if (!deps.tracer) throw unavailable('tracer');
      const trace = await deps.tracer.trace(req.params.eventId);
      req.audit.count = 1;
      return trace;
    },
  );

  // `crossdock events tail --show-personal` reads Kafka itself: it asks here first, so only an
  // admin's token lets it show personal fields, and the audit trail names who tailed which topic.
  route<unknown, { topic: string }>(
    'events.tail-personal',
    {
      querystring: {
        type: 'object',
        required: ['topic'],
        additionalProperties: false,
        properties: { topic: { type: 'string', minLength: 1, maxLength: 249 } },
      },
      response: {
        200: {
          type: 'object',
          required: ['name', 'role'],
          properties: { name: { type: 'string' }, role: { type: 'string' } },
        },
      },
    },
    async (req) => {
      const { name, role } = req.audit.identity!;
      return { name, role };
    },
  );

  route<unknown, { who?: string; op?: string; since?: string; limit: number }>(
    'audit.list',
    { querystring: S.AUDIT_QUERY, response: { 200: S.AUDIT } },
    async (req) => {
      const { since, ...rest } = req.query;
      const records = await deps.audit.list({
        ...rest,
        ...(since ? { since: parseTime(since, 'query.since', clock.now()) } : {}),
      });
      req.audit.count = records.length;
      return { records };
    },
  );

  route<unknown, { site?: string; since?: string; until?: string }>(
    'sites.scorecard',
    { querystring: S.SCORECARD_QUERY, response: { 200: S.SCORECARDS } },
    async (req) => {
      if (!deps.scorecards) throw unavailable('scorecard reader');
      const scorecards = await deps.scorecards(req.query);
      req.audit.count = scorecards.length;
      return { scorecards };
    },
  );

  route(
    'hub.overview',
    { response: { 200: OVERVIEW_SCHEMA } },
    async () => {
      if (!deps.overview) throw unavailable('overview (crossdock start serves it)');
      return deps.overview();
    },
    { quiet: true },
  );

  // The catalog the hub follows (the routers' own: schemas pushed while it runs are in it), without
  // the schemas themselves: what a person reads to know the event types and their versions.
  route('catalog.list', { response: { 200: S.CATALOG } }, async (req) => {
    const eventTypes = catalog().entries.map((e) => ({
      eventType: e.eventType,
      subject: e.subject,
      domain: e.domain,
      owner: e.owner,
      ...(e.description ? { description: e.description } : {}),
      keyFields: e.keyFields,
      compatibility: e.compatibility,
      tier: e.tier,
      personalDataFields: e.personalDataFields,
      versions: e.versions.map((v) => ({
        version: v.version,
        status: v.status,
        ...(v.since ? { since: v.since } : {}),
        ...(v.retireAfter ? { retireAfter: v.retireAfter } : {}),
        file: v.file,
      })),
    }));
    req.audit.count = eventTypes.length;
    return { eventTypes };
  });

  const flowReader = () => {
    if (!deps.flows) throw unavailable('flow reader');
    return deps.flows;
  };

  route('flows.summary', { response: { 200: S.FLOWS } }, async (req) => {
    const flows = await flowReader().summary();
    req.audit.count = flows.length;
    return { flows };
  });

  route<unknown, { limit: number }>(
    'flows.overdue',
    { querystring: S.OVERDUE_QUERY, response: { 200: S.OVERDUE } },
    async (req) => {
      const items = await flowReader().listOverdue(req.query.limit);
      req.audit.count = items.length;
      return { items };
    },
  );

  route<unknown, unknown, { flow: string; key: string }>(
    'flows.show',
    { params: S.FLOW_PARAMS, response: { 200: S.FLOW_INSTANCE } },
    async (req) => {
      const instance = await flowReader().getInstance(req.params.flow, req.params.key);
      req.audit.count = 1;
      return instance;
    },
  );

  if (deps.extend)
    await deps.extend(app, {
      identify: (token) => identify([...tokens(), ...localEntry], token),
      audit: (record) => deps.audit.record({ at: clock.now(), ...record }),
    });

  app.get(
    `${API_PREFIX}/openapi.json`,
    { schema: { hide: true }, config: { admin: { public: true } } },
    async () => app.swagger(),
  );
  return app;
}
