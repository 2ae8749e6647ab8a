/**
 * The end-to-end arm's load generator: signed POSTs of one event each (the site's own JSON, as
 * bench/chaos's sender makes them) to HTTP ingest through a keep-alive undici pool. Open loop:
 * events leave on a fixed schedule whatever the answers do (schedule.ts), each stamped with its
 * scheduled time. Closed loop: at most `window` events between send and the receiver, for the
 * maximum throughput.
 */
import { Pool } from 'undici';
import { signedHeaders } from '../../connectors/sources/http/auth';
import type { SiteKey } from '../chaos/config';
import { eventIdFor, variedBody } from '../chaos/sender';
import type { ChaosSite } from '../chaos/topology';
import type { EventStamps } from './breakdown';
import { dueBy, scheduledAt } from './schedule';

export interface LoadEvent {
  idemKey: string;
  eventId: string;
  body: Buffer;
  stamps: EventStamps;
  /** HTTP status of the answer (0: no answer). */
  status?: number;
  /** Error code of a refused or failed request. */
  code?: string;
}

export interface LoadTarget {
  pool: Pool;
  site: ChaosSite;
  sample: unknown;
  key: SiteKey;
  prefix: string;
  now: () => number;
}

export function createPool(url: string, connections: number): Pool {
  return new Pool(url, { connections, keepAliveTimeout: 60000, pipelining: 1 });
}

/** Event `seq` of phase `phase`: its body, Idempotency-Key and the eventId the ingest will give it. */
export function makeEvent(t: LoadTarget, phase: string, seq: number, keysPerSite = 500): LoadEvent {
  const idemKey = `${t.prefix}-${phase}-${seq}`;
  const order = `${t.site.orderPrefix}-${t.prefix}-${seq % keysPerSite}`;
  return {
    idemKey,
    eventId: eventIdFor(t.site.id, idemKey),
    body: variedBody(t.site, t.sample, seq, order),
    stamps: { sched: 0 },
  };
}

/** Sends one event; resolves once it is answered (or failed). Never rejects. */
export function send(t: LoadTarget, e: LoadEvent): Promise<void> {
  e.stamps.sent = t.now();
  return t.pool
    .request({
      path: `/v1/sites/${t.site.id}/events`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': e.idemKey,
        ...signedHeaders({ id: t.key.id, secret: t.key.secret }, e.body),
      },
      body: e.body,
    })
    .then(
      async (res) => {
        const text = await res.body.text();
        e.stamps.acked = t.now();
        e.status = res.statusCode;
        let body: { eventIds?: unknown; code?: unknown } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = undefined;
        }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          const ids = body?.eventIds;
          if (!Array.isArray(ids) || ids[0] !== e.eventId) e.code = 'EVENT_ID_MISMATCH';
        } else e.code = typeof body?.code === 'string' ? body.code : `HTTP_${res.statusCode}`;
      },
      (err: unknown) => {
        e.stamps.acked = undefined;
        e.status = 0;
        e.code = (err as { code?: string }).code ?? 'NO_ANSWER';
      },
    );
}

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

/**
 * Open loop: event k leaves at t0 + k/rate (t0 a little after the call), stamped with that
 * scheduled time. Resolves once every event is answered.
 */
export async function openLoop(t: LoadTarget, events: LoadEvent[], rate: number): Promise<void> {
  const t0 = t.now() + 20;
  const answers: Array<Promise<void>> = [];
  let k = 0;
  while (k < events.length) {
    const due = dueBy(t0, rate, t.now(), events.length);
    for (; k < due; k++) {
      const e = events[k]!;
      e.stamps.sched = scheduledAt(t0, rate, k);
      answers.push(send(t, e));
    }
    await tick();
  }
  await Promise.all(answers);
}

/**
 * Closed loop: keeps `window` events between their send and the receiver (`arrived()` counts the
 * phase's first arrivals) for `seconds`. Returns every event it sent (scheduled = sent).
 */
export async function closedLoop(
  t: LoadTarget,
  phase: string,
  seconds: number,
  window: number,
  arrived: () => number,
): Promise<LoadEvent[]> {
  const events: LoadEvent[] = [];
  const answers: Array<Promise<void>> = [];
  const end = t.now() + seconds * 1000;
  // A refused event never arrives: it leaves the window when its answer comes.
  let refused = 0;
  while (t.now() < end) {
    while (events.length - arrived() - refused < window) {
      const e = makeEvent(t, phase, events.length);
      e.stamps.sched = t.now();
      events.push(e);
      answers.push(
        send(t, e).then(() => {
          if (!(e.status! >= 200 && e.status! < 300)) refused++;
        }),
      );
    }
    await tick();
  }
  await Promise.all(answers);
  return events;
}
