import { siteMappingsFor } from '../../connectors/sources';
import type { HubConfig, SiteConfig } from '../../core/config/types';

/**
 * The mapping variant a site uses, as a scorecard shows it:
 * - csv and http sites: their mapping's chain, the site's mapping name (connector.mapping, else
 *   the site id) then what each file `extends` (sites/<mapping>, sites/_variants/<name>) down to
 *   `base`, e.g. `us-dal > csv-legacy > base`; a mapping that does not load: `<name> (invalid)`;
 * - other connectors (sdk): the connector kind (the site's program maps its own data).
 */
export function mappingVariantOf(config: HubConfig, site: SiteConfig): string {
  const kind = site.connector.kind;
  if (kind !== 'csv' && kind !== 'http') return kind;
  try {
    return siteMappingsFor(config, site).variant.split(' < ').join(' > ');
  } catch {
    const name = typeof site.connector.mapping === 'string' ? site.connector.mapping : site.id;
    return `${name} (invalid)`;
  }
}

const cache = new WeakMap<HubConfig, Map<string, string>>();

/** As mappingVariantOf, loaded once per configuration object (a new configuration loads again). */
export function cachedMappingVariant(config: HubConfig, site: SiteConfig): string {
  let byId = cache.get(config);
  if (!byId) cache.set(config, (byId = new Map()));
  let v = byId.get(site.id);
  if (v === undefined) byId.set(site.id, (v = mappingVariantOf(config, site)));
  return v;
}
