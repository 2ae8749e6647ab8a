import type { EventBody } from '../connectors/sdk';
import type { Random } from '../core/random';
import {
  CURRENCY,
  CUSTOMERS,
  ITEMS,
  RATE,
  WAREHOUSES,
  warehouseOf,
  type Customer,
  type Item,
  type Warehouse,
} from './world';

/**
 * The documents of the distributor's business, as canonical event bodies: an order release, a
 * transfer, a replenishment request, and the documents that follow an order (shipment, invoice,
 * exception, return) or a transfer between legal entities (the intercompany posting). Numbers,
 * amounts and taxes are consistent within a document and with the order it follows. Seeded through
 * `random`; `seq` numbers documents, `past` gives a moment shortly before `now`.
 */

export type Order = EventBody<'OrderReleased'>;

export interface DocumentContext {
  random: Random;
  seq(name: string): number;
  past(now: Date): Date;
}

export const dec = (n: number, places: number) => n.toFixed(places);
export const day = (d: Date, plusDays = 0) =>
  new Date(d.getTime() + plusDays * 86_400_000).toISOString().slice(0, 10);

export function createDocuments(ctx: DocumentContext) {
  const { random, seq, past } = ctx;

  function orderReleased(siteId: string, now: Date): Order {
    const w = warehouseOf(siteId);
    const currency = CURRENCY[w.country];
    const customer = random.pick(CUSTOMERS[w.country]);
    const n = random.int(1, 3);
    const items = [...ITEMS].sort(() => random.next() - 0.5).slice(0, n);
    const lines = items.map((item, i) => orderLine(item, i + 1, currency));
    const total = lines.reduce((s, l) => s + Number(l.lineAmount), 0);
    return {
      orderId: `${w.warehouseId.slice(0, 3)}-${100000 + seq(`order:${siteId}`) * 7 + random.int(0, 6)}`,
      customerId: customer.id,
      customerName: customer.name,
      warehouseId: w.warehouseId,
      requestedShipDate: day(now, random.int(1, 4)),
      shipTo: address(customer, w.country),
      currency,
      lines,
      orderTotal: dec(total, 2),
      salesChannel: random.pick(['EDI', 'WEB', 'PHONE', 'FIELD_SALES'] as const),
      promisedDeliveryDate: null,
    };
  }

  function orderLine(item: Item, lineNumber: number, currency: keyof typeof RATE) {
    const qty = item.uom === 'KGM' ? random.int(5, 200) / 4 : random.int(1, 40);
    const price = Math.round(item.priceUsd * RATE[currency] * 10000) / 10000;
    return {
      lineNumber,
      sku: item.sku,
      description: item.description,
      quantity: dec(qty, 4),
      unitOfMeasure: item.uom,
      unitPrice: dec(price, 4),
      lineAmount: dec(Math.round(qty * price * 100) / 100, 2),
    };
  }

  function address(c: Customer, country: string) {
    return {
      name: c.name,
      line1: c.street,
      line2: null,
      city: c.city,
      region: c.region,
      postalCode: c.postalCode,
      countryCode: country,
      phone: c.phone,
      email: c.email,
    };
  }

  function transferApproved(siteId: string, now: Date): EventBody<'InventoryTransferApproved'> {
    const from = warehouseOf(siteId);
    const to = random.pick(WAREHOUSES.filter((w) => w.siteId !== siteId));
    const currency = CURRENCY[from.country];
    const items = [...ITEMS].sort(() => random.next() - 0.5).slice(0, random.int(1, 2));
    const lines = items.map((item, i) => ({
      lineNumber: i + 1,
      sku: item.sku,
      quantity: dec(random.int(10, 120), 4),
      unitOfMeasure: item.uom,
      lotNumber: null,
    }));
    const value = lines.reduce(
      (s, l, i) => s + Number(l.quantity) * items[i]!.priceUsd * RATE[currency] * 0.6,
      0,
    );
    const body: EventBody<'InventoryTransferApproved'> = {
      transferId: `TR-${from.warehouseId.slice(0, 3)}-${5000 + seq(`transfer:${siteId}`)}`,
      fromSiteId: from.siteId,
      fromWarehouseId: from.warehouseId,
      toSiteId: to.siteId,
      toWarehouseId: to.warehouseId,
      intercompany: from.companyCode !== to.companyCode,
      approvedBy: random.pick(['planner-ana', 'planner-raj', 'planner-luis']),
      requestedShipDate: day(now, random.int(1, 3)),
      lines,
      currency,
      transferValue: dec(value, 2),
    };
    return body;
  }

  function replenishment(siteId: string, now: Date): EventBody<'ReplenishmentRequested'> {
    const w = warehouseOf(siteId);
    const item = random.pick(ITEMS);
    const onHand = random.int(0, 40);
    return {
      requestId: `RQ-${w.warehouseId.slice(0, 3)}-${seq(`repl:${siteId}`)}`,
      sku: item.sku,
      warehouseId: w.warehouseId,
      supplierId: random.chance(0.5) ? `SUP-${random.int(100, 140)}` : null,
      quantity: dec(random.int(50, 400), 4),
      onHand: dec(onHand, 4),
      reorderPoint: dec(onHand + random.int(5, 60), 4),
      unitOfMeasure: item.uom,
      needByDate: day(now, random.int(2, 10)),
      priority: random.pick(['ROUTINE', 'ROUTINE', 'EXPEDITE', 'EMERGENCY'] as const),
      trigger: random.pick(['MIN_MAX', 'FORECAST', 'BACKORDER'] as const),
    };
  }

  function shipment(order: Order, w: Warehouse, now: Date): EventBody<'ShipmentConfirmed'> {
    const tracking = `1Z${random.int(100000, 999999)}${random.int(1000, 9999)}`;
    return {
      shipmentId: `SH-${order.orderId}`,
      orderId: order.orderId,
      warehouseId: w.warehouseId,
      carrierCode: random.pick(['UPSN', 'FDEG', 'ODFL']),
      serviceLevel: random.pick(['PARCEL_GROUND', 'PARCEL_TWO_DAY', 'LTL'] as const),
      trackingNumbers: [tracking],
      shippedAt: past(now),
      estimatedDeliveryDate: day(now, random.int(1, 5)),
      shipTo: { ...order.shipTo },
      packages: [
        {
          packageId: `PKG-${random.int(100000, 999999)}`,
          trackingNumber: tracking,
          weightKg: dec(random.int(2, 80) + 0.5, 3),
          lines: order.lines.map((l) => ({
            orderLineNumber: l.lineNumber,
            sku: l.sku,
            quantity: l.quantity,
            unitOfMeasure: l.unitOfMeasure,
          })),
        },
      ],
      currency: order.currency,
      freightChargeAmount: dec(random.chance(0.5) ? 0 : random.int(10, 90), 2),
    };
  }

  function invoice(order: Order, w: Warehouse, now: Date): EventBody<'InvoiceGenerated'> {
    const taxRate = w.country === 'US' ? 0.0825 : w.country === 'CA' ? 0.13 : 0.16;
    const lines = order.lines.map((l) => ({
      lineNumber: l.lineNumber,
      sku: l.sku,
      description: l.description ?? l.sku,
      quantity: l.quantity,
      unitOfMeasure: l.unitOfMeasure,
      unitPrice: l.unitPrice,
      lineAmount: l.lineAmount,
      taxAmount: dec(Number(l.lineAmount) * taxRate, 2),
    }));
    const subtotal = lines.reduce((s, l) => s + Number(l.lineAmount), 0);
    const tax = lines.reduce((s, l) => s + Number(l.taxAmount), 0);
    const n = seq(`invoice:${w.companyCode}`);
    return {
      invoiceId: `${w.companyCode}-INV-${700000 + n}`,
      invoiceNumber: `INV-${700000 + n}`,
      orderId: order.orderId,
      customerId: order.customerId,
      billTo: { ...order.shipTo },
      invoiceDate: day(now),
      dueDate: day(now, 30),
      paymentTerms: 'NET30',
      currency: order.currency,
      lines,
      subtotalAmount: dec(subtotal, 2),
      taxAmount: dec(tax, 2),
      totalAmount: dec(subtotal + tax, 2),
      billingEmail: order.shipTo.email ?? null,
    };
  }

  /**
   * The credit note of a return: an InvoiceGenerated for the order's orderId whose amounts are
   * negative (the returned lines' credit, with their tax), numbered in the company's invoice series.
   */
  function creditNote(
    order: Order,
    rma: EventBody<'ReturnAuthorized'>,
    w: Warehouse,
    now: Date,
  ): EventBody<'InvoiceGenerated'> {
    const taxRate = w.country === 'US' ? 0.0825 : w.country === 'CA' ? 0.13 : 0.16;
    const lines = rma.lines.map((l) => {
      const ordered = order.lines.find((o) => o.lineNumber === l.lineNumber);
      return {
        lineNumber: l.lineNumber,
        sku: l.sku,
        description: `credit ${rma.rmaNumber}: ${ordered?.description ?? l.sku}`,
        quantity: dec(-Number(l.quantity), 4),
        unitOfMeasure: l.unitOfMeasure,
        unitPrice: ordered?.unitPrice ?? dec(0, 4),
        lineAmount: dec(-Number(l.creditAmount), 2),
        taxAmount: dec(-Number(l.creditAmount) * taxRate, 2),
      };
    });
    const subtotal = lines.reduce((s, l) => s + Number(l.lineAmount), 0);
    const tax = lines.reduce((s, l) => s + Number(l.taxAmount), 0);
    const n = seq(`invoice:${w.companyCode}`);
    return {
      invoiceId: `${w.companyCode}-CRN-${700000 + n}`,
      invoiceNumber: `CRN-${700000 + n}`,
      orderId: order.orderId,
      customerId: order.customerId,
      billTo: { ...order.shipTo },
      invoiceDate: day(now),
      dueDate: day(now),
      paymentTerms: 'NET30',
      currency: order.currency,
      lines,
      subtotalAmount: dec(subtotal, 2),
      taxAmount: dec(tax, 2),
      totalAmount: dec(subtotal + tax, 2),
      billingEmail: order.shipTo.email ?? null,
    };
  }

  function exception(order: Order, w: Warehouse): EventBody<'OrderExceptionRaised'> {
    const line = random.pick(order.lines);
    return {
      orderId: order.orderId,
      exceptionId: `EX-${seq('exception')}`,
      exceptionType: random.pick([
        'SHORT_PICK',
        'DAMAGED_GOODS',
        'ADDRESS_INVALID',
        'LATE_SHIPMENT',
      ] as const),
      severity: random.pick(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const),
      warehouseId: w.warehouseId,
      lineNumber: line.lineNumber,
      sku: line.sku,
      message: `line ${line.lineNumber}: ${line.sku} needs a look`,
      raisedBy: 'wms',
      customerContactEmail: order.shipTo.email ?? null,
    };
  }

  function returnAuthorized(order: Order, w: Warehouse, now: Date): EventBody<'ReturnAuthorized'> {
    const line = random.pick(order.lines);
    return {
      rmaNumber: `RMA-${seq('rma') + 30000}`,
      orderId: order.orderId,
      customerId: order.customerId,
      customerName: order.customerName,
      contactEmail: order.shipTo.email ?? null,
      contactPhone: order.shipTo.phone ?? null,
      returnReason: random.pick(['DAMAGED_IN_TRANSIT', 'WRONG_ITEM', 'DEFECTIVE', 'NOT_NEEDED'] as const),
      disposition: random.pick(['INSPECT', 'RESTOCK'] as const),
      receivingWarehouseId: w.warehouseId,
      expiresOn: day(now, 30),
      currency: order.currency,
      lines: [
        {
          lineNumber: line.lineNumber,
          sku: line.sku,
          quantity: line.quantity,
          unitOfMeasure: line.unitOfMeasure,
          creditAmount: line.lineAmount,
        },
      ],
      restockingFeeAmount: dec(0, 2),
    };
  }

  function intercompanyPosting(
    t: EventBody<'InventoryTransferApproved'>,
    now: Date,
  ): EventBody<'IntercompanyTransferPosted'> {
    const from = warehouseOf(t.fromSiteId);
    const to = warehouseOf(t.toSiteId);
    const lines = t.lines.map((l) => {
      const item = ITEMS.find((i) => i.sku === l.sku)!;
      const cost = Math.round(item.priceUsd * RATE[CURRENCY[from.country]] * 0.6 * 10000) / 10000;
      return {
        sku: l.sku,
        quantity: l.quantity,
        unitOfMeasure: l.unitOfMeasure,
        unitCost: dec(cost, 4),
        lineAmount: dec(Math.round(Number(l.quantity) * cost * 100) / 100, 2),
      };
    });
    const fromCcy = CURRENCY[from.country];
    const toCcy = CURRENCY[to.country];
    return {
      postingId: `JP-${from.companyCode}-${seq('posting') + 9000}`,
      transferId: t.transferId,
      fromCompanyCode: from.companyCode,
      toCompanyCode: to.companyCode,
      fromSiteId: from.siteId,
      toSiteId: to.siteId,
      postingDate: day(now),
      fiscalPeriod: day(now).slice(0, 7),
      glAccountFrom: '1410-IC-REC',
      glAccountTo: '2410-IC-PAY',
      currency: fromCcy,
      lines,
      transferPriceAmount: dec(
        lines.reduce((s, l) => s + Number(l.lineAmount), 0),
        2,
      ),
      exchangeRate: fromCcy === toCcy ? null : dec(RATE[toCcy] / RATE[fromCcy], 6),
    };
  }

  return {
    orderReleased,
    transferApproved,
    replenishment,
    shipment,
    invoice,
    creditNote,
    exception,
    returnAuthorized,
    intercompanyPosting,
  };
}
