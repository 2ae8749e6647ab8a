import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** The event's own id in a JSON webhook body (metadata.eventId), or undefined. */
export function eventIdOfBody(raw: Buffer): string | undefined {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { metadata?: { eventId?: unknown } };
    const id = body?.metadata?.eventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

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
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
  const record = (d: ReceivedDelivery, arrivedAt: number) => {
    deliveries.push(d);
    options.onDelivery?.(d, arrivedAt);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrivedAt = performance.timeOrigin + performance.now();
      const eventId = eventIdOfBody(Buffer.concat(chunks));
      const header = req.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(header) ? header[0] : header;
      const mode = receiver.mode;
      if (mode.kind === 'failing') {
        record({ subscriber, eventId, idempotencyKey, status: 503, effect: false }, arrivedAt);
        res.writeHead(503, { 'content-type': 'text/plain' }).end('chaos: failing for a while');
        return;
      }
      // No key: the receiver cannot dedupe, every request is an effect.
      const effect = idempotencyKey === undefined || !seenKeys.has(idempotencyKey);
      if (idempotencyKey !== undefined) seenKeys.add(idempotencyKey);
      record({ subscriber, eventId, idempotencyKey, status: 200, effect }, arrivedAt);
      const answer = () => {
        if (!res.destroyed) res.writeHead(200).end();
      };
      if (mode.kind === 'slow') setTimeout(answer, mode.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 65000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${subscriber}`;
  return receiver;
}
