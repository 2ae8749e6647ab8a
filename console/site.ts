import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCrossdockError } from '../core/errors';
import { ConsoleApiError, injectedApi } from './api';
import { loadAssets } from './assets';
import type {
  ConsolePageModule,
  ConsoleRole,
  ConsoleSite,
  ConsoleUser,
  Flash,
  NavEntry,
  PageAnswer,
  PageHandler,
  PageRequest,
} from './contract';
import { html, type Html } from './html';
import { layout } from './layout';
import { checkSameOrigin, CONSOLE_PATH, sessionToken, signInCookie, signOutCookie } from './session';

/** What the console needs from the admin API it is served beside (dlq/api/server.ts `extend`). */
export interface ConsoleOptions {
  /** The admin API's own token check: the identity of a token, or undefined. */
  identify: (token: string) => ConsoleUser | undefined;
  /** Writes a record to the admin API's audit trail (sign-ins, refused ones too). */
  audit?: (record: {
    who: string;
    role?: ConsoleRole;
    op: string;
    result: 'ok' | 'refused';
  }) => Promise<void>;
  /** The page modules, in navigation order. */
  pages: readonly ConsolePageModule[];
  /** Where unexpected errors are reported (the hub log). */
  onError?: (err: unknown, where: string) => void;
  now?: () => number;
}

const FLASH_COOKIE = 'cd_console_flash';
const FORM_LIMIT = 1024 * 1024;

/** Headers of every console answer: no caching of pages, no framing, scripts and styles from here only. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function readFlash(req: FastifyRequest): Flash | undefined {
  const m = new RegExp(`(?:^|;\\s*)${FLASH_COOKIE}=([^;]*)`).exec(req.headers.cookie ?? '');
  if (!m?.[1]) return undefined;
  try {
    const f = JSON.parse(decodeURIComponent(m[1])) as Flash;
    return f && (f.kind === 'ok' || f.kind === 'error') && typeof f.text === 'string' ? f : undefined;
  } catch {
    return undefined;
  }
}

const flashCookie = (f: Flash) =>
  `${FLASH_COOKIE}=${encodeURIComponent(JSON.stringify(f))}; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=60`;
const clearFlash = `${FLASH_COOKIE}=; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0`;

/** A local console path to go back to after signing in (never another site). */
function safeNext(next: string | undefined): string {
  return next && next.startsWith(`${CONSOLE_PATH}/`) && !next.startsWith('//') && !next.includes('\\')
    ? next
    : `${CONSOLE_PATH}/`;
}

function multi(source: unknown): { one: Record<string, string>; all: (k: string) => string[] } {
  const one: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const [k, v] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    const values = (Array.isArray(v) ? v : [v]).filter((x) => x !== undefined).map(String);
    lists[k] = values;
    if (values.length) one[k] = values[values.length - 1]!;
  }
  return { one, all: (k) => lists[k] ?? [] };
}

function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

function errorBody(status: number, code: string, message: string): Html {
  const heading =
    status === 403
      ? 'Your role does not allow this'
      : status === 404
        ? 'Not found'
        : status === 401
          ? 'Not signed in'
          : status >= 500
            ? 'Something went wrong'
            : 'That did not work';
  return html`<h1>${heading}</h1>
    <div class="error-panel" role="alert" data-error-code="${code}">
      <p><code>${code}</code> (HTTP ${status})</p>
      <p>${message}</p>
    </div>`;
}

/**
 * Adds the console to the admin API's app under /console (a Fastify scope of its own: its own form
 * parser and error handler; the API's bearer check skips these routes, which sign in by cookie).
 */
export async function registerConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const assets = loadAssets();
  const assetUrl = (name: string) => `${CONSOLE_PATH}/assets/${name}?v=${assets.get(name)!.hash}`;
  // The icon is declared so that browsers do not ask for /favicon.ico, which the admin API would
  // refuse (no token) and write to the audit trail on every page view.
  const assetUrls = { css: assetUrl('console.css'), js: assetUrl('console.js'), icon: assetUrl('icon.svg') };
  const nav: NavEntry[] = [];
  const publicRoute = { admin: { public: true } };

  const send = (reply: FastifyReply, status: number, body: string, type = 'text/html; charset=utf-8') =>
    reply
      .code(status)
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': type })
      .send(body);

  const page = (
    req: FastifyRequest,
    reply: FastifyReply,
    p: { title: string; body: Html; status?: number; flash?: Flash },
    user?: ConsoleUser,
  ) => {
    const flash = p.flash ?? readFlash(req);
    if (readFlash(req)) void reply.header('set-cookie', clearFlash);
    const doc = layout({
      title: p.title,
      body: p.body,
      ...(user ? { user } : {}),
      nav,
      path: req.url.split('?')[0]!,
      ...(flash ? { flash } : {}),
      assets: assetUrls,
    });
    return send(reply, p.status ?? 200, doc.value);
  };

  const isFragment = (req: FastifyRequest) => req.headers['x-console-fragment'] === '1';

  const answer = async (req: FastifyRequest, reply: FastifyReply, user: ConsoleUser, a: PageAnswer) => {
    if ('redirect' in a) {
      if (a.flash) void reply.header('set-cookie', flashCookie(a.flash));
      return reply
        .code(303)
        .headers({ ...SECURITY_HEADERS, location: a.redirect })
        .send();
    }
    if ('fragment' in a) return send(reply, 200, a.fragment.value);
    return page(req, reply, a.page, user);
  };

  const failure = (req: FastifyRequest, reply: FastifyReply, err: unknown, user?: ConsoleUser) => {
    let status = 500;
    let code = 'CD_E_INTERNAL';
    let message = 'internal error of the console; see the hub log';
    if (err instanceof ConsoleApiError) {
      status = err.status;
      code = err.error.code;
      message = err.error.message;
    } else if (isCrossdockError(err)) {
      status = err.code === 'CD_E_CONSOLE_ORIGIN_REFUSED' ? 403 : err.retriable ? 503 : 400;
      code = err.code;
      message = err.message;
    } else {
      options.onError?.(err, `${req.method} ${req.url}`);
    }
    if (isFragment(req)) return send(reply, status, errorBody(status, code, message).value);
    return page(req, reply, { title: 'Error', body: errorBody(status, code, message), status }, user);
  };

  await app.register(
    async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_LIMIT },
        (_req, body, done) => done(null, parseForm(String(body))),
      );
      scope.setErrorHandler((err, req, reply) => failure(req, reply, err));
      const handle = (method: 'GET' | 'POST', path: string, handler: PageHandler) => {
        scope.route({
          method,
          url: path,
          config: publicRoute,
          handler: async (req, reply) => {
            const token = sessionToken(req.headers.cookie);
            const user = token ? options.identify(token) : undefined;
            if (!user || !token) {
              if (isFragment(req) || method === 'POST')
                return failure(
                  req,
                  reply,
                  new ConsoleApiError(401, {
                    code: 'CD_E_ADMIN_UNAUTHORIZED',
                    message: 'sign in again: the console has no valid token for this browser',
                  }),
                );
              return reply
                .code(303)
                .headers({ location: `${CONSOLE_PATH}/login?next=${encodeURIComponent(req.url)}` })
                .send();
            }
            try {
              if (method === 'POST') checkSameOrigin(req);
              const q = multi(req.query);
              const f = multi(method === 'POST' ? req.body : {});
              const request: PageRequest = {
                user,
                api: injectedApi(app, token),
                query: q.one,
                queryAll: q.all,
                params: (req.params ?? {}) as Record<string, string>,
                form: f.one,
                formAll: f.all,
                url: req.url,
              };
              return await answer(req, reply, user, await handler(request));
            } catch (err) {
              return failure(req, reply, err, user);
            }
          },
        });
      };

      const site: ConsoleSite = {
        nav: (entry) => void nav.push({ ...entry, path: `${CONSOLE_PATH}${entry.path}` }),
        page: (path, handler) => handle('GET', path, handler),
        action: (path, handler) => handle('POST', path, handler),
      };

      scope.get('/assets/:name', { config: publicRoute }, async (req, reply) => {
        const { name } = req.params as { name: string };
        const asset = assets.get(name);
        if (!asset)
          return failure(
            req,
            reply,
            new ConsoleApiError(404, {
              code: 'CD_E_ADMIN_ROUTE_UNKNOWN',
              message: `no console asset ${name}`,
            }),
          );
        const fresh = (req.query as { v?: string }).v === asset.hash;
        return reply
          .code(200)
          .headers({
            'content-type': asset.type,
            'x-content-type-options': 'nosniff',
            'cache-control': fresh ? 'public, max-age=31536000, immutable' : 'no-cache',
          })
          .send(asset.body);
      });

      scope.get('/login', { config: publicRoute }, async (req, reply) => {
        const next = safeNext((req.query as { next?: string }).next);
        return page(req, reply, { title: 'Sign in', body: loginForm(next) });
      });

      scope.post('/login', { config: publicRoute }, async (req, reply) => {
        try {
          checkSameOrigin(req);
        } catch (err) {
          return failure(req, reply, err);
        }
        const form = multi(req.body).one;
        const next = safeNext(form.next);
        const token = (form.token ?? '').trim();
        const user = token ? options.identify(token) : undefined;
        await options
          .audit?.({
            who: user?.name ?? 'anonymous',
            ...(user ? { role: user.role } : {}),
            op: 'console.sign-in',
            result: user ? 'ok' : 'refused',
          })
          .catch((err) => options.onError?.(err, 'console.sign-in audit'));
        if (!user)
          return page(req, reply, {
            title: 'Sign in',
            status: 401,
            body: html`${loginForm(next)}${errorBody(401, 'CD_E_ADMIN_UNAUTHORIZED', token ? 'that token is not one this hub knows (hub.admin.tokens, or the local admin token of this start)' : 'paste a token to sign in')}`,
          });
        const secure = req.protocol === 'https';
        return reply
          .code(303)
          .headers({ 'set-cookie': signInCookie(token, secure), location: next })
          .send();
      });

      scope.post('/logout', { config: publicRoute }, async (req, reply) => {
        try {
          checkSameOrigin(req);
        } catch (err) {
          return failure(req, reply, err);
        }
        return reply
          .code(303)
          .headers({ 'set-cookie': signOutCookie(), location: `${CONSOLE_PATH}/login` })
          .send();
      });

      for (const register of options.pages) register(site);

      // Any other path under /console: a 404 page (a route of its own, so the API's bearer check,
      // which answers paths it does not know, never sees it).
      scope.route({
        method: ['GET', 'POST'],
        url: '/*',
        config: publicRoute,
        handler: async (req, reply) => {
          const token = sessionToken(req.headers.cookie);
          const user = token ? options.identify(token) : undefined;
          return failure(
            req,
            reply,
            new ConsoleApiError(404, {
              code: 'CD_E_ADMIN_ROUTE_UNKNOWN',
              message: `no console page ${req.url.split('?')[0]}`,
            }),
            user,
          );
        },
      });

      handle('GET', '/', async () =>
        nav[0]
          ? { redirect: nav[0].path }
          : {
              page: {
                title: 'Console',
                body: html`<h1>crossdock console</h1>
                  <p>No pages are installed.</p>`,
              },
            },
      );
    },
    { prefix: CONSOLE_PATH },
  );

  app.get('/', { config: publicRoute, schema: { hide: true } }, async (_req, reply) =>
    reply
      .code(303)
      .headers({ location: `${CONSOLE_PATH}/` })
      .send(),
  );
}

function loginForm(next: string): Html {
  return html`<h1>Sign in to the crossdock console</h1>
    <form class="login" method="post" action="${CONSOLE_PATH}/login">
      <input type="hidden" name="next" value="${next}" />
      <p>
        <label for="token">Admin token</label><br />
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          size="60"
          aria-describedby="token-help"
        />
      </p>
      <p id="token-help" class="muted">
        A token from <code>crossdock admin token create</code> (its role decides what you may do), or on this
        machine the local admin token of this start (in the run file, <code>~/.crossdock/run</code>).
      </p>
      <p><button class="primary" type="submit">Sign in</button></p>
    </form>`;
}
