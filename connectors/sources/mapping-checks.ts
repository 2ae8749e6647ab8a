import { currentVersion, loadCatalog } from '../../schemas';
import type { LoadMappingOptions } from './mapping/load';

/**
 * What a mapping is checked against in the catalog (schemas/): its event types exist, and its
 * target fields are fields of the version the connectors write (the newest active).
 */
export function catalogMappingChecks(): Pick<LoadMappingOptions, 'knownEventTypes' | 'targetSchema'> {
  const catalog = loadCatalog();
  return {
    knownEventTypes: catalog.entries.map((e) => e.eventType),
    targetSchema: (eventType) => {
      const entry = catalog.byEventType(eventType);
      const v = entry && currentVersion(entry);
      return v ? { schema: v.schema, label: `${eventType} v${v.version} (schemas/${v.file})` } : undefined;
    },
  };
}
