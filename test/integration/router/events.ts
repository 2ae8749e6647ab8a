import crypto from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { businessKey, encodeEvent, entryVersion, loadCatalog, type CatalogEntry } from '../../../schemas';

/**
 * Test and benchmark events: a valid value for any catalog schema, built by walking the Avro
 * schema (so new event types need no code here), then given real metadata and a business key.
 */

type S = unknown;

function sampleOf(schema: S, named: Map<string, S>, seed: number): unknown {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'string':
        return `s${seed}`;
      case 'int':
      case 'long':
        return seed % 1000;
      case 'float':
      case 'double':
        return 1.5;
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'bytes':
        return Buffer.from('x');
      default:
        return sampleOf(named.get(schema), named, seed);
    }
  }
  if (Array.isArray(schema)) return sampleOf(schema.find((b) => b !== 'null') ?? 'null', named, seed);
  const o = schema as Record<string, unknown>;
  if (o.logicalType === 'decimal') return (1 + (seed % 500)).toFixed(Number(o.scale ?? 0));
  if (o.logicalType === 'timestamp-millis') return new Date(Date.UTC(2026, 10, 1) + seed * 1000);
  if (o.logicalType === 'date') return '2026-12-01';
  if (o.logicalType === 'uuid') return crypto.randomUUID();
  switch (o.type) {
    case 'record': {
      const full = String(o.name).includes('.')
        ? String(o.name)
        : `${String(o.namespace ?? '')}.${String(o.name)}`;
      named.set(full, o);
      named.set(String(o.name), o);
      const out: Record<string, unknown> = {};
      for (const f of o.fields as Array<{ name: string; type: S }>) {
        // Plausible codes where a rule or a reader looks at them.
        if (f.type === 'string' && /currency$/i.test(f.name)) out[f.name] = 'USD';
        else if (f.type === 'string' && /countryCode$/i.test(f.name)) out[f.name] = 'US';
        else out[f.name] = sampleOf(f.type, named, seed);
      }
      return out;
    }
    case 'enum':
      named.set(String(o.name), o);
      return (o.symbols as string[])[(o.symbols as string[]).length > 1 ? 1 : 0];
    case 'array':
      return [sampleOf(o.items, named, seed), sampleOf(o.items, named, seed + 1)];
    case 'map':
      return { a: sampleOf(o.values, named, seed) };
    case 'fixed':
      return Buffer.alloc(Number(o.size));
    default:
      return sampleOf(o.type, named, seed);
  }
}

export function entry(eventType: string): CatalogEntry {
  const e = loadCatalog().byEventType(eventType);
  if (!e) throw new Error(`no ${eventType} in the catalog`);
  return e;
}

export interface SampleOptions {
  eventType?: string;
  version?: number;
  siteId?: string;
  eventId?: string;
  seed?: number;
  occurredAt?: Date;
  /** Applied to the event after it is built. */
  patch?: (event: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sampleEvent(o: SampleOptions = {}): Record<string, any> {
  const e = entry(o.eventType ?? 'OrderReleased');
  const v = entryVersion(e, o.version);
  const seed = o.seed ?? crypto.randomInt(1_000_000);
  const event = sampleOf(v.schema, new Map(), seed) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  event.metadata = {
    eventId: o.eventId ?? crypto.randomUUID(),
    eventType: e.eventType,
    occurredAt: o.occurredAt ?? new Date(Date.now() - 60_000),
    siteId: o.siteId ?? 'us-chi',
    sourceSystem: 'test-wms',
    correlationId: `corr-${seed}`,
    causationId: null,
  };
  o.patch?.(event);
  return event;
}

/** CloudEvents headers (binary mode) consistent with the event. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ceHeaders(e: CatalogEntry, event: Record<string, any>): IHeaders {
  return {
    ce_specversion: '1.0',
    ce_id: event.metadata.eventId,
    ce_type: e.eventType,
    ce_source: `/sites/${event.metadata.siteId}`,
    ce_time: (event.metadata.occurredAt as Date).toISOString(),
    'content-type': 'application/avro',
    traceparent: `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-01`,
  };
}

export interface WireEvent {
  key: string;
  value: Buffer;
  headers: IHeaders;
  event: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A ready-to-produce record: framed Avro, business key, CloudEvents headers. */
export async function wireEvent(registryUrl: string, o: SampleOptions = {}): Promise<WireEvent> {
  const e = entry(o.eventType ?? 'OrderReleased');
  const event = sampleEvent(o);
  let key: string;
  try {
    key = businessKey(e, event);
  } catch {
    key = `no-business-key-${crypto.randomUUID()}`; // for records that must lack one
  }
  return {
    key,
    value: await encodeEvent(registryUrl, e, o.version, event),
    headers: ceHeaders(e, event),
    event,
  };
}
