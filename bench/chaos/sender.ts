import fs from 'node:fs';
import path from 'node:path';
import { signedHeaders } from '../../connectors/sources/http/auth';
import { uuidV5 } from '../../connectors/sources/envelope';
import { decide, noAnswerBackoffMs } from './answers';
import type { SiteKey } from './config';
import { ROOT, sleep } from './procs';
import type { Random } from '../../core/random';
import type { AcceptedEvent } from './reconcile';
import { EVENT_TYPE, SITES, selectedSubscribers, type ChaosSite } from './topology';

/**
 * The sites' load: signed POSTs of one event each to HTTP ingest at a steady rate, from several
 * sites. Every event has its own Idempotency-Key; a request without a 2xx is retried with the same
 * key and body (so the same eventId), signed anew, honouring Retry-After — as a real client would.
 * An event counts as accepted only once a 2xx named its eventId.
 */
export interface SenderStats {
  generated: number;
  accepted: number;
  /** Events waiting to be (re)sent or in flight. */
  pending: number;
  requests: number;
  retries: number;
  noAnswer: number;
  byStatus: Record<string, number>;
  refused: Record<string, number>;
}

export interface Sender {
  start(): void;
  /** Stops making new events (those pending still go on). */
  stopGenerating(): void;
  /** Waits until nothing is pending, or the timeout; then stops. Returns the events still pending. */
  drain(timeoutMs: number): Promise<number>;
  stats(): SenderStats;
  accepted(): AcceptedEvent[];
  /** eventIds of events sent but never confirmed. */
  unconfirmed(): string[];
}

interface Outgoing {
  site: ChaosSite;
  key: SiteKey;
  idemKey: string;
  body: Buffer;
  eventId: string;
  failures: number;
  notBefore: number;
}

/** The site's sample input (sites/<id>/samples/...), as parsed JSON. */
export function sampleOf(site: ChaosSite): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'sites', site.id, 'samples', site.sample), 'utf8'));
}

/**
 * A body of the site's own format for one event: its sample with the order number set to `order`
 * and the customer's name made unique by `seq` (two bodies alike signed in the same second would
 * be refused as a replay, CD_E_AUTH_REPLAYED). Also used by the end-to-end benchmark (bench/e2e).
 */
export function variedBody(site: ChaosSite, sample: unknown, seq: number, order: string): Buffer {
  const copy = structuredClone(sample) as Record<string, unknown> | Array<Record<string, unknown>>;
  const record = Array.isArray(copy) ? copy[0]! : copy;
  record[site.orderField] = order;
  const customer = record[site.customerField] as Record<string, unknown>;
  const nameField = 'name' in customer ? 'name' : 'nombre';
  customer[nameField] = `${String(customer[nameField])} #${seq}`;
  return Buffer.from(JSON.stringify(copy));
}

/** The eventId the ingest gives the first event of a request with this Idempotency-Key. */
export function eventIdFor(siteId: string, idempotencyKey: string): string {
  return uuidV5(`${siteId}|idem|${idempotencyKey}|0`);
}

export function createSender(options: {
  ingestUrl: string;
  keys: readonly SiteKey[];
  ratePerSecond: number;
  concurrency: number;
  /** Distinct business keys per site (events of one key are kept in order by the subscribers). */
  keysPerSite: number;
  rng: Random;
  runTag: string;
  requestTimeoutMs?: number;
}): Sender {
  const samples = new Map(SITES.map((s) => [s.id, sampleOf(s)]));
  const queue: Outgoing[] = [];
  const acceptedEvents = new Map<string, AcceptedEvent>();
  const sentIds = new Set<string>();
  const stats: SenderStats = {
    generated: 0,
    accepted: 0,
    pending: 0,
    requests: 0,
    retries: 0,
    noAnswer: 0,
    byStatus: {},
    refused: {},
  };
  let generating = false;
  let running = false;
  let inFlight = 0;
  /** No answer at all (connection refused, timeout): the whole client backs off, as one would. */
  let silentInARow = 0;
  let pauseUntil = 0;
  let ticker: NodeJS.Timeout | undefined;
  let credit = 0;
  let last = Date.now();
  const timeoutMs = options.requestTimeoutMs ?? 15000;

  function makeEvent(): Outgoing {
    const site = options.rng.pick(SITES);
    const key = options.keys.find((k) => k.siteId === site.id)!;
    const seq = ++stats.generated;
    const order = `${site.orderPrefix}-${options.runTag}-${options.rng.int(1, options.keysPerSite)}`;
    const idemKey = `chaos-${options.runTag}-${seq}`;
    return {
      site,
      key,
      idemKey,
      body: variedBody(site, samples.get(site.id), seq, order),
      eventId: eventIdFor(site.id, idemKey),
      failures: 0,
      notBefore: 0,
    };
  }

  async function sendOnce(o: Outgoing): Promise<void> {
    stats.requests++;
    sentIds.add(o.eventId);
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(`${options.ingestUrl}/v1/sites/${o.site.id}/events`, {
        method: 'POST',
        body: o.body,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': o.idemKey,
          ...signedHeaders({ id: o.key.id, secret: o.key.secret }, o.body),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await res.json().catch(() => undefined);
    } catch {
      stats.noAnswer++;
      silentInARow++;
      pauseUntil = Math.max(pauseUntil, Date.now() + noAnswerBackoffMs(silentInARow));
      o.failures++;
      o.notBefore = Date.now() + noAnswerBackoffMs(o.failures);
      stats.retries++;
      queue.push(o);
      return;
    }
    silentInARow = 0;
    stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
    const d = decide(res.status, body, res.headers.get('retry-after'), Date.now());
    if (d.kind === 'accepted') {
      for (const id of d.eventIds) {
        if (acceptedEvents.has(id)) continue;
        acceptedEvents.set(id, {
          eventId: id,
          siteId: o.site.id,
          subscribers: selectedSubscribers(o.site, EVENT_TYPE),
        });
        stats.accepted++;
      }
    } else if (d.kind === 'retry') {
      o.failures++;
      o.notBefore = Date.now() + d.waitMs;
      stats.retries++;
      queue.push(o);
    } else {
      stats.refused[d.code] = (stats.refused[d.code] ?? 0) + 1;
    }
  }

  async function worker(): Promise<void> {
    while (running) {
      const now = Date.now();
      if (now < pauseUntil) {
        await sleep(Math.min(100, pauseUntil - now));
        continue;
      }
      const i = queue.findIndex((o) => o.notBefore <= now);
      if (i < 0) {
        await sleep(20);
        continue;
      }
      const [o] = queue.splice(i, 1);
      inFlight++;
      try {
        await sendOnce(o!);
      } finally {
        inFlight--;
      }
    }
  }

  return {
    start() {
      running = generating = true;
      last = Date.now();
      ticker = setInterval(() => {
        const now = Date.now();
        if (generating) {
          credit += ((now - last) / 1000) * options.ratePerSecond;
          while (credit >= 1) {
            credit -= 1;
            queue.push(makeEvent());
          }
        }
        last = now;
      }, 50);
      for (let i = 0; i < options.concurrency; i++) void worker();
    },
    stopGenerating() {
      generating = false;
    },
    async drain(timeout) {
      generating = false;
      const deadline = Date.now() + timeout;
      while ((queue.length > 0 || inFlight > 0) && Date.now() < deadline) await sleep(200);
      running = false;
      clearInterval(ticker);
      while (inFlight > 0) await sleep(50);
      return queue.length;
    },
    stats: () => ({ ...stats, pending: queue.length + inFlight }),
    accepted: () => [...acceptedEvents.values()],
    unconfirmed: () => [...sentIds].filter((id) => !acceptedEvents.has(id)),
  };
}
