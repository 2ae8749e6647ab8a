import crypto from 'node:crypto';

/**
 * Request signing for HTTP ingest.
 *
 *   x-cd-key-id:     the key id (issued per site; two may be active during a rotation)
 *   x-cd-timestamp:  Unix time in seconds when the request was signed
 *   x-cd-signature:  v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body bytes>")>
 *
 * The server accepts a request when the key id is known and active, the key belongs to the site in
 * the URL, the timestamp is within the replay window of the server's clock, the signature matches
 * (constant-time compare), and the same signature was not seen before (Redis, see state.ts).
 */
export const SIGNATURE_HEADERS = Object.freeze({
  keyId: 'x-cd-key-id',
  timestamp: 'x-cd-timestamp',
  signature: 'x-cd-signature',
});

export interface IngestKey {
  /** Key id sent by the client (not secret). */
  id: string;
  siteId: string;
  /** Shared secret (from the environment; never logged). */
  secret: string;
  /** ISO time after which the key is refused (the old key of a rotation). */
  expiresAt?: string;
}

export function sign(secret: string, timestampSeconds: number | string, body: Buffer | string): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

/** Headers a client sends (used by the tests, the bench and documented for site teams). */
export function signedHeaders(
  key: Pick<IngestKey, 'id' | 'secret'>,
  body: Buffer | string,
  nowMs: number = Date.now(),
): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return {
    [SIGNATURE_HEADERS.keyId]: key.id,
    [SIGNATURE_HEADERS.timestamp]: String(ts),
    [SIGNATURE_HEADERS.signature]: sign(key.secret, ts, body),
  };
}

/** A new random key secret (32 bytes, base64url). */
export function newKeySecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export type AuthResult =
  | { ok: true; key: IngestKey; signature: string }
  | { ok: false; status: 401 | 403; code: string; message: string };

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Verifies the signature headers against the key ring. Pure (no Redis): the replay mark is set
 * by the caller after this passed.
 */
export function verifyRequest(
  keys: ReadonlyMap<string, IngestKey>,
  siteId: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowMs: number,
  windowMs: number,
): AuthResult {
  const keyId = header(headers, SIGNATURE_HEADERS.keyId);
  const ts = header(headers, SIGNATURE_HEADERS.timestamp);
  const sig = header(headers, SIGNATURE_HEADERS.signature);
  if (!keyId || !ts || !sig)
    return {
      ok: false,
      status: 401,
      code: 'CD_E_AUTH_MISSING',
      message: `Sign the request: headers ${Object.values(SIGNATURE_HEADERS).join(', ')} are required.`,
    };
  const key = keys.get(keyId);
  if (!key || (key.expiresAt && Date.parse(key.expiresAt) <= nowMs))
    return {
      ok: false,
      status: 401,
      code: 'CD_E_AUTH_BAD_SIGNATURE',
      message: `Key ${keyId} is unknown or expired.`,
    };
  if (!/^\d{1,12}$/.test(ts))
    return {
      ok: false,
      status: 401,
      code: 'CD_E_AUTH_STALE',
      message: `${SIGNATURE_HEADERS.timestamp} must be Unix seconds.`,
    };
  const skew = Math.abs(nowMs - Number(ts) * 1000);
  if (skew > windowMs)
    return {
      ok: false,
      status: 401,
      code: 'CD_E_AUTH_STALE',
      message: `The signed timestamp is ${Math.round(skew / 1000)} s away from the server clock (window ${windowMs / 1000} s).`,
    };
  const want = Buffer.from(sign(key.secret, ts, rawBody));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got))
    return {
      ok: false,
      status: 401,
      code: 'CD_E_AUTH_BAD_SIGNATURE',
      message: 'The signature does not match the timestamp and body.',
    };
  // Checked after the signature so a stranger learns nothing about which keys exist for which site.
  if (key.siteId !== siteId)
    return {
      ok: false,
      status: 403,
      code: 'CD_E_AUTH_WRONG_SITE',
      message: `Key ${keyId} is not a key of site ${siteId}.`,
    };
  return { ok: true, key, signature: sig };
}
