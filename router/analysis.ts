import { headersToStrings } from '../dlq/headers';
import { payloadHash } from './dedupe';
import type { Router, RoutingDecision } from './match';
import type { IngressRecord, Rejection, Validator } from './validate';

/**
 * Analysis: the per-record part of planning that needs no I/O of the router's own — validate
 * the record (router/validate.ts), hash its Avro body for duplicate detection, and decide its
 * subscribers. What is left for the planner (router/batch.ts) is the duplicate check in Redis
 * and building the copies, which need the record's bytes and the main thread's connections.
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
      /** payloadHash() of the Avro body after the framing. */
      hash: string;
      route: RouteChoice;
    }
  | { ok: false; rejection: Rejection };

export interface Analyzer {
  /**
   * One analysis per record, in order. Rejects with a retriable CrossdockError when a dependency
   * (the registry) is down or the worker failed: the caller retries the whole batch, and nothing
   * has been dead-lettered.
   */
  analyze(siteId: string, records: readonly IngressRecord[]): Promise<RecordAnalysis[]>;
  /** Releases threads (no-op in-thread). */
  close(): Promise<void>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Analysis of one record on this thread; synchronous unless the validator must ask the registry. */
export function analyzeRecord(
  validator: Validator,
  router: Router,
  record: IngressRecord,
  siteId: string,
): RecordAnalysis | Promise<RecordAnalysis> {
  const finish = (v: Awaited<ReturnType<Validator['validate']>>): RecordAnalysis => {
    if (!v.ok) return { ok: false, rejection: v.rejection };
    const e = v.valid;
    const headers = router.usesHeaders ? headersToStrings(record.headers) : NO_HEADERS;
    return {
      ok: true,
      eventId: e.metadata.eventId,
      correlationId: e.metadata.correlationId,
      eventType: e.identity.eventType,
      hash: payloadHash(e.body),
      route: router.route({ eventType: e.identity.eventType, siteId, headers, event: e.event }),
    };
  };
  const v = validator.validate(record, siteId);
  return v instanceof Promise ? v.then(finish) : finish(v);
}

/** Every record of a batch, on this thread (no await per record when schemas are cached). */
export async function analyzeBatch(
  validator: Validator,
  router: Router,
  siteId: string,
  records: readonly IngressRecord[],
): Promise<RecordAnalysis[]> {
  const out: RecordAnalysis[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    let a = analyzeRecord(validator, router, records[i]!, siteId);
    if (a instanceof Promise) a = await a;
    out[i] = a;
  }
  return out;
}

export function createLocalAnalyzer(validator: Validator, router: Router): Analyzer {
  return {
    analyze: (siteId, records) => analyzeBatch(validator, router, siteId, records),
    close: async () => undefined,
  };
}
