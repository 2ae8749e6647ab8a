import avsc from 'avsc';

/**
 * The start of every canonical event: `metadata` is the first field of each event record
 * (schemas/index.ts; the lint rule metadata-first keeps it there, unchanged), so its leading
 * fields up to correlationId can be read from the Confluent-framed bytes without the writer
 * schema or the registry. Read by the sinks (identity, log lines) and the dead-letter index.
 */
const METADATA_PREFIX = avsc.Type.forSchema({
  type: 'record',
  name: 'MetadataPrefix',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'eventType', type: 'string' },
    { name: 'occurredAt', type: 'long' },
    { name: 'siteId', type: 'string' },
    { name: 'sourceSystem', type: 'string' },
    { name: 'correlationId', type: 'string' },
  ],
});

/** Every eventId is a UUID (the router refuses others), so bytes that decode to something else are not an event. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Confluent framing: magic byte 0, then the 4-byte schema id. */
const FRAME_BYTES = 5;

/** The leading metadata fields of a framed canonical event (undefined when it is not one). */
export interface MetadataPrefix {
  eventId: string;
  eventType: string;
  siteId: string;
  correlationId: string;
}

/**
 * The metadata at the start of a framed Avro value, read without the registry; undefined when the
 * value is not a framed canonical event (a plain test payload, say).
 */
export function metadataPrefixOf(value: Buffer): MetadataPrefix | undefined {
  if (value.length <= FRAME_BYTES || value[0] !== 0) return undefined;
  try {
    const { value: meta, offset } = METADATA_PREFIX.decode(value, FRAME_BYTES) as {
      value: Partial<MetadataPrefix> | undefined;
      offset: number;
    };
    if (offset <= 0 || !meta || typeof meta.eventId !== 'string' || !UUID_RE.test(meta.eventId))
      return undefined;
    return {
      eventId: meta.eventId,
      eventType: meta.eventType ?? '',
      siteId: meta.siteId ?? '',
      correlationId: meta.correlationId ?? '',
    };
  } catch {
    return undefined;
  }
}

/**
 * The event's correlationId, read from its framed Avro value; undefined when the value is not a
 * framed canonical event. For log lines about one event, so it is only read when such a line is
 * written.
 */
export function correlationIdOf(value: Buffer): string | undefined {
  const c = metadataPrefixOf(value)?.correlationId;
  return c ? c : undefined;
}

/** The registry schema id in a Confluent-framed value (bytes 1–4), or undefined when it is not framed. */
export function schemaIdOf(value: Buffer): number | undefined {
  if (value.length < FRAME_BYTES || value[0] !== 0) return undefined;
  return value.readUInt32BE(1);
}
