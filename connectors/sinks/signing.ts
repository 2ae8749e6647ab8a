import crypto from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, signed with HMAC-SHA256 under the secret's key, and
 * sent as `v1,<base64 signature>`. Secrets are `whsec_<base64 key>`. During a rotation the
 * subscriber holds several secrets and we send one signature per secret, space-separated, so the
 * receiver accepts whichever key it already has.
 */
const PREFIX = 'whsec_';

/** The HMAC key of a `whsec_…` secret (a secret without the prefix is taken as base64 too). */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

/** A fresh secret for a new subscriber: `whsec_` + 32 random bytes in base64. */
export function generateSecret(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64');
}

export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Signs one request body with every key (pre-decoded with secretKey for the hot path). */
export function signWebhook(
  keys: readonly Buffer[],
  id: string,
  timestampSeconds: number,
  body: Buffer | string,
): WebhookSignatureHeaders {
  const ts = String(Math.floor(timestampSeconds));
  const signatures = keys.map((key) => {
    const mac = crypto.createHmac('sha256', key);
    mac.update(`${id}.${ts}.`);
    mac.update(body);
    return `v1,${mac.digest('base64')}`;
  });
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signatures.join(' ') };
}
