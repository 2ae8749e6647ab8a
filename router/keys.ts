/**
 * Redis keys of the router, built here and nowhere else. Each key carries its own hash tag
 * (`{cd:router:<eventId>}`) because the dedupe script touches exactly one key, so the keys
 * spread over a Redis Cluster and each script call stays in one slot.
 */
export interface RouterKeys {
  seen(eventId: string): string;
}

/** @param prefix prepended to every key (tests use a random one); default '' */
export function routerKeys(prefix = ''): RouterKeys {
  return { seen: (eventId) => `${prefix}{cd:router:${eventId}}:seen` };
}
