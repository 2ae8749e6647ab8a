/**
 * schemas: the canonical event catalog and its governance.
 *
 * Contract for the other parts (router, connectors, SDK):
 * - `loadCatalog()` reads schemas/catalog.yaml and the .avsc files (sync, cached per folder) and
 *   throws CD_E_CATALOG_INVALID when they do not load. An entry's `subject` is the record full
 *   name `com.crossdock.<domain>.<EventType>` (RecordNameStrategy), its `versions` are oldest
 *   first, and each version's `schema` is standalone (shared types inlined): exactly what the
 *   registry holds.
 * - Every event record's first field is `metadata` (com.crossdock.common.EventMetadata): eventId
 *   (uuid string), eventType, occurredAt (Date), siteId, sourceSystem, correlationId, causationId
 *   (string or null). So `event.metadata.siteId` is the publishing site.
 * - `businessKey(entry, event)` is the Kafka key: keyFields values joined with '|' ('|' and '\'
 *   inside values escaped with '\'); see key.ts.
 * - Values follow core/avro.ts: decimals are exact strings ("1234.50"), timestamp-millis are Dates,
 *   dates 'YYYY-MM-DD', uuids strings, longs numbers within ±(2^53−1). `toJsonSafe()` gives JSON.
 * - `encodeEvent(ids, entry, version, event)` → Confluent-framed bytes (version undefined = the
 *   newest active); `decodeEvent(resolver, bytes, { catalog })` → the event plus its entry/version.
 * - `EventMetadata`, `CanonicalEvents` and `CanonicalEventInputs` are the TypeScript types generated
 *   from the schemas (schemas/generated/events.ts, `npm run gen:types`); `EVENT_SUBJECTS` maps each
 *   event type to its subject.
 * - The published catalog (schemas/published.ts, schemas/follow.ts): `schemas push` writes the
 *   whole catalog to `<prefix>.catalog`; `followCatalog()` gives a process the latest one while it
 *   runs (the shipped files while nobody pushed). schemas/catalog.lock.json pins the fingerprint of
 *   every published version (schemas/lock.ts); `schemas check` refuses an in-place edit.
 * - `personalDataFields` lists paths of fields marked `"pii": true` ('shipTo.email', arrays as
 *   'lines[].name'); `maskPersonalData(entry, event)` returns a copy with them replaced by '***'.
 */
export {
  loadCatalog,
  readCatalog,
  makeCatalog,
  currentVersion,
  entryVersion,
  personalDataPaths,
  SCHEMAS_DIR,
  METADATA_TYPE,
  type Catalog,
  type CatalogEntry,
  type CatalogVersion,
  type Compatibility,
  type Tier,
  type VersionStatus,
  type Problem,
} from './catalog';
export { businessKey, readPath, KEY_SEPARATOR } from './key';
export {
  encodeEvent,
  decodeEvent,
  catalogVersionOfSchemaId,
  explainInvalid,
  typeOf,
  type SchemaIdSource,
  type SchemaIdLookup,
  type DecodedEvent,
  type DecodeOptions,
} from './codec';
export { exampleEvent, type ExampleOptions } from './examples';
export { maskPersonalData, MASK } from './mask';
export { checkSchemas, formatProblems, type CheckResult } from './check';
export {
  pushSchemas,
  listSchemas,
  type PushOptions,
  type PushedSubject,
  type PushedVersion,
  type ListedEntry,
  type ListedVersion,
} from './push';
export { renderEventsMd } from './docs';
export {
  followCatalog,
  publishCatalog,
  ensureCatalogTopic,
  CATALOG_TOPIC_CONFIG,
  type CatalogFollower,
  type FollowCatalogOptions,
  type PublishCatalogOptions,
} from './follow';
export {
  catalogDocument,
  parseCatalogDocument,
  diffCatalogs,
  describeChange,
  CATALOG_RECORD_KEY,
  type CatalogDocument,
  type CatalogChange,
} from './published';
export { LOCK_FILE, readLock, lockOf, compareWithLock, writeLock, type CatalogLock } from './lock';
export {
  EVENT_SUBJECTS,
  type EventMetadata,
  type EventTypeName,
  type CanonicalEvents,
  type CanonicalEventInputs,
} from './generated/events';
export { SCHEMA_CODES } from './codes';
export { SCHEMAS_LOG_EVENTS } from './log-events';
