import { CrossdockError } from '../../../core/errors';
import { signedHeaders, type IngestKey } from './auth';

/**
 * A site's HTTP client in its smallest form (what `crossdock send` does, and what docs/sites.md
 * asks of a site's system): POST the site's own JSON to `/v1/sites/<siteId>/events`, signed with
 * one of the site's keys, and read the answer whatever its status.
 */
export interface SiteSendRequest {
  /** The ingest's base URL, e.g. http://127.0.0.1:8080. */
  ingestUrl: string;
  siteId: string;
  key: Pick<IngestKey, 'id' | 'secret'>;
  /** The raw body bytes (they are what is signed). */
  body: Buffer;
  idempotencyKey?: string;
  /** @defaultValue the global fetch (undici) */
  fetchImpl?: typeof fetch;
  nowMs?: number;
}

/** What the ingest answered. `body` is the parsed JSON (or the text when it was not JSON). */
export interface SiteSendAnswer {
  url: string;
  status: number;
  body: unknown;
  retryAfter?: string;
  replayed: boolean;
}

/** The URL a site posts to. */
export function siteEventsUrl(ingestUrl: string, siteId: string): string {
  return `${ingestUrl.replace(/\/+$/, '')}/v1/sites/${encodeURIComponent(siteId)}/events`;
}

/**
 * Signs and posts one request; resolves with any HTTP answer.
 * @throws CrossdockError CD_E_INGEST_UNREACHABLE when no answer came (nothing listens, the
 *   connection broke)
 */
export async function sendSiteRequest(req: SiteSendRequest): Promise<SiteSendAnswer> {
  const url = siteEventsUrl(req.ingestUrl, req.siteId);
  const fetchImpl = req.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(req.key, req.body, req.nowMs),
        ...(req.idempotencyKey !== undefined ? { 'idempotency-key': req.idempotencyKey } : {}),
      },
      body: req.body,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new CrossdockError(
      'CD_E_INGEST_UNREACHABLE',
      `nothing answered at ${url} (${why}): is the hub running (crossdock start)? Give its ingest address with --hub-url.`,
      { retriable: true, details: { url } },
    );
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (not a crossdock ingest?): keep the text.
  }
  const retryAfter = res.headers.get('retry-after');
  return {
    url,
    status: res.status,
    body,
    ...(retryAfter ? { retryAfter } : {}),
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}
