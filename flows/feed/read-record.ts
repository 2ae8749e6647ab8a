import { toJsonSafe, unframe } from '../../core/avro';
import { isCrossdockError } from '../../core/errors';
import type { SchemaResolver } from '../../core/registry';
import { catalogVersionOfSchemaId, decodeEvent, type Catalog } from '../../schemas';

/**
 * What the feed reads of one ingress record's value: Confluent framing, the writer schema from the
 * registry, its catalog entry and version (matched by canonical form, as `schemas list` and the
 * dead-letter index number versions), the event decoded with the writer schema, and its metadata.
 * A record the router refused may stop anywhere along the way: what was read is kept, the rest is
 * '' / 'unknown' / absent. A registry that does not answer throws its retriable error (the feed
 * waits and reads the record again: an outage never changes a fact).
 */
export interface ReadRecord {
  /** metadata.eventId; '' when not read. */
  eventId: string;
  /** The catalog's event type of the writer schema; 'unknown' when not in the catalog. */
  eventType: string;
  schemaVersion?: number;
  deprecated: boolean;
  /** metadata.occurredAt (ms). */
  occurredAt?: number;
  correlationId?: string;
  /**
   * The decoded event as JSON (decimals as strings), when `withEvent` and it decoded: `metadata`
   * and the fields `eventFields` names for its type, or the whole event.
   */
  event?: Readonly<Record<string, unknown>>;
  /** Why it did not decode, when it did not. */
  failure?: string;
}

export interface RecordReaderDeps {
  resolver: SchemaResolver;
  /** The catalog in force (the published one the router follows). */
  catalog: () => Pick<Catalog, 'bySubject'>;
  /**
   * The top-level fields of an event type the sinks read, besides `metadata` (only those are
   * decoded into `event`); undefined for a type: the whole event. @defaultValue the whole event
   */
  eventFields?: (eventType: string) => readonly string[] | undefined;
}

const NO_FIELDS: readonly string[] = Object.freeze([]);

const UNREAD: ReadRecord = Object.freeze({ eventId: '', eventType: 'unknown', deprecated: false });

export async function readRecordValue(
  deps: RecordReaderDeps,
  value: Buffer | null,
  withEvent: boolean,
): Promise<ReadRecord> {
  if (!value || !unframe(value)) return { ...UNREAD, failure: 'not Confluent-framed Avro' };
  const catalog = deps.catalog();
  let decoded: Awaited<ReturnType<typeof decodeEvent>>;
  try {
    // Decoded as far as needed: metadata only when the event is not kept.
    const fields = withEvent ? deps.eventFields : undefined;
    decoded = await decodeEvent(deps.resolver, value, {
      catalog: catalog as Catalog,
      fields: (entry) => (fields ? fields(entry?.eventType ?? 'unknown') : withEvent ? undefined : NO_FIELDS),
    });
  } catch (err) {
    if (isCrossdockError(err) && err.retriable) throw err;
    return { ...UNREAD, ...(await schemaOnly(deps, value, catalog)), failure: (err as Error).message };
  }
  const id = identity(decoded.entry, decoded.version);
  const out: ReadRecord = { eventId: '', eventType: id.eventType, deprecated: id.deprecated };
  if (id.schemaVersion !== undefined) out.schemaVersion = id.schemaVersion;
  const m = decoded.event.metadata as Record<string, unknown> | null | undefined;
  if (m && typeof m === 'object') {
    if (typeof m.eventId === 'string') out.eventId = m.eventId;
    if (m.occurredAt instanceof Date && Number.isFinite(m.occurredAt.getTime()))
      out.occurredAt = m.occurredAt.getTime();
    if (typeof m.correlationId === 'string') out.correlationId = m.correlationId;
  }
  if (withEvent) out.event = toJsonSafe(decoded.event) as Record<string, unknown>;
  return out;
}

type Entry = NonNullable<ReturnType<Catalog['bySubject']>>;

type Identity = Pick<ReadRecord, 'eventType' | 'schemaVersion' | 'deprecated'>;

const NO_IDENTITY: Identity = Object.freeze({ eventType: 'unknown', deprecated: false });
// By catalog entry (replaced, not changed, when the catalog is published again) and version.
const identities = new WeakMap<Entry, Map<number | undefined, Identity>>();

/** The event type, version and status of a record (the same object for the same entry and version). */
function identity(entry: Entry | undefined, version: number | undefined): Identity {
  if (!entry) return NO_IDENTITY;
  let byVersion = identities.get(entry);
  if (!byVersion) identities.set(entry, (byVersion = new Map()));
  let id = byVersion.get(version);
  if (!id) byVersion.set(version, (id = Object.freeze(identityOf(entry, version))));
  return id;
}

function identityOf(entry: Entry, version: number | undefined): Identity {
  const status = entry.versions.find((v) => v.version === version)?.status;
  return {
    eventType: entry.eventType,
    ...(version !== undefined ? { schemaVersion: version } : {}),
    deprecated: status === 'deprecated',
  };
}

/** The event type and version of a value that did not decode, when its schema id is known. */
async function schemaOnly(
  deps: RecordReaderDeps,
  value: Buffer,
  catalog: Pick<Catalog, 'bySubject'>,
): Promise<Pick<ReadRecord, 'eventType' | 'schemaVersion' | 'deprecated'>> {
  const schemaId = unframe(value)!.schemaId;
  try {
    const writer = await deps.resolver.getSchemaById(schemaId);
    const entry = writer.subject ? catalog.bySubject(writer.subject) : undefined;
    // The same match decodeEvent makes, without the body.
    return identity(
      entry,
      entry ? await catalogVersionOfSchemaId(deps.resolver, schemaId, catalog) : undefined,
    );
  } catch (err) {
    if (isCrossdockError(err) && err.retriable) throw err;
    return { eventType: 'unknown', deprecated: false };
  }
}
