/**
 * The benchmark workload, generated once per run with a fixed seed: OrderReleased events of about
 * 1 KB (nested address, strings, enum, nullable unions, six order lines, decimals, timestamps),
 * three in four written with the current schema version and one in four with v1 (two versions
 * live), keyed by business key over 10,000 distinct orders, each carrying its per-key sequence
 * in the `bench-seq` header so the receivers can check per-key order.
 */
import crypto from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { businessKey, encodeEvent, loadCatalog } from '../../schemas';
import { ceHeaders, sampleEvent } from '../../test/integration/router/events';

export interface BenchEvent {
  site: string;
  key: string;
  value: Buffer;
  headers: IHeaders;
  id: string;
}

const KEYS = 10_000;

function uuidFrom(seed: string): string {
  const h = crypto.createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function makeWorkload(
  registryUrl: string,
  count: number,
  sites: string[],
  seed = 'crossdock-bench-1',
): Promise<BenchEvent[]> {
  const entry = loadCatalog().byEventType('OrderReleased')!;
  const out: BenchEvent[] = [];
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < count; i++) {
    const version = i % 4 === 3 ? 1 : undefined;
    const site = sites[i % sites.length]!;
    const eventId = uuidFrom(`${seed}:${i}`);
    const event = sampleEvent({
      eventType: 'OrderReleased',
      version,
      siteId: site,
      eventId,
      seed: i,
      occurredAt: new Date(base + i),
      patch: (e) => {
        e.orderId = `${site}-K${i % KEYS}`;
        e.customerName = `Customer ${i % 977} Distribution Partners Ltd.`;
        e.customerId = `CUST-${String(i % 977).padStart(8, '0')}`;
        e.warehouseId = `${site.toUpperCase()}-DC-01`;
        e.shipTo = {
          ...e.shipTo,
          name: `Receiving Dock ${i % 31}, ${e.customerName}`,
          line1: `${1000 + (i % 8000)} Industrial Parkway, Building ${i % 12}`,
          line2: 'Dock doors 14-22, deliveries Mon-Fri 06:00-14:00',
          city: 'Springfield',
          region: 'US-IL',
          postalCode: `6${String(i % 10000).padStart(4, '0')}`,
          phone: '+13125550100',
          email: `receiving${i % 977}@customer.example.com`,
        };
        e.lines = Array.from({ length: 6 }, (_v, n) => ({
          ...e.lines[0],
          lineNumber: n + 1,
          sku: `SKU-${(i * 7 + n) % 50_000}`,
          description: `Pallet of item ${(i + n) % 1000}, shrink-wrapped, 48x40 GMA, stack height 2`,
          quantity: `${(n + 1) * 3}.0000`,
          unitPrice: '12.5000',
          lineAmount: `${(n + 1) * 37.5}`.includes('.')
            ? `${((n + 1) * 37.5).toFixed(2)}`
            : `${(n + 1) * 37.5}.00`,
        }));
      },
    });
    const value = await encodeEvent(registryUrl, entry, version, event);
    out.push({
      site,
      key: businessKey(entry, event),
      value,
      headers: { ...ceHeaders(entry, event), 'bench-seq': String(Math.floor(i / (KEYS * sites.length))) },
      id: eventId,
    });
  }
  return out;
}
