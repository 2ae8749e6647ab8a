/**
 * The published catalog: what `crossdock schemas push` writes to the compacted topic
 * `<prefix>.catalog` (core/names/topics.ts) and what routers and connectors follow
 * (schemas/follow.ts). Pure data and functions; no Kafka here.
 *
 * Record: key `catalog` (one key, so compaction keeps only the latest), value the JSON of a
 * CatalogDocument — every entry of catalog.yaml with its versions (status, dates, standalone schema)
 * and key fields, as loadCatalog() gives them. A whole catalog per record: a follower never sees
 * half of a push.
 */
import { CrossdockError } from '../core/errors';
import type { CatalogEntry, CatalogVersion, VersionStatus } from './catalog';

/** Key of the one record kind on the catalog topic. */
export const CATALOG_RECORD_KEY = 'catalog';
export const CATALOG_FORMAT = 1;

export interface CatalogDocument {
  format: typeof CATALOG_FORMAT;
  /** ISO time of the push. */
  publishedAt: string;
  /** Who pushed, for people reading the topic (host, user, folder). */
  publishedBy?: string;
  entries: CatalogEntry[];
}

export function catalogDocument(
  entries: readonly CatalogEntry[],
  publishedAt: Date,
  publishedBy?: string,
): CatalogDocument {
  return {
    format: CATALOG_FORMAT,
    publishedAt: publishedAt.toISOString(),
    ...(publishedBy ? { publishedBy } : {}),
    entries: entries.map((e) => structuredClone(e)),
  };
}

const STATUSES: readonly VersionStatus[] = ['active', 'deprecated', 'retired'];

function invalid(why: string): CrossdockError {
  return new CrossdockError('CD_E_CATALOG_INVALID', `the published catalog record is not usable: ${why}`, {
    details: { why },
  });
}

/**
 * Reads a catalog record's value. Throws CD_E_CATALOG_INVALID when it is not a catalog document of
 * a format this version knows (a follower then keeps the catalog it had).
 */
export function parseCatalogDocument(value: Buffer | string): CatalogDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  const d = doc as Partial<CatalogDocument> | null;
  if (!d || typeof d !== 'object') throw invalid('not an object');
  if (d.format !== CATALOG_FORMAT)
    throw invalid(`format ${String(d.format)}, this hub reads ${CATALOG_FORMAT}`);
  if (typeof d.publishedAt !== 'string') throw invalid('no publishedAt');
  if (!Array.isArray(d.entries)) throw invalid('no entries');
  d.entries.forEach((e: Partial<CatalogEntry>, i) => {
    const where = `entries[${i}]`;
    if (typeof e?.eventType !== 'string' || typeof e.subject !== 'string')
      throw invalid(`${where} has no eventType or subject`);
    if (!Array.isArray(e.keyFields) || e.keyFields.some((k) => typeof k !== 'string'))
      throw invalid(`${where} (${e.eventType}) keyFields is not a list of paths`);
    if (!Array.isArray(e.versions)) throw invalid(`${where} (${e.eventType}) has no versions`);
    e.versions.forEach((v: Partial<CatalogVersion>, j) => {
      if (
        typeof v?.version !== 'number' ||
        !STATUSES.includes(v.status as VersionStatus) ||
        typeof v.schema !== 'object' ||
        v.schema === null
      )
        throw invalid(`${where}.versions[${j}] (${e.eventType}) needs version, status and schema`);
    });
    e.personalDataFields ??= [];
    e.compatibility ??= 'BACKWARD';
  });
  return d as CatalogDocument;
}

/** One difference between two catalogs, for the log line of a change. */
export interface CatalogChange {
  eventType: string;
  /** undefined for a change of the entry itself (added, removed, key fields). */
  version?: number;
  change: 'added' | 'removed' | 'status' | 'schema' | 'keyFields';
  from?: string;
  to?: string;
}

/** What changed from `before` to `after`, by event type and version (sorted, stable). */
export function diffCatalogs(
  before: readonly CatalogEntry[],
  after: readonly CatalogEntry[],
): CatalogChange[] {
  const out: CatalogChange[] = [];
  const old = new Map(before.map((e) => [e.eventType, e]));
  const now = new Map(after.map((e) => [e.eventType, e]));
  for (const type of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(type);
    const b = now.get(type);
    if (!a) {
      out.push({ eventType: type, change: 'added' });
      for (const v of b!.versions)
        out.push({ eventType: type, version: v.version, change: 'added', to: v.status });
      continue;
    }
    if (!b) {
      out.push({ eventType: type, change: 'removed' });
      continue;
    }
    if (a.keyFields.join(',') !== b.keyFields.join(','))
      out.push({
        eventType: type,
        change: 'keyFields',
        from: a.keyFields.join(','),
        to: b.keyFields.join(','),
      });
    const av = new Map(a.versions.map((v) => [v.version, v]));
    const bv = new Map(b.versions.map((v) => [v.version, v]));
    for (const n of [...new Set([...av.keys(), ...bv.keys()])].sort((x, y) => x - y)) {
      const x = av.get(n);
      const y = bv.get(n);
      if (!x) out.push({ eventType: type, version: n, change: 'added', to: y!.status });
      else if (!y) out.push({ eventType: type, version: n, change: 'removed', from: x.status });
      else {
        if (x.status !== y.status)
          out.push({ eventType: type, version: n, change: 'status', from: x.status, to: y.status });
        if (JSON.stringify(x.schema) !== JSON.stringify(y.schema))
          out.push({ eventType: type, version: n, change: 'schema' });
      }
    }
  }
  return out;
}

/** `OrderReleased v3 added (active)`, `OrderReleased v1 deprecated → retired`, one per change. */
export function describeChange(c: CatalogChange): string {
  const what = c.version === undefined ? c.eventType : `${c.eventType} v${c.version}`;
  if (c.change === 'status') return `${what} ${c.from} → ${c.to}`;
  if (c.change === 'keyFields') return `${what} key fields ${c.from} → ${c.to}`;
  if (c.change === 'schema') return `${what} schema changed`;
  return `${what} ${c.change}${c.to ? ` (${c.to})` : c.from ? ` (was ${c.from})` : ''}`;
}
