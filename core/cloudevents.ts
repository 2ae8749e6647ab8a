/**
 * The CloudEvents Kafka binding (binary mode) as crossdock writes it: one place for the header
 * names and for how each value is derived from a canonical event, shared by the source connectors
 * (which write every header) and the router (which stamps the ones a producer left out).
 *
 * Header contract (docs/design.md, "Kafka headers"):
 *   ce_specversion  '1.0'
 *   ce_id           metadata.eventId
 *   ce_type         the record full name = the registry subject, e.g. 'com.crossdock.order.OrderReleased'
 *   ce_source       'crossdock://sites/<siteId>/<sourceSystem>'
 *   ce_time         metadata.occurredAt as ISO 8601 (UTC, milliseconds)
 *   ce_subject      the business key (= the Kafka key)
 *   content-type    'application/avro'
 */

/** What the values are made of: the event's metadata and identity, and its Kafka key. */
export interface CloudEventFacts {
  eventId: string;
  /** Record full name = registry subject. */
  subject: string;
  siteId: string;
  sourceSystem: string;
  /** metadata.occurredAt, epoch milliseconds. */
  occurredAt: number;
  /** The business key (the Kafka key); no ce_subject when absent. */
  key?: string;
}

export const CE_SPECVERSION = '1.0';
export const AVRO_CONTENT_TYPE = 'application/avro';

export function ceSource(siteId: string, sourceSystem: string): string {
  return `crossdock://sites/${siteId}/${sourceSystem}`;
}

/** The CloudEvents headers of an event, in the order the binding lists them. */
export function cloudEventValues(f: CloudEventFacts): Record<string, string> {
  const out: Record<string, string> = {
    ce_specversion: CE_SPECVERSION,
    ce_id: f.eventId,
    ce_type: f.subject,
    ce_source: ceSource(f.siteId, f.sourceSystem),
    ce_time: new Date(f.occurredAt).toISOString(),
  };
  if (f.key !== undefined && f.key !== '') out.ce_subject = f.key;
  out['content-type'] = AVRO_CONTENT_TYPE;
  return out;
}

/** Every header name cloudEventValues() may write. */
export const CLOUD_EVENT_HEADERS: readonly string[] = [
  'ce_specversion',
  'ce_id',
  'ce_type',
  'ce_source',
  'ce_time',
  'ce_subject',
  'content-type',
];

/**
 * True when `headers` lacks at least one CloudEvents header (a plain Confluent producer sends
 * none). A present header counts whatever its value: the router checked the ones it validates.
 */
export function lacksCloudEventHeaders(headers: Readonly<Record<string, unknown>> | undefined): boolean {
  if (headers === undefined) return true;
  for (const name of CLOUD_EVENT_HEADERS) if (headers[name] === undefined) return true;
  return false;
}
