/**
 * One realistic example event per event type, in JSON form (schemas/<domain>/<EventType>/
 * example.json, of the current version): for docs, tests and the SDK's quick start. The JSON form
 * encodes as it is (decimals as strings, timestamps as ISO 8601 strings; see core/avro.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import { loadCatalog, SCHEMAS_DIR, type Catalog } from './catalog';

export interface ExampleOptions {
  /** Give the copy a new random metadata.eventId (so duplicate detection does not drop it). @defaultValue true */
  freshEventId?: boolean;
  /** @defaultValue loadCatalog() */
  catalog?: Catalog;
}

/** A deep copy of the example event of `eventType`. */
export function exampleEvent(eventType: string, options: ExampleOptions = {}): Record<string, unknown> {
  const catalog = options.catalog ?? loadCatalog(SCHEMAS_DIR);
  const entry = catalog.byEventType(eventType);
  if (!entry)
    throw new CrossdockError('CD_E_UNKNOWN_EVENT_TYPE', `${eventType} is not in the catalog`, {
      details: { eventType },
    });
  const file = path.join(catalog.dir, entry.domain, entry.eventType, 'example.json');
  const event = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & {
    metadata: Record<string, unknown>;
  };
  if (options.freshEventId !== false) event.metadata.eventId = crypto.randomUUID();
  return event;
}
