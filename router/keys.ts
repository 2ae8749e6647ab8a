/**
 * Redis keys of the router, built here and nowhere else.
 *
 * Duplicate marks are checked a whole batch at a time: one script call per hash tag, so the
 * keys of one call must share a tag. The tag is a bucket taken from the eventId's first hex
 * digit (`{cd:router:seen:<0-f>}`): a batch of hundreds of events costs at most 16 script calls
 * (one round trip), and on a Redis Cluster the marks still spread over 16 slots. The eventId is
 * a validated UUID (random, version 4 in practice) by the time it is looked up, so the buckets
 * fill evenly.
 */
export interface RouterKeys {
  /** The duplicate mark of one eventId. */
  seen(eventId: string): string;
  /** The hash tag of seen(eventId): marks with the same tag go to Redis in one script call. */
  seenGroup(eventId: string): string;
}

/** Bucket of an eventId: its first character, lower-cased (a hex digit for a UUID). */
function bucketOf(eventId: string): string {
  return (eventId[0] ?? '_').toLowerCase();
}

/** @param prefix prepended to every key (tests use a random one); default '' */
export function routerKeys(prefix = ''): RouterKeys {
  return {
    seen: (eventId) => `${prefix}{cd:router:seen:${bucketOf(eventId)}}:${eventId}`,
    seenGroup: (eventId) => bucketOf(eventId),
  };
}
