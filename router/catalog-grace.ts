import type { Clock } from '../core/clock';
import { CrossdockError } from '../core/errors';
import type { Analyzer, RecordAnalysis } from './analysis';

/**
 * The grace period for events the catalog does not know yet. `crossdock schemas push` registers a
 * version in the registry first and publishes the catalog after it, and routers read the catalog
 * topic a moment later: an event of the new version can arrive in between. So a batch holding an
 * event whose named subject is not in the catalog (CD_E_UNKNOWN_EVENT_TYPE with a subject) or whose
 * schema is none of its subject's versions (CD_E_UNKNOWN_SCHEMA_VERSION) is not planned: this
 * throws the retriable CD_E_SCHEMA_VERSION_PENDING, and the fetch loop holds that partition and
 * retries the batch with its back-off (other partitions go on). Once `graceMs` has passed since the
 * schema id was first met, the verdict stands and the event is dead-lettered with its code.
 *
 * State: when each such schema id was first met (at most MAX_TRACKED ids; the oldest go first).
 */
export interface CatalogGraceOptions {
  /** hub.router.unknownVersionGraceMs; 0 dead-letters at once. */
  graceMs: number;
  clock: Clock;
}

const WAITING_CODES = new Set(['CD_E_UNKNOWN_SCHEMA_VERSION', 'CD_E_UNKNOWN_EVENT_TYPE']);
const MAX_TRACKED = 10_000;

/** The schema id of a rejection the grace period applies to, else undefined. */
export function pendingSchemaId(a: RecordAnalysis): number | undefined {
  if (a.ok || !WAITING_CODES.has(a.rejection.code)) return undefined;
  const d = a.rejection.details;
  // No subject: an unnamed schema, which no catalog can ever name.
  if (typeof d?.subject !== 'string' || typeof d.schemaId !== 'number') return undefined;
  return d.schemaId;
}

/** The pure decision, for tests: which ids still wait at `now`, given when each was first met. */
export function stillWaiting(
  ids: readonly number[],
  firstMet: Map<number, number>,
  now: number,
  graceMs: number,
): number[] {
  const out: number[] = [];
  for (const id of ids) {
    let since = firstMet.get(id);
    if (since === undefined) {
      if (firstMet.size >= MAX_TRACKED) firstMet.delete(firstMet.keys().next().value!);
      firstMet.set(id, (since = now));
    }
    if (now - since < graceMs) out.push(id);
  }
  return out;
}

export function withCatalogGrace(analyzer: Analyzer, options: CatalogGraceOptions): Analyzer {
  const firstMet = new Map<number, number>();
  return {
    async analyze(siteId, records) {
      const analyses = await analyzer.analyze(siteId, records);
      const ids = [...new Set(analyses.map(pendingSchemaId).filter((x): x is number => x !== undefined))];
      if (ids.length === 0) return analyses;
      const waiting = stillWaiting(ids, firstMet, options.clock.now(), options.graceMs);
      if (waiting.length === 0) return analyses;
      throw new CrossdockError(
        'CD_E_SCHEMA_VERSION_PENDING',
        `schema id(s) ${waiting.join(', ')} of ${siteId} name no version of the catalog in force yet; holding the partition for up to ${options.graceMs} ms`,
        { retriable: true, details: { schemaIds: waiting, graceMs: options.graceMs } },
      );
    },
    close: () => analyzer.close(),
  };
}
