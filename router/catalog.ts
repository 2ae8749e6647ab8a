import { CrossdockError } from '../core/errors';
import type { ResolvedSchema } from '../core/registry';
import {
  businessKey,
  KEY_SEPARATOR,
  typeOf,
  type Catalog,
  type CatalogEntry,
  type VersionStatus,
} from '../schemas';

/**
 * What the router needs from the event catalog: for a schema the registry returned, which
 * event type and version it is, that version's status, and how to compute the business key.
 * Versions are recognised by the Avro canonical-form fingerprint (docs and custom attributes
 * do not count), so a schema the registry normalised still matches its catalog file.
 */
export interface SchemaIdentity {
  eventType: string;
  subject: string;
  version: number;
  status: VersionStatus;
  /** The catalog's business-key paths (schemas/key.ts). */
  keyFields: readonly string[];
  /** The business key of a decoded event; throws CD_E_MISSING_BUSINESS_KEY. */
  keyOf(event: Record<string, unknown>): string;
}

export type IdentifyResult =
  { ok: true; identity: SchemaIdentity } | { ok: false; code: string; message: string };

export interface RouterCatalog {
  identify(schema: ResolvedSchema): IdentifyResult;
}

function fingerprint(schema: object): string {
  return typeOf(schema).fingerprint('sha256').toString('hex');
}

/**
 * businessKey() for the hot path: the paths are split once, and a plain non-empty string part
 * (no `\\` or `|` to escape) is used as it is; anything else (a number, a Date, a value to
 * escape, a missing value and its error) goes through businessKey() itself, so the rule stays
 * the one in schemas/key.ts.
 */
function fastKeyOf(entry: CatalogEntry): (event: Record<string, unknown>) => string {
  const paths = entry.keyFields.map((f) => f.split('.'));
  return (event) => {
    let out = '';
    for (let i = 0; i < paths.length; i++) {
      let cur: unknown = event;
      for (const step of paths[i]!) {
        if (typeof cur !== 'object' || cur === null) {
          cur = undefined;
          break;
        }
        cur = (cur as Record<string, unknown>)[step];
      }
      if (typeof cur !== 'string' || cur === '' || cur.includes('\\') || cur.includes('|'))
        return businessKey(entry, event);
      out = i === 0 ? cur : `${out}${KEY_SEPARATOR}${cur}`;
    }
    return out;
  };
}

export function routerCatalog(catalog: Pick<Catalog, 'entries'>): RouterCatalog {
  const bySubject = new Map<
    string,
    { entry: CatalogEntry; versions: Map<string, { version: number; status: VersionStatus }> }
  >();
  for (const entry of catalog.entries) {
    const versions = new Map<string, { version: number; status: VersionStatus }>();
    for (const v of entry.versions)
      versions.set(fingerprint(v.schema), { version: v.version, status: v.status });
    bySubject.set(entry.subject, { entry, versions });
  }
  // The resolver caches one ResolvedSchema per id, so this is one fingerprint per schema id.
  const memo = new WeakMap<ResolvedSchema, IdentifyResult>();
  return {
    identify(schema) {
      const hit = memo.get(schema);
      if (hit) return hit;
      let res: IdentifyResult;
      const known = schema.subject ? bySubject.get(schema.subject) : undefined;
      if (!schema.subject) {
        res = {
          ok: false,
          code: 'CD_E_UNKNOWN_EVENT_TYPE',
          message: 'the schema is not a named Avro record, so it names no catalog subject',
        };
      } else if (!known) {
        res = {
          ok: false,
          code: 'CD_E_UNKNOWN_EVENT_TYPE',
          message: `subject ${schema.subject} is not in the event catalog`,
        };
      } else {
        const v = known.versions.get(schema.type.fingerprint('sha256').toString('hex'));
        const entry = known.entry;
        res = v
          ? {
              ok: true,
              identity: {
                eventType: entry.eventType,
                subject: entry.subject,
                version: v.version,
                status: v.status,
                keyFields: entry.keyFields,
                keyOf: fastKeyOf(entry),
              },
            }
          : {
              ok: false,
              code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
              message: `the schema registered for ${schema.subject} is none of its catalog versions`,
            };
      }
      memo.set(schema, res);
      return res;
    },
  };
}

/**
 * A RouterCatalog whose catalog can be replaced while the router runs (a push published a new one,
 * schemas/follow.ts). identify() always answers from the latest; the memo of the replaced one is
 * dropped with it, so a schema id unknown before is looked at again.
 */
export interface LiveRouterCatalog extends RouterCatalog {
  replace(catalog: Pick<Catalog, 'entries'>): void;
}

export function liveRouterCatalog(initial: Pick<Catalog, 'entries'>): LiveRouterCatalog {
  let current = routerCatalog(initial);
  return {
    identify: (schema) => current.identify(schema),
    replace(catalog) {
      current = routerCatalog(catalog);
    },
  };
}

/** For tests and tools: the same identity check, throwing. */
export function identifyOrThrow(catalog: RouterCatalog, schema: ResolvedSchema): SchemaIdentity {
  const r = catalog.identify(schema);
  if (!r.ok) throw new CrossdockError(r.code, r.message);
  return r.identity;
}
