import fs from 'node:fs';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import {
  DEFAULT_SITES_DIR,
  listMappedSites,
  loadSiteMappings,
} from '../../../connectors/sources/mapping/load';
import { siteSamples, testSiteInput } from '../../../connectors/sources/site-test';

/**
 * Golden samples: every `sites/<siteId>/samples/<name>.input.*` must map to exactly
 * `<name>.expected.json` (the canonical events, or every problem). Three dialects at least:
 * the cloud ERP JSON (us-chi, us-nwk), the Mexican ERP (mx-mty) and the legacy CSV export
 * (us-dal, ca-yvr, mx-gdl: BOM + CRLF, Latin-1 + ';' + decimal comma).
 */
describe('site golden samples', () => {
  const codec = createCatalogCodec({ ids: () => 1 });
  const sites = listMappedSites();
  const cases = sites.flatMap((siteId) =>
    siteSamples(DEFAULT_SITES_DIR, siteId).map((s) => [siteId, s.name, s] as const),
  );

  it('cover at least three dialects (variants) and both JSON and CSV', () => {
    const variants = new Set(sites.map((s) => loadSiteMappings(s).variant.split(' < ').slice(-2)[0]));
    expect(variants.size).toBeGreaterThanOrEqual(3);
    expect(cases.some(([, , s]) => s.input.endsWith('.csv'))).toBe(true);
    expect(cases.some(([, , s]) => s.input.endsWith('.json'))).toBe(true);
  });

  it.each(cases)('%s %s maps to its expected canonical output', (siteId, _name, sample) => {
    const site = loadSiteMappings(siteId);
    const got = testSiteInput(site, codec, sample.input, fs.readFileSync(sample.input));
    const want = JSON.parse(fs.readFileSync(sample.expected, 'utf8')) as {
      events?: unknown[];
      problems?: unknown[];
    };
    if (want.problems) {
      expect(got.problems).toEqual(want.problems);
      expect(got.events).toEqual([]);
    } else {
      expect(got.problems).toEqual([]);
      expect(got.events).toEqual(want.events);
    }
  });
});
