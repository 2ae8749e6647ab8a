import type { FastifyRequest } from 'fastify';
import { CrossdockError } from '../core/errors';

/**
 * The console's sign-in: the browser holds the admin token it was given in one cookie,
 * `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it) and
 * `Path=/console`; every request is identified afresh from it by the admin API's own token check,
 * so a token removed from `hub.admin.tokens` stops working at once and nothing is kept on the
 * server (several hub processes behind a load balancer need no shared sessions).
 */
export const COOKIE = 'cd_console';
export const CONSOLE_PATH = '/console';
/** How long the browser keeps the cookie (8 hours: a working day). */
export const SESSION_MAX_AGE_S = 8 * 3600;

/** The console token of a request's Cookie header, or undefined. */
export function sessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() !== COOKIE) continue;
    const v = part.slice(i + 1).trim();
    try {
      return v ? decodeURIComponent(v) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The Set-Cookie value that signs in with `token` (`secure` when the page came over HTTPS). */
export function signInCookie(token: string, secure: boolean): string {
  return `${COOKIE}=${encodeURIComponent(token)}; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that signs out. */
export function signOutCookie(): string {
  return `${COOKIE}=; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/**
 * Refuses a form sent from another origin: the Origin header (or, without one, the Referer) must
 * name this host. With SameSite=Strict the cookie is not sent cross-site anyway; this check also
 * covers a browser that ignores SameSite.
 */
export function checkSameOrigin(req: FastifyRequest): void {
  const host = req.headers.host;
  const from = req.headers.origin ?? req.headers.referer;
  let fromHost: string | undefined;
  try {
    fromHost = from && from !== 'null' ? new URL(from).host : undefined;
  } catch {
    fromHost = undefined;
  }
  if (!host || !fromHost || fromHost !== host)
    throw new CrossdockError(
      'CD_E_CONSOLE_ORIGIN_REFUSED',
      from
        ? `this form came from ${from}, not from the console at ${host ?? 'this host'}`
        : 'this form carries neither Origin nor Referer: the console cannot tell it came from its own page',
      { details: { origin: from ?? null, host: host ?? null } },
    );
}
