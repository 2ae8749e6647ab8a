/**
 * Encode and decode canonical events on the wire (Confluent framing + Avro binary with
 * crossdock's logical types, see core/avro.ts).
 */
import type avsc from 'avsc';
import { AvroValueError, avroType, frame, unframe } from '../core/avro';
import { CrossdockError, isCrossdockError } from '../core/errors';
import { isRegistryConnection, registryConnection, type RegistryConnection } from '../core/connection';
import {
  isTransientRefusal,
  registryRequest,
  type RegistryReply,
  type RegistryTarget,
  type SchemaRegistry,
  type SchemaResolver,
} from '../core/registry';
import { entryVersion, type Catalog, type CatalogEntry, type CatalogVersion } from './catalog';

/** Returns the registry id of `subject`'s schema for a catalog version. */
export type SchemaIdLookup = (subject: string, version: CatalogVersion) => number | Promise<number>;

/**
 * Where encodeEvent gets schema ids: a registry (its connection, or a base URL in tests; looked
 * up, registered when missing), the confluent-schema-registry client, or your own lookup (tests,
 * pre-pushed id tables).
 */
export type SchemaIdSource = string | RegistryConnection | SchemaRegistry | SchemaIdLookup;

const typeCache = new WeakMap<object, avsc.Type>();

/** avsc Type of a schema object, cached per object. */
export function typeOf(schema: object): avsc.Type {
  let t = typeCache.get(schema);
  if (!t) {
    t = avroType(schema);
    typeCache.set(schema, t);
  }
  return t;
}

const idCacheByUrl = new Map<string, Map<string, Promise<number>>>();
const idCacheByObject = new WeakMap<object, Map<string, Promise<number>>>();

function idCache(source: SchemaIdSource): Map<string, Promise<number>> {
  if (typeof source === 'string' || isRegistryConnection(source)) {
    // Ids belong to the registry, whoever asks: one cache per base URL.
    const url = registryConnection(source).url;
    let c = idCacheByUrl.get(url);
    if (!c) idCacheByUrl.set(url, (c = new Map()));
    return c;
  }
  let c = idCacheByObject.get(source);
  if (!c) idCacheByObject.set(source, (c = new Map()));
  return c;
}

/** Looks the schema up under its subject; registers it (a new version) when the registry lacks it. */
/** A 401, 403, 408 or 429 is no verdict on the schema: retriable, so a source answers "try later". */
function notNow(reply: RegistryReply, url: string, subject: string): void {
  if (!isTransientRefusal(reply.status)) return;
  throw new CrossdockError(
    'CD_E_REGISTRY_UNAVAILABLE',
    `schema registry at ${url} answered ${reply.status} for ${subject}: ${registryMessage(reply.body)}`,
    {
      retriable: true,
      details: {
        subject,
        status: reply.status,
        ...(reply.retryAfterMs !== undefined ? { retryAfterMs: reply.retryAfterMs } : {}),
      },
    },
  );
}

export async function schemaIdByUrl(
  registry: RegistryTarget,
  subject: string,
  schema: object,
): Promise<number> {
  const url = registryConnection(registry).url;
  const body = { schema: JSON.stringify(schema) };
  const s = encodeURIComponent(subject);
  const found = await registryRequest(registry, 'POST', `/subjects/${s}`, body);
  if (found.status === 200) return (found.body as { id: number }).id;
  notNow(found, url, subject);
  const reg = await registryRequest(registry, 'POST', `/subjects/${s}/versions`, body);
  if (reg.status === 200) return (reg.body as { id: number }).id;
  notNow(reg, url, subject);
  const code = reg.status === 409 ? 'CD_E_SCHEMA_INCOMPATIBLE' : 'CD_E_REGISTRY_REJECTED';
  throw new CrossdockError(
    code,
    `registry refused the schema for ${subject} (${reg.status}): ${registryMessage(reg.body)}`,
    { details: { subject, status: reg.status, body: reg.body } },
  );
}

/** The registry's own message from an error body. */
export function registryMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body)
    return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body);
}

async function lookupId(
  source: SchemaIdSource,
  entry: CatalogEntry,
  version: CatalogVersion,
): Promise<number> {
  if (typeof source === 'function') return source(entry.subject, version);
  if (typeof source === 'string' || isRegistryConnection(source))
    return schemaIdByUrl(source, entry.subject, version.schema);
  try {
    return await source.getRegistryIdBySchema(entry.subject, version.schema as never);
  } catch {
    const { id } = await source.register(version.schema as never, {
      subject: entry.subject,
      compatibility: entry.compatibility as never,
    });
    return id;
  }
}

/** Why a value fails its type, one line per bad field path. */
export function explainInvalid(type: avsc.Type, value: unknown): Array<{ path: string; reason: string }> {
  const out: Array<{ path: string; reason: string }> = [];
  type.isValid(value, {
    errorHook: (p: string[], v: unknown, t: avsc.Type) => {
      let reason: string;
      try {
        (t as unknown as { _toValue?: (x: unknown) => unknown })._toValue?.(v);
        reason = '';
      } catch (err) {
        reason = err instanceof AvroValueError ? err.message : '';
      }
      if (!reason) {
        if (t.typeName === 'long' || t.typeName === 'abstract:long') {
          reason =
            typeof v === 'number' && Number.isInteger(v)
              ? `long ${v} is beyond ±(2^53−1); refused instead of rounded`
              : `expected an integer, got ${JSON.stringify(v)}`;
        } else
          reason = `expected ${t.typeName}${t.name ? ` ${t.name}` : ''}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`;
      }
      out.push({ path: p.join('.') || '(root)', reason });
    },
  });
  return out;
}

/**
 * Encodes an event as Confluent-framed Avro with the schema of `version` (default: the newest
 * active version), getting the schema id from `ids`. Throws CD_E_EVENT_INVALID with each bad
 * field path when the event does not match.
 */
export async function encodeEvent(
  ids: SchemaIdSource,
  entry: CatalogEntry,
  version: number | undefined,
  event: Record<string, unknown>,
): Promise<Buffer> {
  const v = entryVersion(entry, version);
  const type = typeOf(v.schema);
  let payload: Buffer;
  try {
    payload = type.toBuffer(event);
  } catch (err) {
    const problems = explainInvalid(type, event);
    const first = problems[0];
    throw new CrossdockError(
      'CD_E_EVENT_INVALID',
      `${entry.eventType} v${v.version} event does not match its schema: ${first ? `${first.path}: ${first.reason}` : (err as Error).message}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
      {
        cause: err,
        details: { eventType: entry.eventType, version: v.version, problems },
      },
    );
  }
  const cache = idCache(ids);
  const key = `${entry.subject}@${v.version}`;
  let id = cache.get(key);
  if (!id) {
    id = lookupId(ids, entry, v);
    cache.set(key, id);
    id.catch(() => cache.delete(key));
  }
  return frame(await id, payload);
}

export interface DecodedEvent {
  schemaId: number;
  /** Record full name of the writer schema (the RecordNameStrategy subject). */
  subject: string | undefined;
  /** Catalog entry of the subject, when a catalog was given and knows it. */
  entry?: CatalogEntry;
  /** Catalog version whose schema the writer used (matched by Avro fingerprint), if any. */
  version?: number;
  /** The decoded event (logical types as documented in core/avro.ts). */
  event: Record<string, unknown>;
}

export interface DecodeOptions {
  /** Looks the subject up here to fill `entry` and `version`. */
  catalog?: Catalog;
  /**
   * Read into this catalog version instead of the writer's schema (Avro schema resolution);
   * 'current' = the newest active version. Needs `catalog`. @defaultValue the writer's schema
   */
  readAs?: number | 'current';
  /**
   * Reads only `metadata` and these top-level fields of the writer's schema (the others are
   * skipped, not decoded), given the event's catalog entry (undefined: not in the catalog); a
   * result of undefined reads the whole event. Ignored with `readAs`. For readers that need a few
   * fields of many events (the flow tracker). @defaultValue the whole event
   */
  fields?: (entry: CatalogEntry | undefined) => readonly string[] | undefined;
}

// Projections of a writer type on some of its top-level fields, by writer type and field list
// (the list's contents; and by the list itself, which callers usually pass again per event).
const projections = new WeakMap<avsc.Type, Map<string, avsc.Type | null>>();
const projectionsByList = new WeakMap<avsc.Type, WeakMap<readonly string[], avsc.Type | null>>();
/**
 * The writer's record type with only `metadata` and `fields` (same names and field types, so it
 * resolves against the writer), or null when there is nothing to leave out or a field kept refers
 * to a named type defined in a field left out (then the whole event is read).
 */
function projectionOf(writer: avsc.Type, fields: readonly string[]): avsc.Type | null {
  let byList = projectionsByList.get(writer);
  if (!byList) projectionsByList.set(writer, (byList = new WeakMap()));
  let t = byList.get(fields);
  if (t === undefined) byList.set(fields, (t = projectionByContents(writer, fields)));
  return t;
}

function projectionByContents(writer: avsc.Type, fields: readonly string[]): avsc.Type | null {
  let byFields = projections.get(writer);
  if (!byFields) projections.set(writer, (byFields = new Map()));
  const id = fields.join('\u0000');
  let t = byFields.get(id);
  if (t === undefined) {
    t = null;
    const schema = writer.schema({ exportAttrs: true }) as {
      type?: string;
      fields?: Array<{ name: string }>;
    };
    const keep = new Set(['metadata', ...fields]);
    if (schema.type === 'record' && schema.fields && schema.fields.some((f) => !keep.has(f.name)))
      try {
        t = avroType({ ...schema, fields: schema.fields.filter((f) => keep.has(f.name)) });
      } catch {
        t = null;
      }
    byFields.set(id, t);
  }
  return t;
}

// Building a resolver walks both schemas; both types are cached, so cache the pair too.
const resolvers = new WeakMap<avsc.Type, WeakMap<avsc.Type, avsc.Resolver>>();
function resolverFor(reader: avsc.Type, writer: avsc.Type): avsc.Resolver {
  let byWriter = resolvers.get(reader);
  if (!byWriter) resolvers.set(reader, (byWriter = new WeakMap()));
  let r = byWriter.get(writer);
  if (!r) byWriter.set(writer, (r = reader.createResolver(writer)));
  return r;
}

// Fingerprints (Avro parsing canonical form) per Type: the resolver caches one Type per schema id.
const fingerprints = new WeakMap<avsc.Type, string>();
function fingerprintOf(type: avsc.Type): string {
  let f = fingerprints.get(type);
  if (!f) fingerprints.set(type, (f = type.fingerprint('sha256').toString('hex')));
  return f;
}

/** The catalog version of `entry` whose schema is the writer's (same canonical form), if any. */
// The catalog version of a writer type, by writer type and catalog entry (an entry is replaced,
// not changed, when the catalog is published again).
const writerVersions = new WeakMap<avsc.Type, WeakMap<CatalogEntry, { version: number | undefined }>>();
function versionOfWriter(entry: CatalogEntry, writer: avsc.Type): number | undefined {
  let byEntry = writerVersions.get(writer);
  if (!byEntry) writerVersions.set(writer, (byEntry = new WeakMap()));
  let v = byEntry.get(entry);
  if (!v) {
    const fp = fingerprintOf(writer);
    v = { version: entry.versions.find((x) => fingerprintOf(typeOf(x.schema)) === fp)?.version };
    byEntry.set(entry, v);
  }
  return v.version;
}

/**
 * The catalog version a registry schema id is (the `v<N>` of its .avsc file, what `schemas list`
 * and `dlq show` call the version; the registry's own version numbers within a subject may differ).
 * Undefined when the subject is not in the catalog or the schema is none of its versions; throws
 * the resolver's errors (CD_E_UNKNOWN_SCHEMA_ID, retriable CD_E_REGISTRY_UNAVAILABLE).
 */
export async function catalogVersionOfSchemaId(
  resolver: SchemaResolver,
  schemaId: number,
  catalog: Pick<Catalog, 'bySubject'>,
): Promise<number | undefined> {
  const writer = await resolver.getSchemaById(schemaId);
  const entry = writer.subject ? catalog.bySubject(writer.subject) : undefined;
  return entry ? versionOfWriter(entry, writer.type) : undefined;
}

/**
 * Decodes Confluent-framed Avro. CD_E_BAD_FRAMING when the framing is wrong, CD_E_UNKNOWN_SCHEMA_ID
 * or CD_E_REGISTRY_UNAVAILABLE from the resolver, CD_E_UNDECODABLE_EVENT when the body does not
 * decode (or cannot be read as `readAs`).
 */
export async function decodeEvent(
  resolver: SchemaResolver,
  bytes: Buffer,
  options: DecodeOptions = {},
): Promise<DecodedEvent> {
  const framed = unframe(bytes);
  if (!framed) {
    throw new CrossdockError(
      'CD_E_BAD_FRAMING',
      `message is not Confluent-framed Avro (${bytes.length} bytes, first byte ${bytes[0] ?? 'none'})`,
      { details: { length: bytes.length } },
    );
  }
  const writer = await resolver.getSchemaById(framed.schemaId);
  const entry = writer.subject ? options.catalog?.bySubject(writer.subject) : undefined;
  const version = entry ? versionOfWriter(entry, writer.type) : undefined;
  try {
    let event: Record<string, unknown>;
    if (options.readAs !== undefined) {
      if (!entry)
        throw new Error(
          `subject ${writer.subject ?? '(none)'} is not in the catalog, cannot read it as a catalog version`,
        );
      const reader = typeOf(
        entryVersion(entry, options.readAs === 'current' ? undefined : options.readAs).schema,
      );
      event = reader.fromBuffer(framed.payload, resolverFor(reader, writer.type)) as Record<string, unknown>;
    } else {
      const fields = options.fields?.(entry);
      const projection = fields ? projectionOf(writer.type, fields) : null;
      event = (
        projection
          ? projection.fromBuffer(framed.payload, resolverFor(projection, writer.type))
          : writer.type.fromBuffer(framed.payload)
      ) as Record<string, unknown>;
    }
    return {
      schemaId: framed.schemaId,
      subject: writer.subject,
      ...(entry ? { entry } : {}),
      ...(version !== undefined ? { version } : {}),
      event,
    };
  } catch (err) {
    if (isCrossdockError(err)) throw err;
    throw new CrossdockError(
      'CD_E_UNDECODABLE_EVENT',
      `message with schema id ${framed.schemaId} (${writer.subject ?? 'unnamed'}) does not decode: ${(err as Error).message}`,
      {
        cause: err,
        details: { schemaId: framed.schemaId, subject: writer.subject },
      },
    );
  }
}
