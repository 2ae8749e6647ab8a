import {
  currentVersion,
  encodeEvent,
  explainInvalid,
  businessKey,
  loadCatalog,
  typeOf,
  type Catalog,
  type SchemaIdSource,
} from '../../schemas';
import type { EventCodec } from './prepare';

export interface CatalogCodecOptions {
  /** Where schema ids come from: the registry URL (looked up, registered when missing), a client or a lookup. */
  ids: SchemaIdSource;
  /** @defaultValue loadCatalog() (the repo's schemas/) */
  catalog?: Catalog;
}

/**
 * The EventCodec of the source connectors on top of schemas/: the newest active version of each
 * event type, the catalog's business key, and Confluent-framed encoding.
 */
export function createCatalogCodec(options: CatalogCodecOptions): EventCodec {
  const catalog = options.catalog ?? loadCatalog();
  const active = catalog.entries.filter((e) => currentVersion(e) !== undefined);
  return {
    eventTypes: () => active.map((e) => e.eventType),
    lookup(eventType) {
      const entry = catalog.byEventType(eventType);
      if (!entry || !currentVersion(entry)) return undefined;
      return { subject: entry.subject, key: (event) => businessKey(entry, event) };
    },
    check(eventType, event) {
      const entry = catalog.byEventType(eventType);
      const v = entry && currentVersion(entry);
      if (!v) return [{ path: 'eventType', expected: 'a catalog event type', got: eventType }];
      return explainInvalid(typeOf(v.schema), event).map((p) => {
        const m = /^expected (.*), got (.*)$/.exec(p.reason);
        return m
          ? { path: p.path, expected: m[1]!, got: m[2]! }
          : { path: p.path, expected: p.reason, got: 'a value that does not fit' };
      });
    },
    encode(eventType, event) {
      const entry = catalog.byEventType(eventType);
      if (!entry) throw new Error(`unknown event type ${eventType}`);
      return encodeEvent(options.ids, entry, undefined, event);
    },
  };
}
