import { isCrossdockError } from '../core/errors';
import type { SchemaResolver } from '../core/registry';
import { catalogVersionOfSchemaId, type Catalog } from '../schemas';

/**
 * The catalog version of the schema id in a dead letter's framing, for grouping dead letters by
 * schema version: the `v<N>` of the catalog (what `crossdock schemas list` and `dlq show` call
 * the version), found by the writer schema's canonical form. Undefined for an id the registry
 * does not know, or a schema that is none of the catalog's versions (the letter is grouped
 * without a version). A registry that does not answer throws its retriable error, so the indexer
 * reads the batch again rather than grouping it wrongly. Answers are cached by the resolver.
 */
export type SchemaVersionOf = (schemaId: number) => Promise<number | undefined>;

export function schemaVersionLookup(
  resolver: SchemaResolver,
  catalog: () => Pick<Catalog, 'bySubject'>,
): SchemaVersionOf {
  return async (id) => {
    try {
      return await catalogVersionOfSchemaId(resolver, id, catalog());
    } catch (err) {
      if (isCrossdockError(err) && err.code === 'CD_E_UNKNOWN_SCHEMA_ID') return undefined;
      throw err;
    }
  };
}
