/**
 * In-process micro-measure of the ingest's own work per event (no HTTP, no Kafka, no Redis):
 * JSON.parse of the body, mapping, canonical event, schema check, Avro encode and CloudEvents
 * headers, as server.ts does them for a batch. For comparing code changes quickly; the figures
 * that count come from `npm run bench:ingest`.
 *
 *   npx tsx bench/ingest/hot-path.ts            (CPU µs per event, median of 7 rounds of 20k events)
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCatalogCodec } from '../../connectors/sources/codec';
import { loadSiteMappings } from '../../connectors/sources/mapping/load';
import { mapRecord } from '../../connectors/sources/mapping/engine';
import { buildEvent, encodePrepared, type BuiltEvent } from '../../connectors/sources/prepare';

const ROOT = path.resolve(__dirname, '../..');
const N = 20_000;
const BATCH = 50;

async function main(): Promise<void> {
  const sample = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
  ) as Record<string, unknown>;
  const bodies = Array.from({ length: N / BATCH }, (_, b) =>
    JSON.stringify(
      Array.from({ length: BATCH }, (_, i) => ({
        ...sample,
        orderNumber: `CHI-H${b}-${i}`,
        lines: Array.from({ length: 1 + (i % 4) }, (_, j) => ({
          line: j + 1,
          sku: `SKU-${10000 + i + j}`,
          description: 'Bench item',
          qty: 1 + j,
          uom: 'EA',
          price: '12.5000',
          amount: `${(12.5 * (1 + j)).toFixed(2)}`,
        })),
      })),
    ),
  );
  const site = loadSiteMappings('us-chi');
  const codec = createCatalogCodec({ ids: () => 1 });
  const ctx = { site, codec, now: Date.now };
  const round = async () => {
    const c0 = process.cpuUsage();
    let n = 0;
    for (const body of bodies) {
      const records = JSON.parse(body) as unknown[];
      const built: BuiltEvent[] = [];
      for (const r of records) {
        const b = buildEvent(ctx, mapRecord(site, r));
        if (!b.event) throw new Error(JSON.stringify(b.problems));
        built.push(b as BuiltEvent);
      }
      const prepared = await Promise.all(built.map((b) => encodePrepared(ctx, b)));
      n += prepared.length;
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  await round(); // warm-up
  const us: number[] = [];
  for (let i = 0; i < 7; i++) us.push(await round());
  us.sort((a, b) => a - b);
  process.stdout.write(
    `hot path: ${us[3]!.toFixed(1)} µs CPU/event (median of 7; min ${us[0]!.toFixed(1)}, max ${us[6]!.toFixed(1)})\n`,
  );
}

void main();
