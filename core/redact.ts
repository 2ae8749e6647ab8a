import fs from 'node:fs';
import { SECRET_ENV_NAMES, SECRET_FILE_ENV_NAMES } from './connection-env';

/**
 * Secret values never leave the process in what it prints: log lines (core/logger.ts), the CLI's
 * results, errors and `--json` documents (cli/output.ts, cli/main.ts), `crossdock stack status`.
 *
 * Contract:
 * - A redactor is built from the secret VALUES the process knows and replaces every occurrence of
 *   each (also its JSON-escaped and URL-encoded forms, and a `whsec_` secret's key without the
 *   prefix) with `***`. Independently of any known value, the password of every URL with
 *   credentials (`redis://user:password@host`) becomes `***` (`redis://user:***@host`).
 * - Values shorter than MIN_SECRET_LENGTH characters are not matched: they would mask ordinary
 *   words and numbers everywhere (and are no secret worth the name).
 * - Which values: those of the variables in SECRET_ENV_NAMES (the connection contract: Kafka,
 *   registry and Redis passwords and tokens; the contents of SECRET_FILE_ENV_NAMES' files), of every
 *   set variable whose name says it holds a secret (SECRET_NAME_PATTERN: `…PASSWORD`, `…SECRET…`,
 *   `…TOKEN…`, `CROSSDOCK_KEY_*`, …), the password inside REDIS_URL, and of every variable the
 *   configuration reads a secret from (site keys' secretEnv, sinks' secretsEnv and `${NAME}` in
 *   sink secrets and headers, literal sink secrets) — `rememberConfigSecrets` adds those.
 * - The process-wide redactor (`redact`) is built on first use from process.env and rebuilt when
 *   names or values are added (`rememberSecretNames`, `rememberSecrets`, `refreshRedaction` after
 *   the environment changed): a logger made before the configuration was read redacts its
 *   secrets from then on.
 * - Cheap on the hot path: one precompiled regular expression over the line, and the URL pattern
 *   only when the line holds `@` (bench/redact: a log line with and without it).
 */

/** What a secret is replaced with. */
export const REDACTED = '***';

/** Shorter values are not matched (see the module comment). */
export const MIN_SECRET_LENGTH = 6;

/**
 * Variables that hold secrets: the connection contract's (core/connection-env.ts; the `_FILE`
 * ones name a file whose contents are the secret), the admin API's and the health server's tokens.
 */
export const KNOWN_SECRET_ENV_NAMES: readonly string[] = [
  ...SECRET_ENV_NAMES,
  ...SECRET_FILE_ENV_NAMES,
  'CROSSDOCK_ADMIN_TOKEN',
  'CROSSDOCK_METRICS_TOKEN',
];

/** Names that say a variable holds a secret, whatever else it is called. */
export const SECRET_NAME_PATTERN =
  /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY)|^CROSSDOCK_KEY_/i;

/** Variables holding URLs whose password (`scheme://user:password@host`) is a secret. */
const URL_ENV_NAMES = ['REDIS_URL', 'CROSSDOCK_REGISTRY_URL'];

/** `scheme://user:password@` (the user may be empty). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):([^\s/?#@"'<>]+)@/gi;

/** Files named by `_FILE` variables are read once; larger ones are not secrets of ours. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Replaces the secrets it was built from (see the module comment). */
export interface Redactor {
  (text: string): string;
  /** How many distinct strings it matches (the secrets and their encoded forms). */
  readonly size: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A value and the forms it takes in a JSON string, a URL and without a `whsec_` prefix. */
function formsOf(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
  if (secret.startsWith('whsec_')) forms.push(secret.slice('whsec_'.length));
  return forms;
}

/** A redactor of these values (and of URL passwords). */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const all = new Set<string>();
  for (const s of secrets) for (const f of formsOf(s)) if (f.length >= MIN_SECRET_LENGTH) all.add(f);
  // Longest first, so that a secret containing another is replaced whole.
  const list = [...all].sort((a, b) => b.length - a.length);
  const known = list.length ? new RegExp(list.map(escapeRegExp).join('|'), 'g') : undefined;
  const redactor = (text: string): string => {
    let out = text;
    if (known) {
      known.lastIndex = 0;
      if (known.test(out)) out = out.replace(known, REDACTED);
    }
    if (out.includes('@')) out = out.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
    return out;
  };
  return Object.assign(redactor, { size: list.length });
}

/** The password inside a URL, raw and decoded (none when it has none or does not parse). */
export function urlPassword(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

function fileContents(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_SECRET_FILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The secret values `env` holds under `names` (plus KNOWN_SECRET_ENV_NAMES, every name matching
 * SECRET_NAME_PATTERN, and URL passwords): a `_FILE` variable's file contents, a variable of
 * several space-separated secrets (secretsEnv) each.
 */
export function secretValues(env: NodeJS.ProcessEnv, names: Iterable<string> = []): string[] {
  const wanted = new Set<string>([...KNOWN_SECRET_ENV_NAMES, ...names]);
  for (const name of Object.keys(env)) if (SECRET_NAME_PATTERN.test(name)) wanted.add(name);
  const out: string[] = [];
  for (const name of wanted) {
    const value = env[name];
    if (!value) continue;
    if (name.endsWith('_FILE')) {
      const text = fileContents(value);
      if (text) out.push(text);
      continue;
    }
    out.push(value, ...value.split(/\s+/).filter((v) => v && v !== value));
  }
  for (const name of URL_ENV_NAMES) {
    const value = env[name];
    if (value) out.push(...urlPassword(value));
  }
  return out;
}

/** The configuration sections `configSecrets` reads (a HubConfig, or any object of that shape). */
export interface SecretBearingConfig {
  hub?: { health?: { tokenEnv?: string } };
  sites: ReadonlyArray<{ connector: unknown }>;
  subscribers: ReadonlyArray<{ sink: unknown }>;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

/**
 * What a configuration says is secret: the variables it reads secrets from (site keys'
 * secretEnv, sinks' secretsEnv, `${NAME}` in sink secrets and headers, the health server's
 * hub.health.tokenEnv) and the literal secrets
 * written in it (sink secrets without `${…}`).
 */
export function configSecrets(config: SecretBearingConfig): { names: string[]; values: string[] } {
  const names: string[] = [];
  const values: string[] = [];
  const healthToken = config.hub?.health?.tokenEnv;
  if (healthToken) names.push(healthToken);
  for (const site of config.sites) {
    const keys = (site.connector as { keys?: Array<{ secretEnv?: unknown }> }).keys ?? [];
    for (const k of keys) if (typeof k.secretEnv === 'string') names.push(k.secretEnv);
  }
  for (const s of config.subscribers) {
    const sink = s.sink as { secretsEnv?: unknown; secrets?: unknown; headers?: unknown };
    if (typeof sink.secretsEnv === 'string') names.push(sink.secretsEnv);
    const strings = [
      ...(Array.isArray(sink.secrets) ? sink.secrets : []),
      ...(sink.headers && typeof sink.headers === 'object' ? Object.values(sink.headers) : []),
    ].filter((v): v is string => typeof v === 'string');
    for (const v of strings) for (const m of v.matchAll(REFERENCE)) names.push(m[1]!);
    if (Array.isArray(sink.secrets))
      for (const v of sink.secrets) if (typeof v === 'string' && !v.includes('${')) values.push(v);
  }
  return { names, values };
}

// The process-wide redactor.
const rememberedNames = new Set<string>();
const rememberedValues = new Set<string>();
let current: Redactor | undefined;
let sourceEnv: NodeJS.ProcessEnv = process.env;

/** Rebuilds the process-wide redactor from the environment (after it changed) and what was remembered. */
export function refreshRedaction(env: NodeJS.ProcessEnv = sourceEnv): void {
  sourceEnv = env;
  current = createRedactor([...secretValues(env, rememberedNames), ...rememberedValues]);
}

/** Adds each item to the set; whether any was new. */
function addNew(set: Set<string>, items: Iterable<string>): boolean {
  const before = set.size;
  for (const item of items) set.add(item);
  return set.size > before;
}

/** Adds variables whose values are secrets (the configuration's secretEnv names, say). */
export function rememberSecretNames(names: Iterable<string>): void {
  if (addNew(rememberedNames, names) && current) refreshRedaction();
}

/** Adds secret values the environment does not hold (literal sink secrets of the file). */
export function rememberSecrets(values: Iterable<string>): void {
  if (addNew(rememberedValues, values) && current) refreshRedaction();
}

/** Remembers everything a configuration says is secret (`configSecrets`). */
export function rememberConfigSecrets(config: SecretBearingConfig): void {
  const { names, values } = configSecrets(config);
  rememberSecretNames(names);
  rememberSecrets(values);
}

let revealed = 0;

/** `text` with every secret the process knows replaced by `***` (see the module comment). */
export function redact(text: string): string {
  if (revealed) return text;
  if (!current) refreshRedaction();
  return current!(text);
}

/**
 * Runs `print` (synchronously) with redaction off: for the one thing a command exists to hand over,
 * a secret (`crossdock keys`' export lines, `crossdock admin token create`'s new token).
 */
export function revealing<T>(print: () => T): T {
  revealed++;
  try {
    return print();
  } finally {
    revealed--;
  }
}

/** A JSON-able value with its secrets redacted (through its JSON text). */
export function redactValue<T>(value: T): T {
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const out = redact(text);
  return out === text ? value : (JSON.parse(out) as T);
}
