/**
 * What the soak's hub is made of: three HTTP sites, three webhook subscribers, and routes that
 * select one or two subscribers per event. The hub configuration is rendered from this, and the
 * harness reads the same routes with its own small matcher (not the router's code) to know, from
 * the outside, which subscribers each accepted event must reach.
 */
export interface ChaosSite {
  id: string;
  country: string;
  timezone: string;
  groups: string[];
  /** The site's sample body (sites/<id>/samples/...), varied per event. */
  sample: string;
  /** Field of the sample holding the order number (the business key). */
  orderField: string;
  /** Object holding the customer name, varied per event so no two bodies are alike. */
  customerField: string;
  /** Prefix of generated order numbers. */
  orderPrefix: string;
  /** The sample is an array of one record (us-nwk posts arrays). */
  array: boolean;
}

export interface ChaosRoute {
  name: string;
  match: { eventTypes?: string[]; countries?: string[]; groups?: string[] };
  to: string[];
}

/** Every event the sites post is an OrderReleased. */
export const EVENT_TYPE = 'OrderReleased';

export const SITES: readonly ChaosSite[] = [
  {
    id: 'us-chi',
    country: 'US',
    timezone: 'America/Chicago',
    groups: ['us-central'],
    sample: 'order-released.input.json',
    orderField: 'orderNumber',
    customerField: 'customer',
    orderPrefix: 'CHI',
    array: false,
  },
  {
    id: 'us-nwk',
    country: 'US',
    timezone: 'America/New_York',
    groups: ['us-east'],
    sample: 'order-released.input.json',
    orderField: 'orderNo',
    customerField: 'customer',
    orderPrefix: 'NWK',
    array: true,
  },
  {
    id: 'mx-mty',
    country: 'MX',
    timezone: 'America/Monterrey',
    groups: ['mexico'],
    sample: 'pedido-liberado.input.json',
    orderField: 'pedido',
    customerField: 'cliente',
    orderPrefix: 'MTY',
    array: false,
  },
];

export const SUBSCRIBERS = ['erp', 'tms', 'finance'] as const;

export const ROUTES: readonly ChaosRoute[] = [
  { name: 'orders-to-erp', match: { eventTypes: [EVENT_TYPE] }, to: ['erp'] },
  { name: 'us-transport', match: { eventTypes: [EVENT_TYPE], countries: ['US'] }, to: ['tms'] },
  { name: 'mexico-finance', match: { groups: ['mexico'] }, to: ['finance'] },
];

/** Subscribers the routes select for an event of `eventType` from `site` (sorted, distinct). */
export function selectedSubscribers(
  site: Pick<ChaosSite, 'country' | 'groups'>,
  eventType: string,
  routes: readonly ChaosRoute[] = ROUTES,
): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    const m = r.match;
    if (m.eventTypes && !m.eventTypes.includes(eventType)) continue;
    if (m.countries && !m.countries.includes(site.country)) continue;
    if (m.groups && !m.groups.some((g) => site.groups.includes(g))) continue;
    r.to.forEach((s) => out.add(s));
  }
  return [...out].sort();
}
