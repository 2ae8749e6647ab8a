import type { Random } from '../core/random';
import { eventIdOfBody, headerOf, startReceiverServer, type ReceiverServer } from './receiver-server';

/**
 * Local stand-ins for the downstream systems of examples/hub.yaml's webhook subscribers. Each
 * behaves like a careful receiver: the first 2xx for an Idempotency-Key applies the event, later
 * requests with that key are answered 2xx and counted as repeats. Their characters:
 * - central-erp refuses an item number in the old format (`sku-10001`) with 422: a permanent
 *   failure, dead-lettered by its connector;
 * - tms is flaky: a share of its answers are 500, and it has a short outage (503 to everything),
 *   so retries, its breaker opening and closing, and events waiting for it show;
 * - finance and customer-notifications take everything.
 */

export interface Delivery {
  /** When the receiver first applied the event (ms since the epoch). */
  at: number;
  /** Requests for this event, the first included. */
  requests: number;
}

export interface StandInReceiver {
  readonly subscriber: string;
  readonly url: string;
  /** Applied events by eventId. */
  readonly delivered: Map<string, Delivery>;
  /** Answers given, by status. */
  readonly answers: Record<number, number>;
  /** The business starts now: the outage schedule counts from here (none before). */
  begin(): void;
  close(): Promise<void>;
}

/** When the flaky receiver is down, relative to the start of the business (ms). */
export interface Outage {
  startMs: number;
  lengthMs: number;
  /** Repeats every this many ms (0: once). */
  everyMs: number;
}

export interface ReceiverBehaviour {
  /** Share of requests answered 500 outside the outage. */
  errorShare?: number;
  outage?: Outage;
  /** Refuse events whose items are not in the item master format. */
  refuseUnknownSku?: boolean;
}

/** The behaviours of examples/hub.yaml's webhook subscribers in the demo. */
export function standInBehaviours(outage: Outage): Record<string, ReceiverBehaviour> {
  return {
    'central-erp': { refuseUnknownSku: true },
    finance: {},
    'customer-notifications': {},
    tms: { errorShare: 0.05, outage },
  };
}

/** Whether `t` (ms since the receiver started) falls in an outage. */
export function inOutage(outage: Outage | undefined, t: number): boolean {
  if (!outage || t < outage.startMs) return false;
  const since = t - outage.startMs;
  return outage.everyMs > 0 ? since % outage.everyMs < outage.lengthMs : since < outage.lengthMs;
}

const ITEM_MASTER_SKU = /^SKU-\d{5}$/;

/** The item numbers of an event body (lines[].sku, sku). */
export function skusOf(body: unknown): string[] {
  const b = body as { sku?: unknown; lines?: Array<{ sku?: unknown }> };
  const out: string[] = [];
  if (typeof b?.sku === 'string') out.push(b.sku);
  for (const l of Array.isArray(b?.lines) ? b.lines : []) if (typeof l?.sku === 'string') out.push(l.sku);
  return out;
}

export async function startStandIn(
  subscriber: string,
  behaviour: ReceiverBehaviour,
  options: { port: number; path: string; random: Random; now?: () => number },
): Promise<StandInReceiver> {
  const now = options.now ?? Date.now;
  let started: number | undefined;
  const delivered = new Map<string, Delivery>();
  const answers: Record<number, number> = {};
  const answer = (status: number, body?: unknown) => {
    answers[status] = (answers[status] ?? 0) + 1;
    return { status, body };
  };
  const server: ReceiverServer = await startReceiverServer(
    (req) => {
      const eventId = headerOf(req.headers, 'idempotency-key') ?? eventIdOfBody(req.body);
      if (started !== undefined && inOutage(behaviour.outage, now() - started))
        return answer(503, { error: `${subscriber} is down for maintenance (demo outage)` });
      if (behaviour.errorShare && options.random.chance(behaviour.errorShare))
        return answer(500, { error: `${subscriber}: internal error (demo)` });
      if (behaviour.refuseUnknownSku) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(req.body.toString('utf8'));
        } catch {
          return answer(400, { error: 'not JSON' });
        }
        const unknown = skusOf(parsed).filter((s) => !ITEM_MASTER_SKU.test(s));
        if (unknown.length)
          return answer(422, { error: `unknown item ${unknown[0]} (item numbers are SKU-nnnnn)` });
      }
      if (eventId) {
        const d = delivered.get(eventId);
        if (d) d.requests++;
        else delivered.set(eventId, { at: now(), requests: 1 });
      }
      return answer(200, { ok: true });
    },
    { port: options.port },
  );
  return {
    subscriber,
    url: `${server.url}${options.path}`,
    delivered,
    answers,
    begin: () => void (started = now()),
    close: () => server.close(),
  };
}
