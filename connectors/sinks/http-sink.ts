import crypto from 'node:crypto';
import { redact } from '../../core/redact';
import { Pool } from 'undici';
import type { Clock } from '../../core/clock';
import { toJsonSafe, unframe } from '../../core/avro';
import type { SchemaResolver } from '../../core/registry';
import { isCrossdockError } from '../../core/errors';
import { classifyHttpStatus, classifyTransportError } from '../../retry';
import type { DeliveryResult, Sink, SinkEvent } from './contract';
import type { HttpSinkSettings } from './settings';
import { metadataPrefixOf } from '../../core/event-metadata';
import { post } from './http-post';
import { secretKey, signWebhook } from './signing';

export interface HttpSinkDeps {
  /** Decodes the framed Avro for JSON bodies (cached by schema id). Not needed for body 'avro'. */
  resolver?: SchemaResolver;
  clock: Clock;
}

/** CloudEvents attributes copied from the Kafka binding (`ce_x`) to the HTTP binding (`ce-x`). */
const CE_HEADERS = ['id', 'type', 'source', 'time', 'subject', 'specversion'].map(
  (name) => [`ce_${name}`, `ce-${name}`] as const,
);

function headerText(headers: Readonly<Record<string, Buffer>>, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : v.toString('utf8');
}

/** A W3C traceparent for events that arrive without one (so the receiver can still correlate). */
function newTraceparent(): string {
  const id = crypto.randomBytes(24).toString('hex');
  return `00-${id.slice(0, 32)}-${id.slice(32)}-01`;
}

/**
 * The HTTP webhook sink: one POST per event over a keep-alive undici pool, with CloudEvents HTTP
 * binary-mode headers, traceparent, `Idempotency-Key: <eventId>` and Standard Webhooks signatures.
 * The response body is read only to free the connection (and for the reason of a failure).
 */
export function createHttpSink(settings: HttpSinkSettings, deps: HttpSinkDeps): Sink {
  const url = new URL(settings.url);
  const path = `${url.pathname}${url.search}`;
  const keys = settings.secrets.map(secretKey);
  const pool = new Pool(url.origin, {
    connections: settings.connections ?? 32,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const contentType = settings.body === 'avro' ? 'application/avro' : 'application/json';
  let closed = false;
  // Usually empty: no copy per request then.
  const staticHeaders = Object.keys(settings.headers).length ? settings.headers : undefined;

  async function body(event: SinkEvent): Promise<Buffer | DeliveryResult> {
    if (settings.body === 'avro') return event.value;
    const framed = unframe(event.value);
    if (!framed)
      return {
        kind: 'permanent',
        code: 'CD_E_DELIVERY_UNDECODABLE',
        reason: 'value is not Confluent-framed Avro',
      };
    if (!deps.resolver)
      return {
        kind: 'permanent',
        code: 'CD_E_DELIVERY_UNDECODABLE',
        reason: 'no schema registry to decode a JSON body',
      };
    try {
      const schema = await deps.resolver.getSchemaById(framed.schemaId);
      return Buffer.from(JSON.stringify(toJsonSafe(schema.type.fromBuffer(framed.payload))));
    } catch (err) {
      const reason = `decode schema id ${framed.schemaId}: ${err instanceof Error ? err.message : String(err)}`;
      // A registry outage is worth waiting for; an unknown id or bad bytes never get better.
      if (isCrossdockError(err) && err.retriable)
        return { kind: 'transient', code: 'CD_E_DELIVERY_CONNECTION', reason };
      return { kind: 'permanent', code: 'CD_E_DELIVERY_UNDECODABLE', reason };
    }
  }

  return {
    kind: 'http',
    async start() {
      // Nothing to open: undici connects lazily and keeps connections alive.
    },
    async deliver(event) {
      const payload = await body(event);
      if (!Buffer.isBuffer(payload)) return payload;
      const now = deps.clock.now();
      const headers: Record<string, string> = staticHeaders ? { ...staticHeaders } : {};
      headers['content-type'] = contentType;
      headers['idempotency-key'] = event.eventId;
      headers['user-agent'] = 'crossdock';
      headers.traceparent = headerText(event.headers, 'traceparent') ?? newTraceparent();
      for (const [from, to] of CE_HEADERS) {
        const v = headerText(event.headers, from);
        if (v !== undefined) headers[to] = v;
      }
      headers['ce-id'] ??= event.eventId;
      headers['ce-specversion'] ??= '1.0';
      headers['ce-source'] ??= settings.source;
      headers['ce-type'] ??= metadataPrefixOf(event.value)?.eventType || 'crossdock.event';
      if (keys.length) Object.assign(headers, signWebhook(keys, event.eventId, now / 1000, payload));
      try {
        // A dispatch handler, not request(): no response stream per event (see http-post.ts).
        const answer = await post(pool, path, headers, payload, settings.timeoutMs);
        if (answer.status >= 200 && answer.status < 300) return { kind: 'ok', status: answer.status };
        // The receiver's words are kept as the failure's reason; one that echoes what it was sent
        // (an API key header) must not carry a secret into dead letters and logs.
        const text = redact(answer.text.slice(0, 300));
        const result = classifyHttpStatus(answer.status, answer.retryAfter, deps.clock.now());
        return result.kind === 'ok'
          ? result
          : { ...result, reason: text ? `${result.reason}: ${text}` : result.reason };
      } catch (err) {
        return classifyTransportError(err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}
