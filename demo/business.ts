import type { EventBody, EventTypeName } from '../connectors/sdk';
import type { Random } from '../core/random';
import { createDocuments, day } from './documents';
import { warehouseOf } from './world';

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
  const docs = createDocuments({ random, seq, past });

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

  function newOrder(site: DemoSiteSpec, now: Date): BusinessEvent {
    const order = docs.orderReleased(site.siteId, now);
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
    const body = docs.transferApproved(site.siteId, now);
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
    return event('ReplenishmentRequested', site, docs.replenishment(site.siteId, now), now);
  }

  function advance(flow: Flow, site: DemoSiteSpec, now: Date): BusinessEvent {
    const step = flow.steps.shift()!;
    const order = flow.order!;
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
            orderId: order.orderId,
            holdId: flow.holdId,
            holdReason: flow.holdReason,
            holdNote: null,
            placedBy: 'credit-rules',
            customerId: order.customerId,
            currency: order.currency,
            amountAtRisk: order.orderTotal,
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
            orderId: order.orderId,
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
      case 'ship':
        return event('ShipmentConfirmed', site, docs.shipment(order, w, now), now, flow);
      case 'invoice':
        return event('InvoiceGenerated', site, docs.invoice(order, w, now), now, flow);
      case 'exception':
        return event('OrderExceptionRaised', site, docs.exception(order, w), now, flow);
      case 'return':
        return event('ReturnAuthorized', site, docs.returnAuthorized(order, w, now), now, flow);
      case 'intercompany':
        return event(
          'IntercompanyTransferPosted',
          site,
          docs.intercompanyPosting(flow.transfer!, now),
          now,
          flow,
        );
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
