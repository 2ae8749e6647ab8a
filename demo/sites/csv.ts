import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventBody } from '../../connectors/sdk';
import { uuidV5 } from '../../connectors/sources';
import type { BadKind, DemoSiteSpec } from '../business';
import type { SenderLedger } from '../ledger';
import type { SiteChannel } from './channel';
import { localDay, localDecimal, localTime } from './format';

/**
 * The legacy ERPs of the CSV sites: every few seconds each exports the orders it released into
 * its drop folder, in its own format (sites/<id>/mapping.yaml and samples/): one row per order
 * line, header fields repeated; local times without offset in the site's zone; the site's
 * delimiter, encoding and number format. A file is written under a temporary name and renamed, as
 * docs/sites.md asks. An order with a mistake goes out in a file of its own (the site's policy is
 * all-or-nothing: one bad row rejects its whole file).
 */

type Order = EventBody<'OrderReleased'>;

interface CsvDialect {
  header: readonly string[];
  delimiter: ',' | ';';
  encoding: 'utf8' | 'latin1';
  timestamp: string;
  date: string;
  utcOffset: string;
  decimal: '.' | ',';
  thousands: '' | '.';
  uom: Record<string, string>;
  orderColumn: string;
}

const LEGACY_HEADER = [
  'order_no',
  'released_at',
  'customer_id',
  'customer_name',
  'warehouse',
  'ship_by',
  'ship_name',
  'ship_street',
  'ship_street2',
  'ship_city',
  'ship_region',
  'ship_zip',
  'ship_country',
  'ship_phone',
  'ship_email',
  'currency',
  'order_total',
  'line_no',
  'sku',
  'description',
  'qty',
  'uom',
  'unit_price',
  'line_amount',
] as const;
const SHORT_HEADER = LEGACY_HEADER.filter((c) => !['ship_street2', 'ship_phone', 'ship_email'].includes(c));

/** Each CSV site's export format (sites/<id>/samples/*.input.csv show them). */
export const CSV_DIALECTS: Record<string, CsvDialect> = {
  'us-dal': {
    header: LEGACY_HEADER,
    delimiter: ',',
    encoding: 'utf8',
    timestamp: 'yyyy-MM-dd HH:mm:ss',
    date: 'yyyy-MM-dd',
    utcOffset: '-06:00',
    decimal: '.',
    thousands: '',
    uom: { EA: 'EA', CS: 'CS', KGM: 'KG' },
    orderColumn: 'order_no',
  },
  'ca-yvr': {
    header: SHORT_HEADER.map((c) => (c === 'order_no' ? 'order_number' : c)),
    delimiter: ',',
    encoding: 'utf8',
    timestamp: 'dd/MM/yyyy HH:mm',
    date: 'dd/MM/yyyy',
    utcOffset: '-08:00',
    decimal: '.',
    thousands: '',
    uom: { EA: 'EA', CS: 'CS', KGM: 'KGM' },
    orderColumn: 'order_number',
  },
  'mx-gdl': {
    header: SHORT_HEADER,
    delimiter: ';',
    encoding: 'latin1',
    timestamp: 'dd.MM.yyyy HH:mm',
    date: 'dd.MM.yyyy',
    utcOffset: '-06:00',
    decimal: ',',
    thousands: '.',
    uom: { EA: 'PZA', CS: 'CJ', KGM: 'KG' },
    orderColumn: 'order_no',
  },
};

export const CSV_BAD_KINDS: readonly BadKind[] = ['bad-date', 'missing-column', 'wrong-currency'];

function quote(v: string, delimiter: string): string {
  return /["\n\r]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The rows of one order in a site's export (header not included), by column. */
export function csvRows(
  d: CsvDialect,
  order: Order,
  at: Date,
  bad: BadKind | undefined,
): Array<Record<string, string>> {
  const num = (v: string) => localDecimal(v, d.decimal, d.thousands);
  const timestamp = bad === 'bad-date' ? d.timestamp.replace('dd', '31').replace('MM', '02') : d.timestamp;
  return order.lines.map((l) => ({
    [d.orderColumn]: order.orderId,
    released_at: localTime(at, timestamp, d.utcOffset),
    customer_id: order.customerId,
    customer_name: order.customerName,
    warehouse: order.warehouseId,
    ship_by: localDay(order.requestedShipDate, d.date),
    ship_name: order.shipTo.name,
    ship_street: order.shipTo.line1,
    ship_street2: order.shipTo.line2 ?? '',
    ship_city: order.shipTo.city,
    ship_region: order.shipTo.region ?? '',
    ship_zip: order.shipTo.postalCode,
    ship_country: order.shipTo.countryCode,
    ship_phone: order.shipTo.phone ?? '',
    ship_email: order.shipTo.email ?? '',
    currency: order.currency,
    order_total: num(order.orderTotal),
    line_no: String(l.lineNumber),
    sku: l.sku,
    description: l.description ?? '',
    qty: num(l.quantity),
    uom: d.uom[l.unitOfMeasure] ?? l.unitOfMeasure,
    unit_price: num(l.unitPrice),
    line_amount: num(l.lineAmount),
  }));
}

/** A whole export file's bytes, in the site's delimiter and encoding. */
export function csvFile(d: CsvDialect, rows: Array<Record<string, string>>, header = d.header): Buffer {
  const lines = [
    header.join(d.delimiter),
    ...rows.map((r) => header.map((c) => quote(r[c] ?? '', d.delimiter)).join(d.delimiter)),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, d.encoding);
}

export interface CsvSiteOptions {
  siteId: string;
  /** The site's drop folder (connector.folder). */
  folder: string;
  ledger: SenderLedger;
}

interface Exported {
  name: string;
  events: number;
}

export function csvSite(options: CsvSiteOptions): SiteChannel {
  const d = CSV_DIALECTS[options.siteId];
  if (!d) throw new Error(`no CSV dialect for site ${options.siteId}`);
  const spec: DemoSiteSpec = {
    siteId: options.siteId,
    types: ['OrderReleased'],
    badKinds: CSV_BAD_KINDS,
    timeResolutionMs: d.timestamp.includes('ss') ? 1000 : 60_000,
  };
  const tally = options.ledger.site(options.siteId, 'csv');
  fs.mkdirSync(options.folder, { recursive: true });
  let pending: Array<Record<string, string>> = [];
  let pendingEvents = 0;
  /** The releases in `pending` (business eventId, orderId), and the hub's ids of those exported. */
  let pendingOrders: Array<{ eventId: string; orderId: string }> = [];
  const hubIds = new Map<string, string>();
  let files = 0;
  const exported: Exported[] = [];

  function write(
    rows: Array<Record<string, string>>,
    events: number,
    header = d!.header,
    orders: ReadonlyArray<{ eventId: string; orderId: string }> = [],
  ): void {
    files++;
    const name = `export-${String(files).padStart(5, '0')}.csv`;
    const tmp = path.join(options.folder, `.${name}.tmp`);
    const bytes = csvFile(d!, rows, header);
    // The drop folder names each order's event by the file's content and the order's place in it
    // (connectors/sources/csv/drop-folder.ts: UUID v5 of site, file hash, group index, group key).
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    orders.forEach((o, i) =>
      hubIds.set(o.eventId, uuidV5(`${options.siteId}|csv|${sha256}|${i}|${o.orderId}`)),
    );
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path.join(options.folder, name));
    exported.push({ name, events });
  }

  /** What the watcher made of the files written so far: processed/, or rejected/ with a report. */
  function collect(): void {
    if (exported.length === 0) return;
    const done = (dir: string) => {
      try {
        return fs.readdirSync(path.join(options.folder, dir));
      } catch {
        return [];
      }
    };
    const processed = done('processed');
    const rejected = done('rejected');
    for (const f of [...exported]) {
      const ok = processed.some((n) => n.endsWith(`_${f.name}`));
      const reportName = rejected.find((n) => n.endsWith(`_${f.name}.report.json`));
      if (!ok && !reportName) continue;
      exported.splice(exported.indexOf(f), 1);
      if (ok) tally.accepted += f.events;
      else {
        let code = 'CD_E_CSV_REJECTED';
        try {
          const report = JSON.parse(
            fs.readFileSync(path.join(options.folder, 'rejected', reportName!), 'utf8'),
          ) as {
            problems?: Array<{ code?: string }>;
          };
          code = report.problems?.[0]?.code ?? code;
        } catch {
          // the report could not be read: counted under the generic code
        }
        options.ledger.refused(tally, code, f.events);
      }
    }
  }

  return {
    siteId: options.siteId,
    kind: 'csv',
    spec,
    async send(e) {
      tally.sent++;
      const rows = csvRows(d, e.body as Order, e.occurredAt, e.bad);
      if (!e.bad) {
        pending.push(...rows);
        pendingEvents++;
        pendingOrders.push({ eventId: e.eventId, orderId: (e.body as Order).orderId });
        return;
      }
      tally.bad[e.bad] = (tally.bad[e.bad] ?? 0) + 1;
      const header = e.bad === 'missing-column' ? d.header.filter((c) => c !== 'currency') : d.header;
      write(rows, 1, header);
    },
    async flush(final = false) {
      if (pending.length) write(pending, pendingEvents, d.header, pendingOrders);
      pending = [];
      pendingEvents = 0;
      pendingOrders = [];
      collect();
      // At the end, wait (bounded) for the watcher's verdict on every file.
      for (let waited = 0; final && exported.length > 0 && waited < 20_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        collect();
      }
    },
    async close() {
      collect();
    },
    hubIdOf(businessEventId) {
      return {
        id: hubIds.get(businessEventId),
        pending: pendingOrders.some((o) => o.eventId === businessEventId),
      };
    },
  };
}
