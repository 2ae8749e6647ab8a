import avsc from 'avsc';

/**
 * The start of every canonical event: `metadata` is the first field of each event record
 * (schemas/index.ts; the lint rule metadata-first keeps it there, unchanged), so its leading
 * fields up to correlationId can be read from the Confluent-framed bytes without the writer
 * schema or the registry.
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

/** Confluent framing: magic byte 0, then the 4-byte schema id. */
const FRAME_BYTES = 5;

/**
 * The event's correlationId, read from its framed Avro value; undefined when the value is not a
 * framed canonical event (a plain test payload, say). For log lines about one event, so it is
 * only read when such a line is written.
 */
export function correlationIdOf(value: Buffer): string | undefined {
  if (value.length <= FRAME_BYTES || value[0] !== 0) return undefined;
  try {
    const { value: meta, offset } = METADATA_PREFIX.decode(value, FRAME_BYTES) as {
      value: { correlationId?: unknown } | undefined;
      offset: number;
    };
    return offset > 0 && typeof meta?.correlationId === 'string' ? meta.correlationId : undefined;
  } catch {
    return undefined;
  }
}
