import { unframe } from '../../core/avro';
import {
  currentVersion,
  encodeEvent,
  explainInvalid,
  businessKey,
  loadCatalog,
  typeOf,
  type Catalog,
  type CatalogEntry,
  type CatalogVersion,
  type SchemaIdSource,
} from '../../schemas';
import { onePassAgrees, setSchemaId, writeFramed } from './one-pass';
import type { EventCodec } from './prepare';

export interface CatalogCodecOptions {
  /** Where schema ids come from: the registry URL (looked up, registered when missing), a client or a lookup. */
  ids: SchemaIdSource;
  /** @defaultValue loadCatalog() (the repo's schemas/) */
  catalog?: Catalog;
}

/**
 * The EventCodec of the source connectors on top of schemas/: the newest active version of each
 * event type, the catalog's business key, and Confluent-framed encoding. `write` + `frameWritten`
 * are the one-pass pair (see one-pass.ts): the Avro body is written while checking, and the schema
 * id is set afterwards, so decimals and timestamps are converted once per event.
 */
export function createCatalogCodec(options: CatalogCodecOptions): EventCodec {
  const catalog = options.catalog ?? loadCatalog();
  const active = catalog.entries.filter((e) => currentVersion(e) !== undefined);
  // The catalog does not change while a codec lives: resolve each type's version once.
  const current = new Map<string, { entry: CatalogEntry; version: CatalogVersion }>();
  for (const entry of active) current.set(entry.eventType, { entry, version: currentVersion(entry)! });
  const keyOf = new Map(
    active.map((e) => [e.eventType, (event: Record<string, unknown>) => businessKey(e, event)]),
  );
  // Schema ids as encodeEvent resolves them (same source, same caching), read from its frame.
  const ids = new Map<string, Promise<number>>();
  const schemaId = (entry: CatalogEntry, event: Record<string, unknown>): Promise<number> => {
    let id = ids.get(entry.eventType);
    if (!id) {
      id = encodeEvent(options.ids, entry, undefined, event).then((b) => unframe(b)!.schemaId);
      ids.set(entry.eventType, id);
      id.catch(() => ids.delete(entry.eventType));
    }
    return id;
  };

  const check: EventCodec['check'] = (eventType, event) => {
    const v = current.get(eventType)?.version;
    if (!v) return [{ path: 'eventType', expected: 'a catalog event type', got: eventType }];
    return explainInvalid(typeOf(v.schema), event).map((p) => {
      const m = /^expected (.*), got (.*)$/.exec(p.reason);
      return m
        ? { path: p.path, expected: m[1]!, got: m[2]! }
        : { path: p.path, expected: p.reason, got: 'a value that does not fit' };
    });
  };
  return {
    eventTypes: () => active.map((e) => e.eventType),
    lookup(eventType) {
      const c = current.get(eventType);
      if (!c) return undefined;
      return { subject: c.entry.subject, key: keyOf.get(eventType)! };
    },
    check,
    write(eventType, event) {
      const v = current.get(eventType)?.version;
      if (!v) return { problems: check(eventType, event) };
      const type = typeOf(v.schema);
      if (!onePassAgrees(type)) return { problems: check(eventType, event) };
      try {
        return { problems: [], framed: writeFramed(type, event) };
      } catch {
        // Refused: explain why, with every path (the slow path, for bad input only). Should the
        // check find nothing, no bytes are returned and encode() reports the writer's error.
        return { problems: check(eventType, event) };
      }
    },
    async frameWritten(eventType, event, framed) {
      const c = current.get(eventType);
      if (!c) throw new Error(`unknown event type ${eventType}`);
      return setSchemaId(framed, await schemaId(c.entry, event));
    },
    encode(eventType, event) {
      const entry = catalog.byEventType(eventType);
      if (!entry) throw new Error(`unknown event type ${eventType}`);
      return encodeEvent(options.ids, entry, undefined, event);
    },
  };
}
