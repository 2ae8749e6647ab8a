import { CrossdockError } from '../errors';

/**
 * The one way the hub configuration reads the environment (secrets stay out of the YAML).
 *
 * Contract:
 * - In a string field that reads the environment (a subscriber's `sink.secrets[]` and
 *   `sink.headers.<name>`), `${NAME}` is the value of the variable NAME and `${NAME:-default}`
 *   that value or, when NAME is unset or empty, `default` (which may be empty: an explicit "none").
 *   `$${` is a literal `${`. Nothing else is special.
 * - A `${NAME}` whose variable is unset or empty is a configuration error naming the field and
 *   the variable — never an empty string: a secret that is not there must not quietly become
 *   "no secret" (an unsigned webhook, an empty API key header).
 * - A field that names a variable (`sink.secretsEnv`, `sites[].connector.keys[].secretEnv`) reads
 *   it with `envValue`: unset and empty are the same, "missing".
 *
 * `unsetEnvReferences` is what the checks (hub/startup-check.ts: `config check`, `crossdock
 * start`, `config apply`) report; `expandEnv` is what the components compile with, and throws
 * CD_E_CONFIG_ENV_UNSET if they are ever handed a value the checks did not pass.
 */

/** `${NAME}` or `${NAME:-default}` (default: anything but `}`), or the escape `$${`. */
const REFERENCE = /\$(\$\{)|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** One `${…}` of a string. */
export interface EnvReference {
  name: string;
  /** The `:-default` part, when given. */
  fallback?: string;
}

/** The variables a string references, in order (escapes left out). */
export function envReferences(value: string): EnvReference[] {
  const out: EnvReference[] = [];
  for (const m of value.matchAll(REFERENCE)) {
    if (m[1]) continue;
    out.push({ name: m[2]!, ...(m[3] !== undefined ? { fallback: m[3] } : {}) });
  }
  return out;
}

/** A variable's value, or undefined when it is unset or empty. */
export function envValue(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** The names of the variables `value` needs that `env` does not set (unset or empty, no default). */
export function unsetEnvReferences(value: string, env: NodeJS.ProcessEnv): string[] {
  return envReferences(value)
    .filter((r) => r.fallback === undefined && envValue(r.name, env) === undefined)
    .map((r) => r.name);
}

/**
 * The words of a problem: the variable, the field that reads it, how to fix it.
 * @param options.what what the variable holds (`secret of key k1, site us-chi`)
 * @param options.named the field names the variable (secretsEnv) rather than `${NAME}` in a value
 */
export function unsetVariableMessage(
  name: string,
  field: string,
  options: { what?: string; named?: boolean } = {},
): string {
  const fix = options.named
    ? 'Set it where the hub runs'
    : `Set it where the hub runs, or write an explicit default: ${'${' + name + ':-default}'}`;
  return `$${name}${options.what ? ` (${options.what})` : ''} is not set (or empty) in this environment, and ${field} reads it. ${fix}`;
}

/**
 * `value` with every `${NAME}` / `${NAME:-default}` replaced (see the module comment).
 * @param field the field's path (`subscribers[2].sink.secrets[0]`), for the error
 * @throws CrossdockError CD_E_CONFIG_ENV_UNSET naming the field and the variable(s)
 */
export function expandEnv(value: string, env: NodeJS.ProcessEnv = process.env, field = 'a field'): string {
  const unset = unsetEnvReferences(value, env);
  if (unset.length)
    throw new CrossdockError(
      'CD_E_CONFIG_ENV_UNSET',
      unset.map((name) => unsetVariableMessage(name, field)).join('; '),
      { details: { field, variables: unset } },
    );
  return value.replace(REFERENCE, (_m, escape: string | undefined, name: string, fallback?: string) =>
    escape ? escape : (envValue(name, env) ?? fallback ?? ''),
  );
}
