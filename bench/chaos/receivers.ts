import { eventIdOfBody, headerOf, startReceiverServer } from '../../demo';
import type { ReceivedDelivery } from './reconcile';

/**
 * The subscribers' webhook receivers, run by the harness. Each behaves like a careful receiver:
 * it applies an event's effect the first time it sees its Idempotency-Key and answers 2xx to every
 * later request with that key without applying it again (as docs/retry.md asks receivers to).
 * The effect is applied when the request arrives, before a slow receiver's delay, so a request
 * the hub gave up waiting for has still had its effect. Faults switch a receiver to `slow` (answers
 * after a delay) or `failing` (503, nothing applied).
 */
export type ReceiverMode = { kind: 'normal' } | { kind: 'slow'; delayMs: number } | { kind: 'failing' };

export interface Receiver {
  subscriber: string;
  url: string;
  mode: ReceiverMode;
  /** Requests received (the log the outside count reads). */
  readonly deliveries: ReceivedDelivery[];
  close(): Promise<void>;
}

export { eventIdOfBody };

export interface ReceiverOptions {
  /** Called for every request as it is recorded, with its arrival time (ms, epoch, sub-ms). */
  onDelivery?: (delivery: ReceivedDelivery, arrivedAt: number) => void;
}

export async function startReceiver(subscriber: string, options: ReceiverOptions = {}): Promise<Receiver> {
  const seenKeys = new Set<string>();
  const deliveries: ReceivedDelivery[] = [];
  const receiver: Receiver = {
    subscriber,
    url: '',
    mode: { kind: 'normal' },
    deliveries,
    close: () => server.close(),
  };
  const record = (d: ReceivedDelivery, arrivedAt: number) => {
    deliveries.push(d);
    options.onDelivery?.(d, arrivedAt);
  };
  const server = await startReceiverServer((req) => {
    const arrivedAt = performance.timeOrigin + performance.now();
    const eventId = eventIdOfBody(req.body);
    const idempotencyKey = headerOf(req.headers, 'idempotency-key');
    const mode = receiver.mode;
    if (mode.kind === 'failing') {
      record({ subscriber, eventId, idempotencyKey, status: 503, effect: false }, arrivedAt);
      return { status: 503, body: 'chaos: failing for a while' };
    }
    // No key: the receiver cannot dedupe, every request is an effect.
    const effect = idempotencyKey === undefined || !seenKeys.has(idempotencyKey);
    if (idempotencyKey !== undefined) seenKeys.add(idempotencyKey);
    record({ subscriber, eventId, idempotencyKey, status: 200, effect }, arrivedAt);
    return mode.kind === 'slow' ? { status: 200, delayMs: mode.delayMs } : { status: 200 };
  });
  receiver.url = `${server.url}/${subscriber}`;
  return receiver;
}
