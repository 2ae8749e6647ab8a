import type { EventBody, EventTypeName } from '../connectors/sdk';
import type { Random } from '../core/random';
import { CURRENCY, CUSTOMERS, ITEMS, RATE, WAREHOUSES, warehouseOf, type Customer, type Item } from './world';

/**
 * The distributor's business, as a stream of canonical events (pure and seeded: the same seed
 * makes the same business). Orders are released, some held and released, shipped, invoiced,
 * sometimes returned or hit by an exception; transfers are approved between warehouses (across a
 * border: an intercompany posting follows); warehouses ask for replenishment. The steps of one
 * order or transfer share its correlationId (the first event's id) and name the step before as
 * their causationId. A small share is bad in a realistic way (`BadKind`); what a site's channel
 * can carry limits what it sends (`DemoSiteSpec.types`): the CSV sites' mappings know order
 * releases, the HTTP sites' releases (and, for the cloud ERP, holds), the SDK sites send every type.
 */

/** Realistic mistakes; each site channel lists those it can make (demo/sites/*). */
export type BadKind =
  /** A currency the hub does not trade in (EUR): the router's data rule dead-letters it. */
  | 'wrong-currency'
  /** A date that does not exist (31 February): refused at ingest. */
  | 'bad-date'
  /** A unit code the site's mapping does not know: refused at ingest. */
  | 'unknown-uom'
  /** A CSV export without one of its columns: the file is rejected. */
  | 'missing-column'
  /** An order line of quantity 0: the router's data rule dead-letters it. */
  | 'zero-quantity'
  /** A required field left out: the SDK refuses it before sending. */
  | 'missing-field'
  /** An item number in the old format (`sku-10001`): the central ERP refuses it (422), a delivery dead letter. */
  | 'unknown-sku';

export interface DemoSiteSpec {
  siteId: string;
  /** Event types the site's channel can carry. */
  types: readonly EventTypeName[];
  /** The mistakes this site makes. */
  badKinds: readonly BadKind[];
  /** The site sometimes sends an event again with its id (it sets eventIds: the SDK sites). */
  resends?: boolean;
}

export interface BusinessEvent<T extends EventTypeName = EventTypeName> {
  type: T;
  siteId: string;
  body: EventBody<T>;
  /** The id the event is sent with (SDK sites; HTTP and CSV ingest make their own). */
  eventId: string;
  correlationId: string;
  causationId: string | null;
  occurredAt: Date;
  bad?: BadKind;
  /** The same event sent again (a site retrying after a timeout): the router drops it as a duplicate. */
  resend?: boolean;
}

export interface BusinessOptions {
  sites: readonly DemoSiteSpec[];
  random: Random;
  /** Share of events with a mistake. @defaultValue 0.05 */
  badShare?: number;
  /** Share of events that are an SDK site's last event sent again. @defaultValue 0.015 */
  resendShare?: number;
}

export interface Business {
  /** The next thing that happens, at `now`. */
  next(now: Date): BusinessEvent;
}

type Step = 'hold' | 'release-hold' | 'ship' | 'invoice' | 'exception' | 'return' | 'intercompany';

const STEP_TYPE: Record<Step, EventTypeName> = {
  hold: 'OrderHoldPlaced',
  'release-hold': 'OrderHoldReleased',
  ship: 'ShipmentConfirmed',
  invoice: 'InvoiceGenerated',
  exception: 'OrderExceptionRaised',
  return: 'ReturnAuthorized',
  intercompany: 'IntercompanyTransferPosted',
};

interface Flow {
  siteId: string;
  correlationId: string;
  lastEventId: string;
  steps: Step[];
  order?: EventBody<'OrderReleased'>;
  holdId?: string;
  holdReason?: EventBody<'OrderHoldPlaced'>['holdReason'];
  heldSince?: Date;
  transfer?: EventBody<'InventoryTransferApproved'>;
}

const dec = (n: number, places: number) => n.toFixed(places);
const day = (d: Date, plusDays = 0) =>
  new Date(d.getTime() + plusDays * 86_400_000).toISOString().slice(0, 10);

/** A UUID (version 4 layout) from the seeded source, so a run's ids repeat with its seed. */
export function seededUuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((random.int(0, 15) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function createBusiness(options: BusinessOptions): Business {
  const { random } = options;
  const badShare = options.badShare ?? 0.05;
  const resendShare = options.resendShare ?? 0.015;
  const flows: Flow[] = [];
  const counters = new Map<string, number>();
  let lastSdkEvent: BusinessEvent | undefined;
  const seq = (name: string) => {
    const n = (counters.get(name) ?? 0) + 1;
    counters.set(name, n);
    return n;
  };
  const can = (site: DemoSiteSpec, t: EventTypeName) => site.types.includes(t);
  const past = (now: Date) => new Date(now.getTime() - random.int(2, 90) * 1000);

  function event<T extends EventTypeName>(
    type: T,
    site: DemoSiteSpec,
    body: EventBody<T>,
    now: Date,
    flow?: Flow,
  ): BusinessEvent<T> {
    const eventId = seededUuid(random);
    const e: BusinessEvent<T> = {
      type,
      siteId: site.siteId,
      body,
      eventId,
      correlationId: flow?.correlationId ?? eventId,
      causationId: flow?.lastEventId ?? null,
      occurredAt: past(now),
    };
    if (flow) flow.lastEventId = eventId;
    return e;
  }

  function orderReleased(site: DemoSiteSpec, now: Date): EventBody<'OrderReleased'> {
    const w = warehouseOf(site.siteId);
    const currency = CURRENCY[w.country];
    const customer = random.pick(CUSTOMERS[w.country]);
    const n = random.int(1, 3);
    const items = [...ITEMS].sort(() => random.next() - 0.5).slice(0, n);
    const lines = items.map((item, i) => orderLine(item, i + 1, currency));
    const total = lines.reduce((s, l) => s + Number(l.lineAmount), 0);
    return {
      orderId: `${w.warehouseId.slice(0, 3)}-${100000 + seq(`order:${site.siteId}`) * 7 + random.int(0, 6)}`,
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

  function newOrder(site: DemoSiteSpec, now: Date): BusinessEvent {
    const order = orderReleased(site, now);
    const e = event('OrderReleased', site, order, now);
    if (site.types.length > 1) {
      let steps: Step[] = [];
      if (random.chance(0.25)) steps.push('hold', 'release-hold');
      steps.push('ship', 'invoice');
      if (random.chance(0.12)) steps.splice(random.int(0, steps.length - 1), 0, 'exception');
      if (random.chance(0.1)) steps.push('return');
      // What the site's channel cannot carry happens in systems the demo does not play.
      steps = steps.filter((step) => can(site, STEP_TYPE[step]));
      if (steps.length)
        flows.push({ siteId: site.siteId, correlationId: e.eventId, lastEventId: e.eventId, steps, order });
    }
    return e;
  }

  function transfer(site: DemoSiteSpec, now: Date): BusinessEvent {
    const from = warehouseOf(site.siteId);
    const to = random.pick(WAREHOUSES.filter((w) => w.siteId !== site.siteId));
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
      transferId: `TR-${from.warehouseId.slice(0, 3)}-${5000 + seq(`transfer:${site.siteId}`)}`,
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
    const e = event('InventoryTransferApproved', site, body, now);
    if (body.intercompany && can(site, 'IntercompanyTransferPosted'))
      flows.push({
        siteId: site.siteId,
        correlationId: e.eventId,
        lastEventId: e.eventId,
        steps: ['intercompany'],
        transfer: body,
      });
    return e;
  }

  function replenishment(site: DemoSiteSpec, now: Date): BusinessEvent {
    const w = warehouseOf(site.siteId);
    const item = random.pick(ITEMS);
    const onHand = random.int(0, 40);
    return event(
      'ReplenishmentRequested',
      site,
      {
        requestId: `RQ-${w.warehouseId.slice(0, 3)}-${seq(`repl:${site.siteId}`)}`,
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
      },
      now,
    );
  }

  function advance(flow: Flow, site: DemoSiteSpec, now: Date): BusinessEvent {
    const step = flow.steps.shift()!;
    const order = flow.order;
    const w = warehouseOf(site.siteId);
    switch (step) {
      case 'hold': {
        flow.holdId = `H-${seq('hold')}`;
        flow.heldSince = past(now);
        flow.holdReason = random.pick([
          'CREDIT_LIMIT',
          'PAST_DUE_BALANCE',
          'PRICING_REVIEW',
          'EXPORT_COMPLIANCE',
        ] as const);
        return event(
          'OrderHoldPlaced',
          site,
          {
            orderId: order!.orderId,
            holdId: flow.holdId,
            holdReason: flow.holdReason,
            holdNote: null,
            placedBy: 'credit-rules',
            customerId: order!.customerId,
            currency: order!.currency,
            amountAtRisk: order!.orderTotal,
            expectedReleaseDate: day(now, 1),
          },
          now,
          flow,
        );
      }
      case 'release-hold':
        return event(
          'OrderHoldReleased',
          site,
          {
            orderId: order!.orderId,
            holdId: flow.holdId!,
            holdReason: flow.holdReason!,
            resolution: random.pick(['APPROVED', 'PAYMENT_RECEIVED', 'OVERRIDE'] as const),
            releasedBy: 'credit-desk',
            releaseNote: null,
            heldSince: flow.heldSince!,
            remainingHolds: 0,
          },
          now,
          flow,
        );
      case 'ship': {
        const tracking = `1Z${random.int(100000, 999999)}${random.int(1000, 9999)}`;
        return event(
          'ShipmentConfirmed',
          site,
          {
            shipmentId: `SH-${order!.orderId}`,
            orderId: order!.orderId,
            warehouseId: w.warehouseId,
            carrierCode: random.pick(['UPSN', 'FDEG', 'ODFL']),
            serviceLevel: random.pick(['PARCEL_GROUND', 'PARCEL_TWO_DAY', 'LTL'] as const),
            trackingNumbers: [tracking],
            shippedAt: past(now),
            estimatedDeliveryDate: day(now, random.int(1, 5)),
            shipTo: { ...order!.shipTo },
            packages: [
              {
                packageId: `PKG-${random.int(100000, 999999)}`,
                trackingNumber: tracking,
                weightKg: dec(random.int(2, 80) + 0.5, 3),
                lines: order!.lines.map((l) => ({
                  orderLineNumber: l.lineNumber,
                  sku: l.sku,
                  quantity: l.quantity,
                  unitOfMeasure: l.unitOfMeasure,
                })),
              },
            ],
            currency: order!.currency,
            freightChargeAmount: dec(random.chance(0.5) ? 0 : random.int(10, 90), 2),
          },
          now,
          flow,
        );
      }
      case 'invoice': {
        const taxRate = w.country === 'US' ? 0.0825 : w.country === 'CA' ? 0.13 : 0.16;
        const lines = order!.lines.map((l) => ({
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
        return event(
          'InvoiceGenerated',
          site,
          {
            invoiceId: `${w.companyCode}-INV-${700000 + n}`,
            invoiceNumber: `INV-${700000 + n}`,
            orderId: order!.orderId,
            customerId: order!.customerId,
            billTo: { ...order!.shipTo },
            invoiceDate: day(now),
            dueDate: day(now, 30),
            paymentTerms: 'NET30',
            currency: order!.currency,
            lines,
            subtotalAmount: dec(subtotal, 2),
            taxAmount: dec(tax, 2),
            totalAmount: dec(subtotal + tax, 2),
            billingEmail: order!.shipTo.email ?? null,
          },
          now,
          flow,
        );
      }
      case 'exception': {
        const line = random.pick(order!.lines);
        return event(
          'OrderExceptionRaised',
          site,
          {
            orderId: order!.orderId,
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
            customerContactEmail: order!.shipTo.email ?? null,
          },
          now,
          flow,
        );
      }
      case 'return': {
        const line = random.pick(order!.lines);
        return event(
          'ReturnAuthorized',
          site,
          {
            rmaNumber: `RMA-${seq('rma') + 30000}`,
            orderId: order!.orderId,
            customerId: order!.customerId,
            customerName: order!.customerName,
            contactEmail: order!.shipTo.email ?? null,
            contactPhone: order!.shipTo.phone ?? null,
            returnReason: random.pick([
              'DAMAGED_IN_TRANSIT',
              'WRONG_ITEM',
              'DEFECTIVE',
              'NOT_NEEDED',
            ] as const),
            disposition: random.pick(['INSPECT', 'RESTOCK'] as const),
            receivingWarehouseId: w.warehouseId,
            expiresOn: day(now, 30),
            currency: order!.currency,
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
          },
          now,
          flow,
        );
      }
      case 'intercompany': {
        const t = flow.transfer!;
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
        return event(
          'IntercompanyTransferPosted',
          site,
          {
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
          },
          now,
          flow,
        );
      }
    }
  }

  /** Mistakes a site is due to make, made on its next event of a type they fit. */
  const owed = new Map<string, number>();

  /** Gives an event one of the site's mistakes (the flow it began is dropped: nobody ships a refused order). */
  function spoil(e: BusinessEvent, site: DemoSiteSpec): BusinessEvent {
    const kinds = site.badKinds.filter((k) => applies(k, e.type));
    if (kinds.length === 0) {
      owed.set(site.siteId, (owed.get(site.siteId) ?? 0) + 1);
      return e;
    }
    const bad = random.pick(kinds);
    const i = flows.findIndex((f) => f.correlationId === e.eventId);
    if (i >= 0) flows.splice(i, 1);
    const body = structuredClone(e.body) as Record<string, unknown>;
    if (bad === 'wrong-currency') body.currency = 'EUR';
    if (bad === 'zero-quantity') (body.lines as Array<Record<string, unknown>>)[0]!.quantity = '0.0000';
    if (bad === 'missing-field') delete body.customerId;
    if (bad === 'unknown-sku') {
      const line = (body.lines as Array<Record<string, unknown>>)[0]!;
      line.sku = String(line.sku).toLowerCase();
    }
    // bad-date, unknown-uom and missing-column are spelled by the site's own format (demo/sites/*).
    return { ...e, body: body as EventBody<EventTypeName>, bad };
  }

  return {
    next(now) {
      if (lastSdkEvent && random.chance(resendShare)) {
        const again = { ...lastSdkEvent, resend: true };
        lastSdkEvent = undefined;
        return again;
      }
      const site = random.pick(options.sites);
      const open = flows.filter((f) => f.siteId === site.siteId);
      let e: BusinessEvent;
      if (open.length > 0 && random.chance(Math.min(0.85, 0.3 + open.length * 0.1))) {
        const flow = open[0]!;
        e = advance(flow, site, now);
        if (flow.steps.length === 0) flows.splice(flows.indexOf(flow), 1);
      } else if (can(site, 'InventoryTransferApproved') && random.chance(0.12)) e = transfer(site, now);
      else if (can(site, 'ReplenishmentRequested') && random.chance(0.1)) e = replenishment(site, now);
      else e = newOrder(site, now);
      const due = owed.get(site.siteId) ?? 0;
      if (due > 0 && site.badKinds.some((k) => applies(k, e.type))) {
        owed.set(site.siteId, due - 1);
        e = spoil(e, site);
      } else if (random.chance(badShare)) e = spoil(e, site);
      if (site.resends && !e.bad) lastSdkEvent = e;
      return e;
    },
  };
}

/** Whether a mistake can be made on an event of this type. */
function applies(kind: BadKind, type: EventTypeName): boolean {
  switch (kind) {
    case 'wrong-currency':
      return type === 'OrderReleased' || type === 'InvoiceGenerated';
    case 'missing-field':
      return type === 'OrderReleased' || type === 'InvoiceGenerated' || type === 'OrderHoldPlaced';
    case 'unknown-sku':
      return type === 'OrderReleased';
    default:
      return type === 'OrderReleased';
  }
}
