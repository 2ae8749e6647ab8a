/**
 * The operations console's contracts (docs/console.md; the choice of server-rendered pages is
 * docs/adr/0007-console-server-rendered.md).
 *
 * The console is a thin layer of pages over the admin API: every figure and every change goes
 * through an API operation (`ConsoleApi`, in-process with the signed-in user's token), so roles,
 * validation, error codes and the audit trail are the API's own and there is no second source
 * of truth. The console itself only knows who is signed in (`ConsoleUser`) and how to draw.
 */
import type { Html } from './html';

export type ConsoleRole = 'viewer' | 'operator' | 'admin';

/** Who is signed in: the identity of the token the browser holds in its console cookie. */
export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
}

/** An API error as the API answered it (`{ code, message, retriable, details? }`). */
export interface ApiError {
  code: string;
  message: string;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export type ApiResult<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiError };

/** Query values as the API takes them (repeated keys as arrays). */
export type ApiQuery = Record<string, string | number | boolean | readonly string[] | undefined>;

/**
 * The admin API as the signed-in user: paths under /api/v1 (`'/dlq/groups'`), answers parsed.
 * `call` never throws for an API refusal (it is a result); `get`/`post` throw ConsoleApiError,
 * which the page router draws as an error page with the API's status and code.
 */
export interface ConsoleApi {
  call<T>(
    method: 'GET' | 'POST',
    path: string,
    options?: { query?: ApiQuery; body?: unknown },
  ): Promise<ApiResult<T>>;
  get<T>(path: string, query?: ApiQuery): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** What a page handler gets for one request. */
export interface PageRequest {
  user: ConsoleUser;
  api: ConsoleApi;
  /** The query string, one value per key (the last), and all of them for repeated keys. */
  query: Readonly<Record<string, string>>;
  queryAll: (key: string) => string[];
  /** Route parameters (`:id`), decoded. */
  params: Readonly<Record<string, string>>;
  /** A form's fields (POST), one value per key, and all of them for repeated keys. */
  form: Readonly<Record<string, string>>;
  formAll: (key: string) => string[];
  /** The path and query the browser asked for (for links back here). */
  url: string;
}

/** What a page handler answers: a page, a fragment (live refresh), or a redirect after a form. */
export type PageAnswer =
  | { page: { title: string; body: Html; status?: number; flash?: Flash } }
  | { fragment: Html }
  | { redirect: string; flash?: Flash };

/** A one-line message shown on the next page (after a redirect), for people and screen readers. */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export type PageHandler = (req: PageRequest) => Promise<PageAnswer>;

/** One entry of the navigation bar. */
export interface NavEntry {
  path: string;
  label: string;
}

/**
 * How a page module adds itself (each module exports `register(site)`): `page` for GET, `action`
 * for a form's POST (checked for same origin, answered with a redirect), both under /console.
 */
export interface ConsoleSite {
  nav(entry: NavEntry): void;
  page(path: string, handler: PageHandler): void;
  action(path: string, handler: PageHandler): void;
}

export type ConsolePageModule = (site: ConsoleSite) => void;
