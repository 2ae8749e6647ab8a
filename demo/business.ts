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
 * releases, the HTTP sites' releases (and, for the cloud ERP, holds), the SDK sites send every type
 * (demo/run.ts gives the CSV and HTTP sites a second channel for what follows an order: their
 * warehouse system posting through the SDK as the same site).
 *
 * Flows (docs/flows.md): the steps the hub's `flows:` follow happen on the demo's clock
 * (demo/timescale.ts) within their deadline (`deadlineMs`, the run's scaled configuration) —
 * most of them; a share of flow instances has one step late (it happens, and is sent, after its
 * deadline) and a share one step that never comes (the instance stays incomplete). Each step is
 * sent when it happens (its occurredAt, whole seconds, or minutes where the site's system records
 * no seconds), so the tracker judges exactly what the business decided; `decided()` says it.
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
  /**
   * How finely the site's system records when a flow's first event happened (its occurredAt is
   * rounded down to it): 1000 ms by default, 60 000 where its export has minutes only.
   */
  timeResolutionMs?: number;
}

/** The flows of examples/hub.yaml the business plays (docs/flows.md). */
export type DemoFlow = 'order-to-cash' | 'held-orders' | 'returns' | 'transfers';

/**
 * The deadline (real ms on the demo's clock) of an event of type `to` after the event of type
 * `from` of the same flow instance at `siteId`, or undefined when no configured flow links them.
 */
export type DeadlineOf = (from: EventTypeName, to: EventTypeName, siteId: string) => number | undefined;

/** What the business decided for the flow instances it started (counts per flow). */
export interface FlowDecisions {
  /** Instances whose first event was sent (and is one the hub accepts). */
  started: number;
  /** Every step sent, each within its deadline. */
  onTime: number;
  /** Every step sent, at least one after its deadline. */
  late: number;
  /** A step will never be sent (decided so, or a step was refused: the site does not send it again). */
  incomplete: number;
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
  /** The flows' deadlines on the demo's clock; without it no step is linked to a deadline. */
  deadlineMs?: DeadlineOf;
  /** Share of flow instances with one step late. @defaultValue 0.12 */
  lateShare?: number;
  /** Share of flow instances with one step that never comes. @defaultValue 0.08 */
  missingShare?: number;
}

export interface Business {
  /** The next thing that happens, at `now`: a flow's step that is due, else something new. */
  next(now: Date): BusinessEvent;
  /** What the business decided so far, per flow (instances still running count as started only). */
  decided(): Record<DemoFlow, FlowDecisions>;
}

type Step =
  | 'release'
  | 'approve'
  | 'hold'
  | 'release-hold'
  | 'ship'
  | 'invoice'
  | 'exception'
  | 'return'
  | 'credit'
  | 'intercompany';

const STEP_TYPE: Record<Step, EventTypeName> = {
  release: 'OrderReleased',
  approve: 'InventoryTransferApproved',
  hold: 'OrderHoldPlaced',
  'release-hold': 'OrderHoldReleased',
  ship: 'ShipmentConfirmed',
  invoice: 'InvoiceGenerated',
  exception: 'OrderExceptionRaised',
  return: 'ReturnAuthorized',
  credit: 'InvoiceGenerated',
  intercompany: 'IntercompanyTransferPosted',
};

/**
 * The business's flows, step by step: the step a flow's instance starts with, and each later step
 * with the step of the same flow it is due after (the flows of examples/hub.yaml).
 */
const FLOWS: ReadonlyArray<{
  flow: DemoFlow;
  start: Step;
  links: ReadonlyArray<{ step: Step; after: Step }>;
}> = [
  {
    flow: 'order-to-cash',
    start: 'release',
    links: [
      { step: 'ship', after: 'release' },
      { step: 'invoice', after: 'ship' },
    ],
  },
  { flow: 'held-orders', start: 'hold', links: [{ step: 'release-hold', after: 'hold' }] },
  { flow: 'returns', start: 'return', links: [{ step: 'credit', after: 'return' }] },
  { flow: 'transfers', start: 'approve', links: [{ step: 'intercompany', after: 'approve' }] },
];

const DEMO_FLOWS: readonly DemoFlow[] = FLOWS.map((f) => f.flow);

/** One planned step: when it happens (ms). */
interface Planned {
  step: Step;
  at: number;
}

/** One flow instance of an order or transfer, as planned. */
interface Instance {
  flow: DemoFlow;
  /** Steps of the flow in the plan (its start included), and whether one is planned late. */
  steps: Step[];
  late: boolean;
  /** A step of it will never come. */
  cut: boolean;
  started: boolean;
  done: boolean;
}

interface Flow {
  siteId: string;
  correlationId: string;
  lastEventId: string;
  /** The steps still to happen, in time order. */
  plan: Planned[];
  instances: Instance[];
  order?: EventBody<'OrderReleased'>;
  holdId?: string;
  holdReason?: EventBody<'OrderHoldPlaced'>['holdReason'];
  heldSince?: Date;
  rma?: EventBody<'ReturnAuthorized'>;
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
  const lateShare = options.lateShare ?? 0.12;
  const missingShare = options.missingShare ?? 0.08;
  const deadlineOf: DeadlineOf = options.deadlineMs ?? (() => undefined);
  const flows: Flow[] = [];
  const counters = new Map<string, number>();
  const decisions = Object.fromEntries(
    DEMO_FLOWS.map((f) => [f, { started: 0, onTime: 0, late: 0, incomplete: 0 }]),
  ) as Record<DemoFlow, FlowDecisions>;
  let lastSdkEvent: BusinessEvent | undefined;
  const seq = (name: string) => {
    const n = (counters.get(name) ?? 0) + 1;
    counters.set(name, n);
    return n;
  };
  const can = (site: DemoSiteSpec, t: EventTypeName) => site.types.includes(t);
  const past = (now: Date) => new Date(now.getTime() - random.int(2, 90) * 1000);
  const docs = createDocuments({ random, seq, past });
  const siteById = new Map(options.sites.map((s) => [s.siteId, s]));

  function event<T extends EventTypeName>(
    type: T,
    site: DemoSiteSpec,
    body: EventBody<T>,
    occurredAt: Date,
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
      occurredAt,
    };
    if (flow) flow.lastEventId = eventId;
    return e;
  }

  /** When a flow's first event happened, as the site's system records it (whole seconds or minutes). */
  const recorded = (site: DemoSiteSpec, now: Date) => {
    const r = site.timeResolutionMs ?? 1000;
    return Math.floor(now.getTime() / r) * r;
  };

  /**
   * The plan of an order or transfer from its first step at `t0`: each later step's time, within
   * its deadline or (one step of a late instance) after it; a step of an incomplete instance and
   * everything after it is left out. Steps the site cannot send are left out too (they happen in
   * systems the demo does not play).
   */
  function planOf(
    site: DemoSiteSpec,
    start: Step,
    chain: Step[],
    t0: number,
  ): Omit<Flow, 'correlationId' | 'lastEventId'> {
    const steps = chain.filter((step) => can(site, STEP_TYPE[step]));
    const at = new Map<Step, number>([[start, t0]]);
    const plan: Planned[] = [];
    const instances: Instance[] = [];
    // Each flow instance's fate: which of its linked steps is late or never comes.
    const fates = new Map<Step, 'late' | 'missing'>();
    for (const f of FLOWS) {
      if (f.start !== start && !steps.includes(f.start)) continue;
      if (f.flow === 'transfers' && !chain.includes('intercompany')) continue;
      const linked = f.links.filter((l) => steps.includes(l.step));
      if (linked.length === 0) continue;
      const roll = random.next();
      const which = random.pick(linked).step;
      if (roll < missingShare) fates.set(which, 'missing');
      else if (roll < missingShare + lateShare) fates.set(which, 'late');
    }
    let prev = t0;
    for (const step of steps) {
      const link = FLOWS.flatMap((f) => f.links).find((l) => l.step === step);
      const within = link ? deadlineOf(STEP_TYPE[link.after], STEP_TYPE[step], site.siteId) : undefined;
      const anchor = link ? at.get(link.after) : undefined;
      if (fates.get(step) === 'missing' || (link && anchor === undefined)) break;
      let t: number;
      if (within !== undefined && anchor !== undefined) {
        const share = fates.get(step) === 'late' ? 1.25 + random.next() * 0.35 : 0.15 + random.next() * 0.4;
        t = anchor + Math.round(within * share);
      } else t = prev + random.int(300, 1500);
      // Whole seconds, after the step before.
      t = Math.max(prev + 1000, Math.ceil(t / 1000) * 1000);
      at.set(step, t);
      plan.push({ step, at: t });
      prev = t;
    }
    for (const f of FLOWS) {
      const flowSteps = [f.start, ...f.links.map((l) => l.step)];
      const present = flowSteps.filter((st) => at.has(st));
      if (!present.includes(f.start)) continue;
      // A transfer within one legal entity has no posting to wait for: no transfers instance.
      if (f.flow === 'transfers' && !chain.includes('intercompany')) continue;
      const complete = present.length === flowSteps.length;
      // Only flows whose later steps this site can send at all are followed by the business.
      if (!f.links.every((l) => can(site, STEP_TYPE[l.step])) && f.start !== start) continue;
      const late = f.links.some((l) => {
        const a = at.get(l.after);
        const b = at.get(l.step);
        const w = deadlineOf(STEP_TYPE[l.after], STEP_TYPE[l.step], site.siteId);
        return a !== undefined && b !== undefined && w !== undefined && b > a + w;
      });
      instances.push({ flow: f.flow, steps: present, late, cut: !complete, started: false, done: false });
    }
    return { siteId: site.siteId, plan, instances };
  }

  /** Marks what sending `step` (or losing it: `lost`) means for the flow's instances. */
  function account(flow: Flow, step: Step, lost: boolean): void {
    for (const i of flow.instances) {
      if (i.done || !i.steps.includes(step)) continue;
      if (step === i.steps[0] && !i.started) {
        if (lost) {
          i.done = true;
          continue;
        }
        i.started = true;
        decisions[i.flow].started++;
      }
      if (lost) {
        i.done = true;
        decisions[i.flow].incomplete++;
        continue;
      }
      if (step !== i.steps[i.steps.length - 1]) continue;
      i.done = true;
      if (i.cut) decisions[i.flow].incomplete++;
      else if (i.late) decisions[i.flow].late++;
      else decisions[i.flow].onTime++;
    }
  }

  /** The instances that will not go on once `flow` is dropped after `step` was lost or sent last. */
  function drop(flow: Flow): void {
    for (const i of flow.instances)
      if (i.started && !i.done) {
        i.done = true;
        decisions[i.flow].incomplete++;
      }
    const k = flows.indexOf(flow);
    if (k >= 0) flows.splice(k, 1);
  }

  function newOrder(site: DemoSiteSpec, now: Date): BusinessEvent {
    const order = docs.orderReleased(site.siteId, now);
    const t0 = recorded(site, now);
    let chain: Step[] = [];
    if (random.chance(0.25)) chain.push('hold', 'release-hold');
    chain.push('ship', 'invoice');
    if (random.chance(0.12)) chain.splice(random.int(0, chain.length - 1), 0, 'exception');
    if (random.chance(0.1)) chain.push('return', 'credit');
    if (site.types.length <= 1) chain = [];
    const planned = planOf(site, 'release', chain, t0);
    const flow: Flow = { ...planned, correlationId: '', lastEventId: '', order };
    const e = event('OrderReleased', site, order, new Date(t0));
    flow.correlationId = e.eventId;
    flow.lastEventId = e.eventId;
    flows.push(flow);
    return e;
  }

  function transfer(site: DemoSiteSpec, now: Date): BusinessEvent {
    const body = docs.transferApproved(site.siteId, now);
    const t0 = recorded(site, now);
    const planned = planOf(site, 'approve', body.intercompany ? ['intercompany'] : [], t0);
    const flow: Flow = { ...planned, correlationId: '', lastEventId: '', transfer: body };
    const e = event('InventoryTransferApproved', site, body, new Date(t0));
    flow.correlationId = e.eventId;
    flow.lastEventId = e.eventId;
    flows.push(flow);
    return e;
  }

  function replenishment(site: DemoSiteSpec, now: Date): BusinessEvent {
    return event('ReplenishmentRequested', site, docs.replenishment(site.siteId, now), past(now));
  }

  function advance(flow: Flow, site: DemoSiteSpec): { e: BusinessEvent; step: Step } {
    const { step, at: t } = flow.plan.shift()!;
    const at = new Date(t);
    const order = flow.order!;
    const w = warehouseOf(site.siteId);
    const e = ((): BusinessEvent => {
      switch (step) {
        case 'release':
        case 'approve':
          throw new Error(`the first step (${step}) is never planned`);
        case 'hold': {
          flow.holdId = `H-${seq('hold')}`;
          flow.heldSince = at;
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
              expectedReleaseDate: day(at, 1),
            },
            at,
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
            at,
            flow,
          );
        case 'ship':
          return event(
            'ShipmentConfirmed',
            site,
            { ...docs.shipment(order, w, at), shippedAt: at },
            at,
            flow,
          );
        case 'invoice':
          return event('InvoiceGenerated', site, docs.invoice(order, w, at), at, flow);
        case 'exception':
          return event('OrderExceptionRaised', site, docs.exception(order, w), at, flow);
        case 'return':
          flow.rma = docs.returnAuthorized(order, w, at);
          return event('ReturnAuthorized', site, flow.rma, at, flow);
        case 'credit':
          return event('InvoiceGenerated', site, docs.creditNote(order, flow.rma!, w, at), at, flow);
        case 'intercompany':
          return event(
            'IntercompanyTransferPosted',
            site,
            docs.intercompanyPosting(flow.transfer!, at),
            at,
            flow,
          );
      }
    })();
    return { e, step };
  }

  /** Mistakes a site is due to make, made on its next event of a type they fit. */
  const owed = new Map<string, number>();

  /**
   * Gives an event one of the site's mistakes. The flow it belongs to goes no further (nobody
   * ships a refused order, a site does not send a refused step again); an old item number is the
   * exception: the hub accepts the release (the central ERP refuses its delivery), so its flow
   * instance starts, and stays incomplete.
   */
  function spoil(e: BusinessEvent, site: DemoSiteSpec, flow?: Flow, step?: Step): BusinessEvent {
    const kinds = site.badKinds.filter((k) => applies(k, e.type));
    if (kinds.length === 0) {
      owed.set(site.siteId, (owed.get(site.siteId) ?? 0) + 1);
      return e;
    }
    const bad = random.pick(kinds);
    if (flow && step) {
      account(flow, step, bad !== 'unknown-sku');
      drop(flow);
    }
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
      // A step that is due happens first (the earliest one).
      let flow: Flow | undefined;
      for (const f of flows)
        if (f.plan.length && f.plan[0]!.at <= now.getTime() && (!flow || f.plan[0]!.at < flow.plan[0]!.at))
          flow = f;
      let e: BusinessEvent;
      let step: Step;
      const site = flow ? siteById.get(flow.siteId)! : random.pick(options.sites);
      if (flow) ({ e, step } = advance(flow, site));
      else {
        if (can(site, 'InventoryTransferApproved') && random.chance(0.12)) e = transfer(site, now);
        else if (can(site, 'ReplenishmentRequested') && random.chance(0.1)) e = replenishment(site, now);
        else e = newOrder(site, now);
        flow = flows.find((f) => f.correlationId === e.eventId);
        step = e.type === 'OrderReleased' ? 'release' : 'approve';
      }
      const due = owed.get(site.siteId) ?? 0;
      if (due > 0 && site.badKinds.some((k) => applies(k, e.type))) {
        owed.set(site.siteId, due - 1);
        e = spoil(e, site, flow, step);
      } else if (random.chance(badShare)) e = spoil(e, site, flow, step);
      if (flow && !e.bad) {
        account(flow, step, false);
        if (flow.plan.length === 0) drop(flow);
      }
      if (site.resends && !e.bad) lastSdkEvent = e;
      return e;
    },
    decided() {
      return structuredClone(decisions);
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
