import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ID_PATTERN, HUB_SECTION_SCHEMA, DEAD_LETTERS_SECTION_SCHEMA } from '../../../core/config/schema';
import { CHECK_TIMEOUT_MS, MAX_ROUTE_BODY } from '../../../core/health';
import { SOURCE_CONFIG_SCHEMA } from '../../../connectors/sources';
import { DRAIN_MAX_BYTES, DRAIN_MAX_MS } from '../../../connectors/sources/http/edges';
import { INGEST_DEFAULTS } from '../../../connectors/sources/http/server';
import { INGEST_REDIS_TIMEOUT_MS } from '../../../connectors/sources/http/state';
import { ADMIN_BODY_LIMIT, ADMIN_REQUEST_TIMEOUT_MS } from '../../../dlq/api/server';
import * as S from '../../../dlq/api/schemas';

/**
 * docs/operations.md "Request and body limits" states the bounds of every surface: its numbers
 * are the code's (a default changed in the code without the doc, or the other way, fails here).
 */
describe('the limits table of docs/operations.md', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');
  const section = doc.slice(
    doc.indexOf('## Request and body limits'),
    doc.indexOf('## Live configuration changes'),
  );
  /** The row `| surface | bound… |`. */
  const row = (surface: string, bound: string): string => {
    const line = section.split('\n').find((l) => l.startsWith(`| ${surface} | ${bound}`));
    if (!line) throw new Error(`no row "${surface} | ${bound}" in the limits table`);
    return line;
  };
  /** Its value cell. */
  const value = (surface: string, bound: string): string => row(surface, bound).split(' | ')[2]!;
  const ingest = HUB_SECTION_SCHEMA.properties.ingest.properties;
  const replay = DEAD_LETTERS_SECTION_SCHEMA.properties.replay.properties;

  it.each([
    ['HTTP ingest', 'request body', `${INGEST_DEFAULTS.maxBodyBytes} bytes`],
    ['HTTP ingest', 'records in one request', `${INGEST_DEFAULTS.maxBatch}`],
    ['HTTP ingest', 'request headers', `${http.maxHeaderSize} bytes`],
    ['HTTP ingest', 'whole request to arrive', `${INGEST_DEFAULTS.requestTimeoutMs} ms`],
    ['HTTP ingest', 'idle kept-alive connection', `${INGEST_DEFAULTS.keepAliveTimeoutMs} ms`],
    ['HTTP ingest', 'site id in the URL', `\`${ID_PATTERN}\``],
    ['HTTP ingest', '`Idempotency-Key`', `${INGEST_DEFAULTS.maxIdempotencyKeyLength} printable`],
    ['HTTP ingest', 'signed timestamp skew', `${INGEST_DEFAULTS.replayWindowMs} ms`],
    ['HTTP ingest', "an Idempotency-Key's answer kept", `${INGEST_DEFAULTS.idempotencyTtlMs} ms`],
    ['HTTP ingest', 'events waiting for Kafka', `${ingest.maxQueuedEvents.default}`],
    ['HTTP ingest', 'bytes waiting for Kafka', `${ingest.maxQueuedBytes.default} bytes`],
    ['HTTP ingest', "wait for Kafka's acknowledgement", `${ingest.publishTimeoutMs.default} ms`],
    ['HTTP ingest', 'Redis answer', `${INGEST_REDIS_TIMEOUT_MS} ms`],
    [
      'HTTP ingest',
      'rate per site',
      `\`windowSeconds\` ${SOURCE_CONFIG_SCHEMA.properties.quota.properties.windowSeconds.default}`,
    ],
    ['health server', '`POST /config` body', `${MAX_ROUTE_BODY} bytes`],
    ['health server', 'a readiness check', `${CHECK_TIMEOUT_MS} ms`],
    [
      'health server',
      'request headers, headers to arrive, whole request',
      `${http.maxHeaderSize} bytes, ${new http.Server().headersTimeout} ms, ${new http.Server().requestTimeout} ms`,
    ],
    ['admin API', 'request body', `${ADMIN_BODY_LIMIT} bytes`],
    ['admin API', 'whole request to arrive', `${ADMIN_REQUEST_TIMEOUT_MS} ms`],
    ['admin API', 'ids in one selector', `${S.SELECTOR.properties.ids.maxItems}`],
    ['admin API', 'letters one replay or discard selects', `${replay.maxSelection.default}`],
    ['admin API', 'replay send rate', `${replay.ratePerSecond.default} per second`],
    [
      'admin API',
      'page size',
      [S.LIST_QUERY, S.QUEUE_QUERY, S.JOBS_QUERY, S.AUDIT_QUERY]
        .map((q) => q.properties.limit.maximum)
        .join(' / '),
    ],
  ])('%s: %s is %s', (surface, bound, expected) => {
    expect(value(surface, bound)).toContain(expected);
  });

  it('the drain bound of an oversized body', () => {
    expect(row('HTTP ingest', 'request body')).toContain(
      `up to ${DRAIN_MAX_BYTES} bytes or ${DRAIN_MAX_MS} ms`,
    );
  });

  it('the Retry-After of a busy ingest', () => {
    expect(value('HTTP ingest', 'events waiting for Kafka')).toBe(`${ingest.maxQueuedEvents.default}`);
    expect(section).toContain(`\`Retry-After: ${INGEST_DEFAULTS.retryAfterSeconds}\``);
    expect(ingest.retryAfterSeconds.default).toBe(INGEST_DEFAULTS.retryAfterSeconds);
  });
});
