/**
 * Bearer tokens of the admin API. A token is a random string; the configuration stores only its
 * SHA-256 (lower-case hex) with a name and a role (`hub.admin.tokens`), so the file can be read
 * by anyone without giving access. A request's token is hashed and compared with every entry in
 * constant time (no early exit, no string compare), so neither the answer's time nor its content
 * tells how close a guess was.
 *
 * The local token: when the API listens on a loopback address, `crossdock start` makes one random
 * admin token per start (name `local-admin`), writes it to the run file (mode 0600, hub/control.ts)
 * and accepts it beside the configured ones, so a CLI on the same machine needs no setup.
 */
import crypto from 'node:crypto';
import { isIP } from 'node:net';
import type { AdminRole } from './roles';

/** Who a token belongs to. */
export interface AdminIdentity {
  name: string;
  role: AdminRole;
}

/** A configured token: `hub.admin.tokens[]`. */
export interface TokenEntry extends AdminIdentity {
  /** SHA-256 of the token, lower-case hex. */
  sha256: string;
}

/** The name of the local token in the audit trail. */
export const LOCAL_ADMIN_NAME = 'local-admin';

/** Prefix of the tokens crossdock makes (so secret scanners and people can tell what they are). */
export const TOKEN_PREFIX = 'cdadm_';

/** SHA-256 of a token, lower-case hex: what `hub.admin.tokens[].sha256` holds. */
export function tokenSha256(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token: the prefix and 32 random bytes (base64url). */
export function newAdminToken(): string {
  return `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The identity whose hash matches `token`, or undefined. Every entry is compared (in constant
 * time per entry, and all of them whatever matched), so the time taken depends only on how many
 * entries there are. An entry whose sha256 is not 64 hex digits never matches (the configuration
 * schema refuses those anyway).
 */
export function identify(
  entries: readonly TokenEntry[],
  token: string | undefined,
): AdminIdentity | undefined {
  if (token === undefined || token === '') return undefined;
  const given = crypto.createHash('sha256').update(token, 'utf8').digest();
  let found: AdminIdentity | undefined;
  for (const e of entries) {
    const expected = HEX64.test(e.sha256) ? Buffer.from(e.sha256, 'hex') : Buffer.alloc(32, 0);
    const same = crypto.timingSafeEqual(given, expected) && HEX64.test(e.sha256);
    if (same && found === undefined) found = { name: e.name, role: e.role };
  }
  return found;
}

/**
 * Whether `host` is a loopback address (127.0.0.0/8, ::1, `localhost`): only then does the hub
 * make a local admin token. `0.0.0.0` and `::` (every interface) are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** The YAML entry to paste under `hub.admin.tokens` for a token. */
export function tokenEntryYaml(entry: TokenEntry): string {
  return `- name: ${entry.name}\n  role: ${entry.role}\n  sha256: ${entry.sha256}`;
}
