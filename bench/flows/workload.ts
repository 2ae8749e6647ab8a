/**
 * The flow benchmark's workload, generated once per run with a fixed seed: the order-to-cash flow
 * (OrderReleased → ShipmentConfirmed → InvoiceGenerated) over distinct orders, the three events of
 * one order sharing its orderId (the flow's key, also the Kafka key) and its correlation id. The
 * shipment of an order trails its release by `trail` orders and the invoice by 2 × `trail`, so
 * about 2 × `trail` instances are open at any time and every instance opened completes (the last
 * 2 × `trail` orders stay open: the workload ends before their later steps).
 */
import type { IHeaders } from 'kafkajs';
import { businessKey, encodeEvent, loadCatalog } from '../../schemas';
import { ceHeaders, sampleEvent } from '../../test/integration/router/events';

export const FLOW_STEPS = ['OrderReleased', 'ShipmentConfirmed', 'InvoiceGenerated'] as const;

export interface FlowBenchEvent {
  site: string;
  key: string;
  value: Buffer;
  headers: IHeaders;
  id: string;
}

/**
 * Which event position `i` carries: the step (i mod 3) of order floor(i / 3) − step × trail, or
 * nothing (-1) when that order would come before the first one. Pure, so the shape is unit-tested.
 */
export function flowSlot(i: number, trail: number): { step: number; order: number } {
  const step = i % 3;
  return { step, order: Math.floor(i / 3) - step * trail };
}

/** How many instances a workload of `count` slots opens and completes (its shape, by count). */
export function flowShape(
  count: number,
  trail: number,
): { events: number; opened: number; completed: number } {
  let events = 0;
  let opened = 0;
  let completed = 0;
  for (let i = 0; i < count; i++) {
    const { step, order } = flowSlot(i, trail);
    if (order < 0) continue;
    events++;
    if (step === 0) opened++;
    if (step === 2) completed++;
  }
  return { events, opened, completed };
}

export async function makeFlowWorkload(
  registryUrl: string,
  slots: number,
  sites: readonly string[],
  trail: number,
  seed = 'crossdock-bench-flows-1',
): Promise<FlowBenchEvent[]> {
  const catalog = loadCatalog();
  const entries = FLOW_STEPS.map((t) => catalog.byEventType(t)!);
  const out: FlowBenchEvent[] = [];
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < slots; i++) {
    const { step, order } = flowSlot(i, trail);
    if (order < 0) continue;
    const site = sites[order % sites.length]!;
    const orderId = `${site}-${seed}-O${order}`;
    const eventId = `${seed}-${order}-${step}`;
    const event = sampleEvent({
      eventType: FLOW_STEPS[step],
      siteId: site,
      seed: i,
      occurredAt: new Date(base + i),
      patch: (e) => {
        e.metadata.eventId = eventIdOf(eventId);
        e.metadata.correlationId = `corr-${orderId}`;
        e.orderId = orderId;
        if (step === 2) {
          e.totalAmount = '125.00';
          e.currency = 'USD';
        }
      },
    });
    const entry = entries[step]!;
    out.push({
      site,
      key: businessKey(entry, event),
      value: await encodeEvent(registryUrl, entry, undefined, event),
      headers: ceHeaders(entry, event),
      id: String(event.metadata.eventId),
    });
  }
  return out;
}

/** A stable UUID-shaped event id from a seed string. */
function eventIdOf(seed: string): string {
  let h = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (let c = 0; c < seed.length; c++) h = Math.imul(h ^ seed.charCodeAt(c), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
