import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Segments } from './validate';

/**
 * Checks ajv cannot make: names that must be unique, and names that must refer to something
 * declared elsewhere in the file. Runs on a document that already passed the schema.
 */

interface RawDoc {
  sites: Array<{ id: string; country: string; groups?: string[] }>;
  subscribers: Array<{ id: string }>;
  routes: Array<{ name: string; to: string[]; match: { sites?: string[]; countries?: string[]; groups?: string[] } }>;
  rules?: Record<string, Array<{ name: string; schema: Record<string, unknown> }>>;
}

export function crossReferenceProblems(doc: RawDoc): Array<{ segments: Segments; message: string }> {
  const out: Array<{ segments: Segments; message: string }> = [];
  const dupes = (items: Array<{ key: string; at: Segments }>, what: string) => {
    const first = new Map<string, Segments>();
    for (const { key, at } of items) {
      const prev = first.get(key);
      if (prev) out.push({ segments: at, message: `duplicate ${what} "${key}" (first at ${prev.join('.')})` });
      else first.set(key, at);
    }
  };
  dupes(doc.sites.map((s, i) => ({ key: s.id, at: ['sites', i, 'id'] })), 'site id');
  dupes(doc.subscribers.map((s, i) => ({ key: s.id, at: ['subscribers', i, 'id'] })), 'subscriber id');
  dupes(doc.routes.map((r, i) => ({ key: r.name, at: ['routes', i, 'name'] })), 'route name');

  const siteIds = new Set(doc.sites.map((s) => s.id));
  const subscriberIds = new Set(doc.subscribers.map((s) => s.id));
  const countries = new Set(doc.sites.map((s) => s.country));
  const groups = new Set(doc.sites.flatMap((s) => s.groups ?? []));
  doc.routes.forEach((r, i) => {
    r.to.forEach((id, j) => {
      if (!subscriberIds.has(id)) out.push({ segments: ['routes', i, 'to', j], message: `names subscriber "${id}", which is not declared in subscribers` });
    });
    r.match.sites?.forEach((id, j) => {
      if (!siteIds.has(id)) out.push({ segments: ['routes', i, 'match', 'sites', j], message: `names site "${id}", which is not declared in sites` });
    });
    r.match.countries?.forEach((c, j) => {
      if (!countries.has(c)) out.push({ segments: ['routes', i, 'match', 'countries', j], message: `no declared site is in country "${c}"` });
    });
    r.match.groups?.forEach((g, j) => {
      if (!groups.has(g)) out.push({ segments: ['routes', i, 'match', 'groups', j], message: `no declared site is in group "${g}"` });
    });
  });

  // A rule's schema must itself compile, or the router would fail on the first event of that type.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  addFormats(ajv);
  for (const [type, rules] of Object.entries(doc.rules ?? {})) {
    dupes(rules.map((r, i) => ({ key: r.name, at: ['rules', type, i, 'name'] })), `rule name for ${type}`);
    rules.forEach((rule, i) => {
      try {
        ajv.compile(rule.schema);
      } catch (err) {
        out.push({ segments: ['rules', type, i, 'schema'], message: `is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }
  return out;
}
