import { CrossdockError } from '../core/errors';
import { headersToStrings } from '../core/dead-letters';
import { originOf, payloadHash, type Deduper, type SeenVerdict } from './dedupe';
import type { Router, RoutingDecision } from './match';
import type { IngressRecord, Rejection, Validator } from './validate';

/**
 * Analysis: the per-record part of planning — validate the record (router/validate.ts), hash
 * its Avro body, decide its subscribers, then check the accepted ones for duplicates in Redis
 * (router/dedupe.ts: one round trip per batch; a first sighting's mark records the subscribers
 * and routes decided here, which is why routing comes before the check). What is left for the planner (router/batch.ts)
 * is building the copies, which need the record's bytes and the main thread's producers.
 *
 * Two implementations with one contract: createLocalAnalyzer() runs on the calling thread;
 * createWorkerAnalyzer() (router/analysis-pool.ts) runs the same code on worker threads, so
 * decoding and validation overlap the main thread's Kafka work.
 */

/** The subscribers of one event, and the route that selected each. Shared: do not modify. */
export type RouteChoice = Readonly<Pick<RoutingDecision, 'subscribers' | 'routeOf'>>;

/** The verdict on one record: accepted (with what the planner needs of it) or refused. */
export type RecordAnalysis =
  | {
      ok: true;
      eventId: string;
      correlationId: string;
      eventType: string;
      /**
       * What the copies' missing CloudEvents headers are made of (router/batch.ts stamps them):
       * the record full name, the metadata's sourceSystem and occurredAt (epoch ms). The siteId
       * is the ingress topic's, which validation checked equal to the metadata's.
       */
      subject: string;
      sourceSystem: string;
      occurredAt: number;
      /** payloadHash() of the Avro body after the framing. */
      hash: string;
      route: RouteChoice;
      /** The duplicate check's verdict (router/dedupe.ts); the mark is written by the check. */
      seen: SeenVerdict;
    }
  | { ok: false; rejection: Rejection };

/** The rejection of an event whose eventId was seen with another payload (router.dedupe). */
export function conflictRejection(a: {
  eventId: string;
  correlationId: string;
  eventType: string;
}): Rejection {
  return {
    code: 'CD_E_DUPLICATE_CONFLICT',
    message: `eventId ${a.eventId} was already seen with a different payload`,
    stage: 'router.dedupe',
    eventId: a.eventId,
    correlationId: a.correlationId,
    eventType: a.eventType,
  };
}

export interface Analyzer {
  /**
   * One analysis per record, in order. Rejects with a retriable CrossdockError when a dependency
   * is down (the registry; Redis: CD_E_ROUTER_STATE_UNAVAILABLE) or the worker failed: the caller
   * retries the whole batch, and nothing has been dead-lettered.
   */
  analyze(siteId: string, records: readonly IngressRecord[]): Promise<RecordAnalysis[]>;
  /** Releases threads (no-op in-thread). */
  close(): Promise<void>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A record's analysis without the duplicate check's verdict. */
export type Unchecked =
  Exclude<RecordAnalysis, { ok: true }> | Omit<Extract<RecordAnalysis, { ok: true }>, 'seen'>;

/**
 * Analysis of one record before the duplicate check; synchronous unless the registry must be asked.
 * Also the first half of the read-only check of a dead letter's replay (router/replay-check.ts).
 */
export function analyzeRecord(
  validator: Validator,
  router: Router,
  record: IngressRecord,
  siteId: string,
): Unchecked | Promise<Unchecked> {
  const finish = (v: Awaited<ReturnType<Validator['validate']>>): Unchecked => {
    if (!v.ok) return { ok: false, rejection: v.rejection };
    const e = v.valid;
    const headers = router.usesHeaders ? headersToStrings(record.headers) : NO_HEADERS;
    return {
      ok: true,
      eventId: e.metadata.eventId,
      correlationId: e.metadata.correlationId,
      eventType: e.identity.eventType,
      subject: e.identity.subject,
      sourceSystem: e.metadata.sourceSystem,
      occurredAt: e.metadata.occurredAt.getTime(),
      hash: payloadHash(e.body),
      route: router.route({ eventType: e.identity.eventType, siteId, headers, event: e.event }),
    };
  };
  const v = validator.validate(record, siteId);
  return v instanceof Promise ? v.then(finish) : finish(v);
}

export interface AnalysisDeps {
  validator: Validator;
  router: Router;
  deduper: Deduper;
}

/** Every record of a batch, on this thread (no await per record when schemas are cached). */
export async function analyzeBatch(
  deps: AnalysisDeps,
  siteId: string,
  records: readonly IngressRecord[],
): Promise<RecordAnalysis[]> {
  const out: Unchecked[] = new Array(records.length);
  const accepted: number[] = [];
  for (let i = 0; i < records.length; i++) {
    let a = analyzeRecord(deps.validator, deps.router, records[i]!, siteId);
    if (a instanceof Promise) a = await a;
    out[i] = a;
    if (a.ok) accepted.push(i);
  }
  let verdicts: SeenVerdict[];
  try {
    verdicts = await deps.deduper.check(
      accepted.map((i) => {
        const a = out[i] as Extract<Unchecked, { ok: true }>;
        const r = records[i]!;
        return {
          eventId: a.eventId,
          hash: a.hash,
          origin: originOf(r.topic, r.partition, r.offset),
          route: a.route,
        };
      }),
    );
  } catch (err) {
    throw new CrossdockError(
      'CD_E_ROUTER_STATE_UNAVAILABLE',
      `duplicate check failed: ${err instanceof Error ? err.message : String(err)}`,
      { retriable: true, cause: err },
    );
  }
  accepted.forEach((i, j) => ((out[i] as RecordAnalysis & { ok: true }).seen = verdicts[j]!));
  return out as RecordAnalysis[];
}

export function createLocalAnalyzer(deps: AnalysisDeps): Analyzer {
  return {
    analyze: (siteId, records) => analyzeBatch(deps, siteId, records),
    close: async () => undefined,
  };
}
