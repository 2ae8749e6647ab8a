import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { HUB_SITE_ID } from '../hub-site';
import { formatPath, type Segments } from './validate';

/**
 * Checks ajv cannot make: names that must be unique, and names that must refer to something
 * declared elsewhere in the file. Runs on a document that already passed the schema.
 */

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] =>
  Array.isArray(v) ? v.filter((x): x is Obj => typeof x === 'object' && x !== null) : [];
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Runs on any parsed document, valid or not, so its findings join the schema's in one report. */
export function crossReferenceProblems(raw: unknown): Array<{ segments: Segments; message: string }> {
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as Obj;
  const out: Array<{ segments: Segments; message: string }> = [];
  const dupes = (items: Array<{ key: string | undefined; at: Segments }>, what: string) => {
    const first = new Map<string, Segments>();
    for (const { key, at } of items) {
      if (key === undefined) continue;
      const prev = first.get(key);
      if (prev)
        out.push({ segments: at, message: `duplicate ${what} "${key}" (first at ${formatPath(prev)})` });
      else first.set(key, at);
    }
  };
  const sites = arr(doc.sites);
  const subscribers = arr(doc.subscribers);
  const routes = Array.isArray(doc.routes)
    ? (doc.routes as unknown[]).map((r) => (typeof r === 'object' && r !== null ? (r as Obj) : {}))
    : [];
  dupes(
    sites.map((s, i) => ({ key: str(s.id), at: ['sites', i, 'id'] })),
    'site id',
  );
  sites.forEach((s, i) => {
    if (s.id === HUB_SITE_ID)
      out.push({
        segments: ['sites', i, 'id'],
        message: `"${HUB_SITE_ID}" is reserved for the hub's own events (flow alerts on the flow.alerts topic): give the site another id`,
      });
  });
  dupes(
    subscribers.map((s, i) => ({ key: str(s.id), at: ['subscribers', i, 'id'] })),
    'subscriber id',
  );
  dupes(
    routes.map((r, i) => ({ key: str(r.name), at: ['routes', i, 'name'] })),
    'route name',
  );

  const siteIds = new Set(sites.map((s) => str(s.id)));
  const subscriberIds = new Set(subscribers.map((s) => str(s.id)));
  const countries = new Set(sites.map((s) => str(s.country)));
  const groups = new Set(sites.flatMap((s) => strs(s.groups)));
  routes.forEach((r, i) => {
    const match = (typeof r.match === 'object' && r.match !== null ? r.match : {}) as Obj;
    strs(r.to).forEach((id, j) => {
      if (!subscriberIds.has(id))
        out.push({
          segments: ['routes', i, 'to', j],
          message: `names subscriber "${id}", which is not declared in subscribers`,
        });
    });
    strs(match.sites).forEach((id, j) => {
      if (!siteIds.has(id))
        out.push({
          segments: ['routes', i, 'match', 'sites', j],
          message: `names site "${id}", which is not declared in sites`,
        });
    });
    strs(match.countries).forEach((c, j) => {
      if (!countries.has(c))
        out.push({
          segments: ['routes', i, 'match', 'countries', j],
          message: `no declared site is in country "${c}"`,
        });
    });
    strs(match.groups).forEach((g, j) => {
      if (!groups.has(g))
        out.push({
          segments: ['routes', i, 'match', 'groups', j],
          message: `no declared site is in group "${g}"`,
        });
    });
  });

  // A rule's schema must itself compile, or the router would fail on the first event of that type.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const rules = typeof doc.rules === 'object' && doc.rules !== null ? (doc.rules as Obj) : {};
  for (const [type, list] of Object.entries(rules)) {
    const items = arr(list);
    dupes(
      items.map((r, i) => ({ key: str(r.name), at: ['rules', type, i, 'name'] })),
      `rule name for ${type}`,
    );
    items.forEach((rule, i) => {
      if (typeof rule.schema !== 'object' || rule.schema === null) return;
      try {
        ajv.compile(rule.schema);
      } catch (err) {
        out.push({
          segments: ['rules', type, i, 'schema'],
          message: `is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });
  }
  return out;
}
