import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configLineLocator, type HubConfig } from '../core/config';
import { CrossdockError, isCrossdockError } from '../core/errors';
import { CONSOLE_PATH } from '../console';
import type { RouteHandler } from '../core/health';
import { checkConfigText } from './config';
import { startupProblems } from './startup-check';
import { diffConfig, restartOnlyProblems } from './config-diff';
import type { AppliedChange } from './live';

/**
 * How a running hub takes a new configuration: `crossdock config apply <file>` posts it to the
 * hub's control route (POST /config on the health port), SIGHUP re-reads the file the hub was
 * started with. Both validate with the start-up checks and apply through one function.
 *
 * The run file (`<crossdock home>/run/hub.json`, mode 0600, removed when the hub stops) tells a
 * CLI on the same machine where the hub listens and the token it accepts; from elsewhere, pass
 * the address (--hub) and the token (CROSSDOCK_ADMIN_TOKEN).
 */

/** The run file's content. */
export interface RunFile {
  pid: number;
  /** Base URL of the health server, where POST /config is served. */
  url: string;
  /** Bearer token of the control routes. */
  token: string;
  /** The configuration file the hub was started with (SIGHUP re-reads it). */
  configFile: string;
  /** Base URL of the admin API (hub.admin; the API is under `<adminUrl>/api/v1`). */
  adminUrl?: string;
  /**
   * The local admin token (role admin, name `local-admin`), made at each start when the admin
   * API listens on a loopback address; absent otherwise (then only hub.admin.tokens work).
   */
  adminToken?: string;
  /** Base URL of the HTTP ingest once it listens (`crossdock send` posts there). */
  ingestUrl?: string;
}

export function runFilePath(home: string): string {
  return path.join(home, 'run', 'hub.json');
}

/** Writes the run file (readable by its owner only); returns a function that removes it. */
export function writeRunFile(home: string, content: RunFile): () => void {
  const file = runFilePath(home);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(content, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return () => {
    try {
      const now = JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile;
      if (now.pid === content.pid) fs.rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/** The run file of the hub started with this home, or undefined when there is none. */
export function readRunFile(home: string): RunFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(runFilePath(home), 'utf8')) as RunFile;
  } catch {
    return undefined;
  }
}

/** Who the audit trail names for a change sent with the run file's control token. */
export const CONTROL_TOKEN_NAME = 'control-token';

export function newControlToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** What applying a configuration answered: applied with its changes, or refused with problems. */
export type ApplyOutcome =
  | { applied: true; file?: string; change: AppliedChange }
  | {
      applied: false;
      file?: string;
      code: string;
      message: string;
      problems: Array<{ path: string; message: string; line?: number }>;
    };

/**
 * Validates `text` with the start-up checks and applies it through `apply`. Never throws for a
 * bad or unusable configuration: the outcome says why, and the running configuration stays.
 */
export async function applyConfigText(
  text: string,
  file: string | undefined,
  current: () => HubConfig,
  apply: (next: HubConfig) => Promise<AppliedChange>,
): Promise<ApplyOutcome> {
  const check = checkConfigText(text, file);
  if (!check.ok || !check.config)
    return {
      applied: false,
      ...(file ? { file } : {}),
      code: 'CD_E_CONFIG_INVALID',
      message: `${check.problems.length} problem(s) in the configuration; the running one stays`,
      problems: check.problems,
    };
  const next = check.config;
  // The start-up checks too (hub/startup-check.ts): a mapping, key or type problem is refused
  // with every problem, before anything is touched.
  const startup = startupProblems(next, configLineLocator(text), { requireSecrets: true }).filter(
    (p) => p.severity !== 'warning',
  );
  if (startup.length)
    return {
      applied: false,
      ...(file ? { file } : {}),
      code: 'CD_E_CONFIG_INVALID',
      message: `${startup.length} problem(s) in the configuration; the running one stays`,
      problems: startup,
    };
  const restart = restartOnlyProblems(diffConfig(current(), next));
  if (restart.length)
    return {
      applied: false,
      ...(file ? { file } : {}),
      code: 'CD_E_CONFIG_RESTART_ONLY',
      message: 'the hub section changed; it takes effect only at a restart, and nothing was changed',
      problems: restart,
    };
  try {
    return { applied: true, ...(file ? { file } : {}), change: await apply(next) };
  } catch (err) {
    return {
      applied: false,
      ...(file ? { file } : {}),
      code: 'CD_E_CONFIG_APPLY_FAILED',
      message: `${isCrossdockError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.message : String(err)}; the hub went back to the configuration it ran`,
      problems: [],
    };
  }
}

/** The body of POST /config. */
export interface ApplyRequest {
  /** The configuration as YAML text. */
  yaml: string;
  /** Where it was read from (relative paths in it, e.g. mapping folders, resolve from there). */
  file?: string;
}

/**
 * POST /config: bearer token, then applyConfigText(). 200 applied, 401, 400, 422 refused. The
 * token is the hub's control token, or (`alsoAccept`) an admin API token of role admin, so the
 * CROSSDOCK_ADMIN_TOKEN that serves `crossdock dlq` serves `crossdock config apply` too.
 */
export function configRoute(
  token: string,
  apply: (text: string, file: string | undefined, who: string) => Promise<ApplyOutcome>,
  /** The name of the admin-role API token in `authorization`, or undefined when it is none. */
  adminOf: (authorization: string | undefined) => string | undefined = () => undefined,
  /** Told of every refused request (for the audit trail). */
  refused: (code: string) => void = () => undefined,
): RouteHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return async (req) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const control = given.length === expected.length && crypto.timingSafeEqual(given, expected);
    const who = control ? CONTROL_TOKEN_NAME : adminOf(req.headers.authorization);
    if (who === undefined) {
      refused('CD_E_HUB_UNAUTHORIZED');
      return {
        status: 401,
        body: { code: 'CD_E_HUB_UNAUTHORIZED', message: 'missing or wrong bearer token' },
      };
    }
    let request: ApplyRequest;
    try {
      request = JSON.parse(req.body.toString('utf8')) as ApplyRequest;
      if (typeof request.yaml !== 'string') throw new Error('`yaml` must be a string');
    } catch (err) {
      return {
        status: 400,
        body: {
          code: 'CD_E_CONFIG_UNREADABLE',
          message: `the request body must be JSON with a yaml string and an optional file: ${String(err)}`,
        },
      };
    }
    const outcome = await apply(
      request.yaml,
      typeof request.file === 'string' ? request.file : undefined,
      who,
    );
    return { status: outcome.applied ? 200 : 422, body: outcome };
  };
}

/** Where `config apply` sends the configuration: --hub and CROSSDOCK_ADMIN_TOKEN, else the run file. */
export function locateHub(
  home: string,
  hub: string | undefined,
  env: NodeJS.ProcessEnv,
): { url: string; token: string } {
  if (hub) {
    const token = env.CROSSDOCK_ADMIN_TOKEN ?? readRunFile(home)?.token;
    if (!token)
      throw new CrossdockError(
        'CD_E_HUB_UNAUTHORIZED',
        `--hub ${hub} given but no token: set CROSSDOCK_ADMIN_TOKEN to the hub's control token`,
      );
    return { url: hub.replace(/\/$/, ''), token };
  }
  const run = readRunFile(home);
  if (!run)
    throw new CrossdockError(
      'CD_E_HUB_NOT_RUNNING',
      `no running hub: ${runFilePath(home)} does not exist (crossdock start writes it; same CROSSDOCK_HOME?)`,
      { retriable: true },
    );
  return { url: run.url, token: env.CROSSDOCK_ADMIN_TOKEN ?? run.token };
}

/** Where the admin API is and the token to use, and where each came from (for messages). */
export interface AdminTarget {
  /** Base URL (the API is under `<url>/api/v1`). */
  url: string;
  token: string;
  /** `CROSSDOCK_ADMIN_TOKEN` or the run file's local token. */
  tokenFrom: 'CROSSDOCK_ADMIN_TOKEN' | 'the local admin token';
}

/**
 * Where the `dlq`, `audit` and `events trace` commands send their requests: `--hub` or the run
 * file's adminUrl; the token from CROSSDOCK_ADMIN_TOKEN, else the run file's local admin token,
 * which is only ever sent to the run file's own adminUrl (never to another --hub).
 * @throws CrossdockError CD_E_HUB_NOT_RUNNING without --hub and without a run file (or one from a
 *   hub without an admin API); CD_E_ADMIN_UNAUTHORIZED when there is no token to send
 */
export function locateAdmin(home: string, hub: string | undefined, env: NodeJS.ProcessEnv): AdminTarget {
  const run = readRunFile(home);
  const url = (hub ?? run?.adminUrl)?.replace(/\/+$/, '');
  if (!url)
    throw new CrossdockError(
      'CD_E_HUB_NOT_RUNNING',
      run
        ? `the hub of ${runFilePath(home)} names no admin API (started by an older crossdock?): give --hub <url>`
        : `no running hub: ${runFilePath(home)} does not exist (crossdock start writes it; same CROSSDOCK_HOME?), or give --hub <url>`,
      { retriable: true },
    );
  const fromEnv = env.CROSSDOCK_ADMIN_TOKEN;
  if (fromEnv) return { url, token: fromEnv, tokenFrom: 'CROSSDOCK_ADMIN_TOKEN' };
  if (run?.adminToken && run.adminUrl?.replace(/\/+$/, '') === url)
    return { url, token: run.adminToken, tokenFrom: 'the local admin token' };
  throw new CrossdockError(
    'CD_E_ADMIN_UNAUTHORIZED',
    `no token for the admin API at ${url}: set CROSSDOCK_ADMIN_TOKEN (a token from \`crossdock admin token create\`, its sha256 under hub.admin.tokens)${
      run?.adminUrl === url ? '; this hub listens on a non-loopback address, so it made no local token' : ''
    }`,
  );
}

/** Whether a process with this pid runs on this machine (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where the operations console of the hub running on this machine is, and its local token. */
export interface ConsoleLocation {
  /** The console's address (`<admin API>/console/`). */
  url: string;
  /** The local admin token of this start (role admin), when the API listens on loopback. */
  localToken?: string;
}

/**
 * The console of the hub started with this CROSSDOCK_HOME (`crossdock admin console`), from its
 * run file.
 * @throws CrossdockError CD_E_HUB_NOT_RUNNING when there is no run file, its process is gone (a
 *   hub that did not stop cleanly), or it names no admin API
 */
export function locateConsole(home: string, runs: (pid: number) => boolean = processRuns): ConsoleLocation {
  const file = runFilePath(home);
  const run = readRunFile(home);
  if (!run)
    throw new CrossdockError(
      'CD_E_HUB_NOT_RUNNING',
      `no hub runs on this machine: ${file} does not exist (crossdock start writes it; the same CROSSDOCK_HOME?)`,
      { retriable: true, details: { runFile: file } },
    );
  if (!runs(run.pid))
    throw new CrossdockError(
      'CD_E_HUB_NOT_RUNNING',
      `no hub runs on this machine: ${file} names process ${run.pid}, which is gone (a hub that did not stop cleanly); start it again with crossdock start`,
      { retriable: true, details: { runFile: file, pid: run.pid } },
    );
  if (!run.adminUrl)
    throw new CrossdockError(
      'CD_E_HUB_NOT_RUNNING',
      `the hub of ${file} names no admin API (started by an older crossdock?): restart it to serve the console`,
      { retriable: true, details: { runFile: file } },
    );
  return {
    url: `${run.adminUrl.replace(/\/+$/, '')}${CONSOLE_PATH}/`,
    ...(run.adminToken ? { localToken: run.adminToken } : {}),
  };
}
