import fs from 'node:fs';
import path from 'node:path';

/** The repository root (the bench runs from any folder). */
export const ROOT = path.resolve(__dirname, '../..');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

/** us-chi records with distinct order numbers (fixed seed): ~1 KB JSON each, 1–4 lines. */
export function records(n: number): Array<Record<string, unknown>> {
  const r = rng(7);
  const sample = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
  ) as Record<string, unknown>;
  return Array.from({ length: n }, (_, i) => {
    const lines = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, j) => {
      const qty = 1 + Math.floor(r() * 50);
      const price = (1 + Math.floor(r() * 9000) / 100).toFixed(2);
      return {
        line: j + 1,
        sku: `SKU-${10000 + Math.floor(r() * 10000)}`,
        description: 'Bench item',
        qty,
        uom: 'EA',
        price: `${price}00`,
        amount: (qty * Number(price)).toFixed(2),
      };
    });
    const total = lines.reduce((s, l) => s + Number(l.amount), 0).toFixed(2);
    return { ...sample, orderNumber: `CHI-B${i}-${Math.floor(r() * 1e9)}`, lines, total };
  });
}
