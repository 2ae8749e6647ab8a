/**
 * Every Redis key the delivery part uses, built here and nowhere else.
 *
 * All keys of one subscriber share the hash tag `{cd:<subscriberId>}` so that each Lua script,
 * which only ever touches one subscriber's keys, runs on one Redis Cluster slot. Scripts never
 * build keys themselves: callers pass the full list in KEYS (cluster-safe).
 */
export interface DeliveryKeys {
  readonly subscriberId: string;
  /** Sorted set: retry entry id → due time (ms). Only entries that may run now or later are here. */
  readonly due: string;
  /** Set of business keys whose queue is held after its head was dead-lettered (ordering `hold`). */
  readonly held: string;
  /** Token bucket hash (tokens, ts) shared by all instances. */
  readonly bucket: string;
  /** Sorted set of in-flight delivery slots (token → lease expiry), the shared concurrency cap. */
  readonly slots: string;
  /** Hash: one retry entry (original bytes, headers, attempts, first failure...). */
  entry(eventId: string): string;
  /** List: retry entry ids waiting for business key `key`, head first (per-key ordering). */
  keyQueue(key: string): string;
  /** String: the idempotency record of one event (`done` or the lease owner). */
  idempotency(eventId: string): string;
}

/**
 * @param subscriberId the subscriber (hash tag part)
 * @param namespace optional text before the hash tag (tests, several hubs on one Redis). Default ''.
 */
export function deliveryKeys(subscriberId: string, namespace = ''): DeliveryKeys {
  const base = `${namespace}{cd:${subscriberId}}`;
  return Object.freeze({
    subscriberId,
    due: `${base}:due`,
    held: `${base}:held`,
    bucket: `${base}:bucket`,
    slots: `${base}:slots`,
    entry: (eventId: string) => `${base}:entry:${eventId}`,
    keyQueue: (key: string) => `${base}:q:${key}`,
    idempotency: (eventId: string) => `${base}:idem:${eventId}`,
  });
}
