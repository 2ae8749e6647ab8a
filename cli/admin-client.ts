import { Command } from 'commander';
import { CrossdockError, isCrossdockError } from '../core/errors';
import type { AdminTarget } from '../hub';
import { reportUsageError } from './output';

/**
 * How the CLI talks to the admin API of a running hub (`dlq`, `audit`, `events trace`): where it
 * is (--hub, else the run file), which token (CROSSDOCK_ADMIN_TOKEN, else the run file's local
 * token), and the API's coded errors turned into the CLI's exit codes:
 * - 400 (a bad selector or request) and bad flags caught here first: exit 2 (usage);
 * - 401, 403, 404, 409, 503 and a hub that does not answer (CD_E_HUB_NOT_RUNNING): exit 3;
 * - an operation that ran and found problems (items refused, failing predictions): the command
 *   sets exit 1 itself.
 */

/** The admin API under one base URL. */
export interface AdminClient {
  readonly target: AdminTarget;
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** Codes that mean the command was given wrong arguments (exit 2). */
const USAGE_CODES = new Set(['CD_E_USAGE', 'CD_E_DLQ_SELECTOR_INVALID', 'CD_E_ADMIN_REQUEST_INVALID']);

export function adminClient(target: AdminTarget, fetchImpl: typeof fetch = fetch): AdminClient {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${target.url}/api/v1${path}`;
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new CrossdockError(
        'CD_E_HUB_NOT_RUNNING',
        `the admin API at ${target.url} does not answer${cause ? ` (${cause})` : ''}: is the hub running (crossdock start)?`,
        { retriable: true, details: { url: target.url } },
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    const e = (parsed ?? {}) as {
      code?: string;
      message?: string;
      retriable?: boolean;
      details?: Record<string, unknown>;
    };
    const code =
      typeof e.code === 'string'
        ? e.code
        : res.status === 401
          ? 'CD_E_ADMIN_UNAUTHORIZED'
          : 'CD_E_HUB_NOT_RUNNING';
    let message = e.message ?? `the admin API at ${target.url} answered ${res.status}: ${text.slice(0, 200)}`;
    if (code === 'CD_E_ADMIN_UNAUTHORIZED') message += ` (token from ${target.tokenFrom})`;
    throw new CrossdockError(code, message, {
      retriable: Boolean(e.retriable),
      details: { status: res.status, ...(e.details ?? {}) },
    });
  }
  return {
    target,
    get: (path, query = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
      const qs = q.toString();
      return call('GET', `${path}${qs ? `?${qs}` : ''}`);
    },
    post: (path, body) => call('POST', path, body),
  };
}

/** The client of the hub `--hub` names, else the one of the run file. */
export function connect(hub: string | undefined): AdminClient {
  const { locateAdmin } = require('../hub') as typeof import('../hub');
  const { stackPaths } = require('../stack') as typeof import('../stack');
  return adminClient(locateAdmin(stackPaths().home, hub, process.env));
}

/** Adds --hub and --json, the options every admin command has. */
export function adminOptions(cmd: Command): Command {
  return cmd
    .option(
      '--hub <url>',
      "the admin API's address (default: the run file of the hub started with this CROSSDOCK_HOME); the token comes from CROSSDOCK_ADMIN_TOKEN, else the local admin token of that run file",
    )
    .option('--json', 'machine-readable output (one JSON document on stdout)');
}

/**
 * Wraps a command's action: a usage error (bad flags, a bad selector, any request the API
 * answered 400) is printed like any error and exits 2; every other error goes on to the CLI's
 * error printer (exit 3).
 */
export function usageAware<A extends unknown[]>(
  setExit: (code: number) => void,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (isCrossdockError(err) && (USAGE_CODES.has(err.code) || err.details?.status === 400)) {
        // commander hands an action its Command last: its own --json, not the process's argv
        // (which is another program's when the CLI runs in-process, as in the tests).
        const command = args[args.length - 1];
        const json = command instanceof Command && Boolean(command.opts().json);
        setExit(reportUsageError(err, json));
        return;
      }
      throw err;
    }
  };
}
