import fs from 'node:fs';
import path from 'node:path';
import type { HubConfig } from '../core/config';
import { newKeySecret } from '../connectors/sources';

/**
 * Signing-key secrets for local use. A configuration names each HTTP site key's secret by an
 * environment variable (`connector.keys[].secretEnv`); production sets those variables. On a
 * developer's machine `crossdock keys` (and the demo) keep them in `<CROSSDOCK_HOME>/local-keys.env`
 * (lines `NAME=secret`, mode 0600), making the missing ones with fresh random secrets, so the hub
 * and `crossdock send` agree on them without any setup. `crossdock start` reads that file for a
 * variable that is not set but never writes it: a production hub never invents a secret.
 */

/** The file's name under CROSSDOCK_HOME. */
export const LOCAL_KEYS_FILE = 'local-keys.env';

/** One signing key the configuration names. */
export interface ConfiguredKey {
  siteId: string;
  keyId: string;
  /** The environment variable that holds its secret. */
  secretEnv: string;
}

/** What `localKeySecrets` found and made. */
export interface LocalKeySecrets {
  /** Every configured key's variable → its secret (from the environment, else the file). */
  env: Record<string, string>;
  /** The local-keys.env file. */
  file: string;
  /** Variables whose secrets were generated (and written to the file) by this call. */
  created: string[];
}

export function localKeysPath(home: string): string {
  return path.join(home, LOCAL_KEYS_FILE);
}

/** The signing keys of the configuration's HTTP sites, in configuration order. */
export function configuredKeys(config: HubConfig): ConfiguredKey[] {
  const out: ConfiguredKey[] = [];
  for (const site of config.sites) {
    const c = site.connector as { kind?: string; keys?: Array<{ id: string; secretEnv: string }> };
    if (c.kind !== 'http') continue;
    for (const k of c.keys ?? []) out.push({ siteId: site.id, keyId: k.id, secretEnv: k.secretEnv });
  }
  return out;
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Parses `NAME=secret` lines (blank lines, `#` comments and an `export ` prefix allowed). */
export function parseLocalKeys(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    let value = m[2]!.trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (value) out[m[1]!] = value;
  }
  return out;
}

/** The secrets kept in `<home>/local-keys.env` (none when the file does not exist). */
export function readLocalKeys(home: string): Record<string, string> {
  try {
    return parseLocalKeys(fs.readFileSync(localKeysPath(home), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/**
 * For every key the configuration names, its secret: from `env` when the variable is set, else
 * from `<home>/local-keys.env`, where the missing ones are made (random, 32 bytes) and written
 * (file mode 0600, folder 0700). For local use only.
 */
export function localKeySecrets(
  config: HubConfig,
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): LocalKeySecrets {
  const file = localKeysPath(home);
  const stored = readLocalKeys(home);
  const out: Record<string, string> = {};
  const created: string[] = [];
  for (const { secretEnv } of configuredKeys(config)) {
    if (secretEnv in out) continue;
    const fromEnv = env[secretEnv];
    if (fromEnv) out[secretEnv] = fromEnv;
    else if (stored[secretEnv]) out[secretEnv] = stored[secretEnv]!;
    else {
      out[secretEnv] = newKeySecret();
      created.push(secretEnv);
    }
  }
  if (created.length) {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      text =
        '# crossdock: signing-key secrets for local use (crossdock keys). Production sets the variables.\n';
    }
    if (text && !text.endsWith('\n')) text += '\n';
    text += created.map((name) => `${name}=${out[name]}\n`).join('');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return { env: out, file, created };
}

/**
 * What `crossdock start` does with the file: every variable of `<home>/local-keys.env` that `env`
 * does not set is set from it (nothing is generated, and a set variable always wins). Returns the
 * names it set.
 */
export function applyLocalKeys(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const set: string[] = [];
  for (const [name, secret] of Object.entries(readLocalKeys(home)))
    if (!env[name]) {
      env[name] = secret;
      set.push(name);
    }
  return set;
}
