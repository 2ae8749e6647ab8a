import fs from 'node:fs';
import path from 'node:path';
import {
  configLineLocator,
  describeProblems,
  type ConfigCheck,
  type ConfigProblem,
  type HubConfig,
  envValue,
  unsetEnvReferences,
  unsetVariableMessage,
} from '../core/config';
import { CrossdockError, isCrossdockError } from '../core/errors';
import { siteMappingsFor, type MappingFileProblem } from '../connectors/sources';
import { flowCatalogProblems } from '../flows';
import { closestEventType, globToRegExp, isGlob } from '../router';
import { loadCatalog, type Catalog } from '../schemas';
import { checkConfig } from './config';
import { healthTokenProblems } from './health-token';
import { readLocalKeys } from './local-keys';

/**
 * What `crossdock start` checks beyond the file's schema and cross-references, as problems
 * instead of a refusal, so that `crossdock config check` (and `config apply`) run them all before
 * anything starts — a file that passes never fails start-up on them:
 * - site mappings (HTTP and CSV sites): resolvable, acyclic, valid, every target field in the
 *   canonical schema — the very loader start-up uses (connectors/sources siteMappingsFor);
 * - HTTP sites' signing keys: present, and their secretEnv set here or in the local keys file that
 *   `crossdock start` reads (hub/local-keys.ts). A secret missing HERE is a warning by default:
 *   config check often runs on a CI machine without the production secrets, while start-up refuses
 *   (CD_E_SITE_SECRET_MISSING) where it is missing. `requireSecrets` makes it an error (run it so on
 *   the hub's host). A site key can only fail closed (ingest refuses its requests), so warning
 *   where the secrets are not is safe;
 * - the environment subscribers' sinks read (`${NAME}` in secrets and headers, `secretsEnv`,
 *   core/config/expand-env.ts): unset is always an error, since it would fail open (unsigned
 *   webhooks, an empty API key header);
 * - event types in routes (`match.eventTypes`, globs must match at least one) and rules known to
 *   the catalog, with the nearest name;
 * - flows (flows/config-check.ts): step event types in the catalog, key and `where` fields in the
 *   step's schema, `withinBySiteGroup` groups some site has (a warning);
 * - subscriber URLs parse (the webhook sink builds a URL of them when it starts), ports in range;
 * - the variable `hub.health.tokenEnv` names is set (hub/health-token.ts; a warning or an error as
 *   for the signing keys).
 */

export interface StartupCheckOptions {
  /** The environment the secrets are looked up in. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** CROSSDOCK_HOME, whose local-keys.env `crossdock start` reads for unset secrets. */
  home?: string;
  /** @defaultValue loadCatalog() (schemas/) */
  catalog?: Pick<Catalog, 'entries'>;
  /** A site key's secret not set here is an error instead of a warning. @defaultValue false */
  requireSecrets?: boolean;
  /**
   * The secrets live in another process's environment (the CLI side of `config apply`: the hub
   * checks its own): a variable a subscriber's sink reads that is unset here is a warning, not an
   * error. @defaultValue false
   */
  secretsElsewhere?: boolean;
}

type Segments = Array<string | number>;
type LineOf = (segments: Segments) => number | undefined;

function formatPath(segments: Segments): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

function mappingProblems(config: HubConfig, lineOf: LineOf): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  config.sites.forEach((site, i) => {
    if (site.connector.kind !== 'http' && site.connector.kind !== 'csv') return;
    try {
      siteMappingsFor(config, site);
    } catch (err) {
      if (!isCrossdockError(err) || err.code !== 'CD_E_MAPPING_INVALID') throw err;
      const list = (err.details?.problems ?? []) as MappingFileProblem[];
      if (!list.length)
        out.push({
          path: `sites[${i}]`,
          message: `site ${site.id}: ${err.message}`,
          line: lineOf(['sites', i]),
        });
      for (const p of list)
        out.push({
          path: p.path,
          message: `site ${site.id}'s mapping: ${p.message}`,
          file: path.relative(process.cwd(), p.file) || p.file,
          ...(p.line ? { line: p.line } : {}),
          ...(p.column ? { column: p.column } : {}),
          ...(p.snippet ? { snippet: p.snippet } : {}),
        });
    }
  });
  return out;
}

function keyProblems(config: HubConfig, lineOf: LineOf, o: StartupCheckOptions): ConfigProblem[] {
  const env = o.env ?? process.env;
  const local = o.home ? readLocalKeys(o.home) : {};
  const severity = o.requireSecrets ? 'error' : 'warning';
  const out: ConfigProblem[] = [];
  config.sites.forEach((site, i) => {
    const c = site.connector as { kind: string; keys?: Array<{ id: string; secretEnv: string }> };
    if (c.kind !== 'http') return;
    if (!c.keys?.length) {
      const at: Segments = ['sites', i, 'connector'];
      out.push({
        path: formatPath([...at, 'keys']),
        message: `site ${site.id} takes HTTP events but has no signing keys: ingest refuses every request (401). Add keys with a secretEnv (docs/sites.md)`,
        line: lineOf(at),
        severity: 'warning',
      });
      return;
    }
    c.keys.forEach((k, j) => {
      if (env[k.secretEnv] || local[k.secretEnv]) return;
      const at: Segments = ['sites', i, 'connector', 'keys', j, 'secretEnv'];
      out.push({
        path: formatPath(at),
        message: `$${k.secretEnv} (secret of key ${k.id}, site ${site.id}) is not set in this environment: \`crossdock start\` refuses to start without it (CD_E_SITE_SECRET_MISSING). Set it where the hub runs; for local use \`npx crossdock keys\``,
        line: lineOf(at),
        severity,
        variable: k.secretEnv,
      });
    });
  });
  return out;
}

/**
 * The environment a subscriber's sink reads (core/config/expand-env.ts): `${NAME}` in
 * `sink.secrets[]` and `sink.headers.<name>`, and the variable `sink.secretsEnv` names. Unset is an
 * error here — a webhook secret that is not set would send unsigned webhooks — unless
 * `secretsElsewhere` (the CLI side of `config apply`, whose hub checks its own environment).
 */
function envProblems(config: HubConfig, lineOf: LineOf, o: StartupCheckOptions): ConfigProblem[] {
  const env = o.env ?? process.env;
  const out: ConfigProblem[] = [];
  const push = (at: Segments, name: string, message: string) =>
    out.push({
      path: formatPath(at),
      message,
      line: lineOf(at),
      ...(o.secretsElsewhere ? { severity: 'warning' as const } : {}),
      variable: name,
    });
  config.subscribers.forEach((s, i) => {
    const sink = s.sink as { kind: string; secrets?: unknown; headers?: unknown; secretsEnv?: unknown };
    if (sink.kind !== 'http') return;
    const base: Segments = ['subscribers', i, 'sink'];
    const check = (at: Segments, value: unknown, what: string) => {
      if (typeof value !== 'string') return;
      for (const name of unsetEnvReferences(value, env))
        push(at, name, unsetVariableMessage(name, formatPath(at), { what: `${what} of subscriber ${s.id}` }));
    };
    if (Array.isArray(sink.secrets))
      sink.secrets.forEach((v, j) => check([...base, 'secrets', j], v, 'webhook signing secret'));
    if (sink.headers && typeof sink.headers === 'object')
      for (const [k, v] of Object.entries(sink.headers)) check([...base, 'headers', k], v, `header ${k}`);
    if (typeof sink.secretsEnv === 'string' && envValue(sink.secretsEnv, env) === undefined) {
      const at: Segments = [...base, 'secretsEnv'];
      push(
        at,
        sink.secretsEnv,
        unsetVariableMessage(sink.secretsEnv, formatPath(at), {
          what: `webhook signing secrets of subscriber ${s.id}`,
          named: true,
        }),
      );
    }
  });
  return out;
}

function eventTypeProblems(
  config: HubConfig,
  lineOf: LineOf,
  catalog: Pick<Catalog, 'entries'>,
): ConfigProblem[] {
  const types = catalog.entries.map((e) => e.eventType);
  const known = new Set(types);
  const out: ConfigProblem[] = [];
  const unknown = (name: string, at: Segments, what: string) => {
    const near = closestEventType(catalog, name);
    out.push({
      path: formatPath(at),
      message: `${what} ${JSON.stringify(name)} is not an event type of the catalog${near ? ` (did you mean ${near}?)` : ''}`,
      line: lineOf(at),
    });
  };
  config.routes.forEach((r, i) =>
    (r.match.eventTypes ?? []).forEach((t, j) => {
      const at: Segments = ['routes', i, 'match', 'eventTypes', j];
      if (isGlob(t)) {
        const re = globToRegExp(t);
        if (!types.some((x) => re.test(x)))
          out.push({
            path: formatPath(at),
            message: `pattern ${JSON.stringify(t)} of route ${r.name} matches no event type of the catalog`,
            line: lineOf(at),
          });
      } else if (!known.has(t)) unknown(t, at, `route ${r.name}: event type`);
    }),
  );
  for (const t of Object.keys(config.rules)) if (!known.has(t)) unknown(t, ['rules', t], 'rules for');
  config.sites.forEach((s, i) => {
    const t = (s.connector as { eventType?: unknown }).eventType;
    if (typeof t === 'string' && !known.has(t))
      unknown(t, ['sites', i, 'connector', 'eventType'], `site ${s.id}: eventType`);
  });
  return out;
}

function flowProblems(config: HubConfig, lineOf: LineOf, catalog: Pick<Catalog, 'entries'>): ConfigProblem[] {
  return flowCatalogProblems(config, catalog).map((p) => ({
    path: formatPath(p.segments),
    message: p.message,
    line: lineOf(p.segments),
    ...(p.severity ? { severity: p.severity } : {}),
  }));
}

/** Why a URL does not parse, in words (a space, a port out of range), or undefined when it does. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const reasons: string[] = [];
    if (/\s/.test(url)) reasons.push('it contains a space');
    const port = /^[a-z]+:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(url)?.[1];
    if (port !== undefined && Number(port) > 65535) reasons.push(`port ${port} is beyond 65535`);
    return `${JSON.stringify(url)} is not a valid URL${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `${JSON.stringify(url)} is not an http(s) URL`;
  if (parsed.port === '0') return `${JSON.stringify(url)}: port 0 cannot be sent to`;
  return undefined;
}

function addressProblems(config: HubConfig, lineOf: LineOf, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  config.subscribers.forEach((s, i) => {
    const url = (s.sink as { url?: unknown }).url;
    if (s.sink.kind !== 'http' || typeof url !== 'string') return;
    const why = urlProblem(url);
    const at: Segments = ['subscribers', i, 'sink', 'url'];
    if (why) out.push({ path: formatPath(at), message: `subscriber ${s.id}: ${why}`, line: lineOf(at) });
  });
  const port = env.CROSSDOCK_INGEST_PORT;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535))
    out.push({
      path: '$CROSSDOCK_INGEST_PORT',
      message: `${JSON.stringify(port)} is not a port (0-65535): HTTP ingest cannot listen on it`,
    });
  return out;
}

/** Every start-up problem of a configuration that passed its schema (see the module comment). */
export function startupProblems(
  config: HubConfig,
  lineOf: LineOf,
  options: StartupCheckOptions = {},
): ConfigProblem[] {
  const catalog = options.catalog ?? loadCatalog();
  return [
    ...mappingProblems(config, lineOf),
    ...keyProblems(config, lineOf, options),
    ...envProblems(config, lineOf, options),
    ...eventTypeProblems(config, lineOf, catalog),
    ...flowProblems(config, lineOf, catalog),
    ...addressProblems(config, lineOf, options.env ?? process.env),
    ...healthTokenProblems(
      config,
      options.env ?? process.env,
      options.requireSecrets ? 'error' : 'warning',
      lineOf(['hub', 'health', 'tokenEnv']),
    ),
  ].map((p) => (p.line === undefined ? (({ line: _l, ...rest }) => rest)(p) : p));
}

/**
 * For `crossdock start` (hub/start.ts): refuses a configuration with any start-up problem, all of
 * them listed (CD_E_CONFIG_INVALID), before anything is touched. Secrets are required here.
 */
export function refuseStartupProblems(
  config: HubConfig,
  file: string,
  options: StartupCheckOptions = {},
): void {
  const lineOf = configLineLocator(fs.readFileSync(file, 'utf8'));
  const errors = startupProblems(config, lineOf, { requireSecrets: true, ...options }).filter(
    (p) => p.severity !== 'warning',
  );
  if (errors.length)
    throw new CrossdockError(
      'CD_E_CONFIG_INVALID',
      `${file} has ${errors.length} problem(s):\n  ${describeProblems(errors).join('\n  ')}`,
      { details: { file, problems: errors } },
    );
}

/**
 * `crossdock config check`: the file's schema and cross-references (checkConfig), then, when those
 * pass, every start-up check. `ok` is false when any problem is an error; warnings are listed.
 */
export function checkHubConfig(file: string, options: StartupCheckOptions = {}): ConfigCheck {
  const res = checkConfig(file);
  if (!res.ok || !res.config) return res;
  const lineOf = configLineLocator(fs.readFileSync(file, 'utf8'));
  const problems = startupProblems(res.config, lineOf, options);
  const ok = problems.every((p) => p.severity === 'warning');
  return { ...res, ok, problems, ...(ok ? {} : { config: undefined }) };
}
