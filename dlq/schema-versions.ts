import { answersAboutTheId, registryRequest } from '../core/registry';
import { CrossdockError } from '../core/errors';

/**
 * The version of a registry schema id within its subject (GET /schemas/ids/<id>/versions of the
 * Confluent API), for grouping dead letters by schema version. Answers are cached (ids are
 * immutable); an id the registry does not know is undefined (cached too: the letter is grouped
 * without a version); a registry that does not answer throws a retriable error, so the indexer
 * reads the batch again rather than grouping it wrongly.
 */
export type SchemaVersionOf = (schemaId: number) => Promise<number | undefined>;

export function schemaVersionLookup(registryUrl: string, maxEntries = 10_000): SchemaVersionOf {
  const cache = new Map<number, Promise<number | undefined>>();
  async function load(id: number): Promise<number | undefined> {
    const reply = await registryRequest(registryUrl, 'GET', `/schemas/ids/${id}/versions`);
    if (!answersAboutTheId(reply)) throw unavailable(id, reply.status);
    if (reply.status === 404) return undefined;
    if (!Array.isArray(reply.body)) throw unavailable(id, reply.status);
    const first = (reply.body as Array<{ version?: unknown }>).find((v) => typeof v.version === 'number');
    return first?.version as number | undefined;
  }
  function unavailable(id: number, status: number): CrossdockError {
    return new CrossdockError(
      'CD_E_REGISTRY_UNAVAILABLE',
      `schema registry answered ${status} to GET /schemas/ids/${id}/versions`,
      { retriable: true, details: { schemaId: id, status } },
    );
  }
  return (id) => {
    const hit = cache.get(id);
    if (hit) return hit;
    const pending = load(id);
    cache.set(id, pending);
    pending.catch(() => cache.delete(id));
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return pending;
  };
}
