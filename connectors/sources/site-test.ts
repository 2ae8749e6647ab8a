import fs from 'node:fs';
import path from 'node:path';
import { toJsonSafe } from '../../core/avro';
import { uuidV5 } from './envelope';
import { jsonPath, mapRecord, type MappedRecord } from './mapping/engine';
import type { SiteMappings } from './mapping/types';
import { buildEvent, type EventCodec } from './prepare';
import { createCatalogCodec } from './codec';
import { catalogMappingChecks } from './mapping-checks';
import { csvRecords, type CsvSettings } from './csv/parse';
import { DEFAULT_SITES_DIR, loadSiteMappings } from './mapping/load';

/** One problem as a site team reads it: where (JSON path or row/column), what was expected, what came. */
export interface SiteProblem {
  path: string;
  code: string;
  expected: string;
  got: string;
  row?: number;
  column?: string;
}

export interface SiteTestResult {
  siteId: string;
  variant: string;
  /** Canonical events as JSON (decimals as strings, timestamps ISO), in input order. */
  events: unknown[];
  problems: SiteProblem[];
}

/** Splits a JSON body like HTTP ingest does: one object, an array, or { events: [...] }. */
export function jsonRecords(body: unknown): Array<{ record: unknown; prefix: string }> {
  if (Array.isArray(body)) return body.map((record, i) => ({ record, prefix: `$[${i}]` }));
  const events = body && typeof body === 'object' ? (body as { events?: unknown }).events : undefined;
  if (Array.isArray(events)) return events.map((record, i) => ({ record, prefix: `$.events[${i}]` }));
  return [{ record: body, prefix: '$' }];
}

/**
 * What the site's mapping makes of an input, without Kafka or the registry: the canonical events
 * (checked against their schema) or every problem. eventIds are derived from `seed` so the output
 * is stable (golden samples, `crossdock site test`).
 */
export function testSiteInput(
  site: SiteMappings,
  codec: EventCodec,
  file: string,
  content: Buffer,
  options: { csv?: CsvSettings; seed?: string; now?: () => number } = {},
): SiteTestResult {
  const seed = options.seed ?? path.basename(file);
  const now = options.now ?? (() => Date.parse('2026-01-01T00:00:00Z'));
  const result: SiteTestResult = { siteId: site.siteId, variant: site.variant, events: [], problems: [] };
  let items: Array<{
    mapped: MappedRecord;
    locate: (source: Array<string | number>) => Omit<SiteProblem, 'code' | 'expected' | 'got'>;
  }>;
  if (/\.csv$/i.test(file)) {
    const parsed = csvRecords(site, content, options.csv ?? {});
    result.problems.push(...parsed.problems);
    items = parsed.groups.map((g) => ({ mapped: g.mapped, locate: g.locate }));
  } else {
    let body: unknown;
    try {
      body = JSON.parse(content.toString('utf8'));
    } catch (err) {
      result.problems.push({
        path: '$',
        code: 'CD_E_INPUT_MALFORMED',
        expected: 'valid JSON',
        got: (err as Error).message,
      });
      return result;
    }
    items = jsonRecords(body).map(({ record, prefix }) => ({
      mapped: mapRecord(site, record),
      locate: (source) => ({ path: jsonPath(prefix, source) }),
    }));
  }
  items.forEach(({ mapped, locate }, i) => {
    const b = buildEvent({ site, codec, eventId: uuidV5(`${site.siteId}|sample|${seed}|${i}`), now }, mapped);
    for (const p of b.problems) {
      const where = p.source ? locate(p.source) : { path: `${locate([]).path} → ${p.target ?? ''}` };
      result.problems.push({ ...where, code: p.code, expected: p.expected, got: p.got });
    }
    if (b.event) result.events.push(toJsonSafe(b.event));
  });
  return result;
}

/**
 * `crossdock site test`: what the mapping of `siteId` (under `sitesDir`) makes of one input file,
 * offline (no registry: the schema id in the frame is never looked up). Throws
 * CD_E_MAPPING_INVALID when the mapping does not load.
 */
export function testSiteFile(
  siteId: string,
  file: string,
  options: {
    /** @defaultValue DEFAULT_SITES_DIR (the repo's sites/) */
    sitesDir?: string;
  } = {},
): SiteTestResult {
  const site = loadSiteMappings(siteId, {
    dir: options.sitesDir ?? DEFAULT_SITES_DIR,
    ...catalogMappingChecks(),
  });
  return testSiteInput(site, createCatalogCodec({ ids: () => 0 }), file, fs.readFileSync(file), {
    seed: path.basename(file),
  });
}

/** Golden samples of a site: `<name>.input.(json|csv)` beside `<name>.expected.json`. */
export function siteSamples(
  sitesDir: string,
  siteId: string,
): Array<{ name: string; input: string; expected: string }> {
  const dir = path.join(sitesDir, siteId, 'samples');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.input\.(json|csv)$/.test(f))
    .sort()
    .map((f) => ({
      name: f.replace(/\.input\.(json|csv)$/, ''),
      input: path.join(dir, f),
      expected: path.join(dir, f.replace(/\.input\.(json|csv)$/, '.expected.json')),
    }));
}
