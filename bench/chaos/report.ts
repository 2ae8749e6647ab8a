import type { FaultRecord } from './faults';
import type { StuckProcess, UnplannedExit } from './hub';
import type { Reconciliation } from './reconcile';
import type { SenderStats } from './sender';

/** The soak's final summary (`--json` prints it as is) and its text form. */
export interface ChaosSummary {
  command: string;
  seed: number;
  minutes: number;
  rate: number;
  startedAt: string;
  faultPhaseS: number;
  /** From the end of the fault phase until nothing was left unsettled (or the timeout). */
  settleS: number;
  settled: boolean;
  faults: { total: number; byKind: Record<string, number>; log: FaultRecord[] };
  unplannedExits: UnplannedExit[];
  /** Processes the watchdog found alive but silent and restarted. */
  stuck: StuckProcess[];
  /** Hub processes that did not answer /readyz 200 at the end. */
  notReady: string[];
  sender: SenderStats & { unconfirmed: number };
  count: Reconciliation;
  /** Why the run failed; empty when it passed. */
  problems: string[];
}

export function problemsOf(s: Pick<ChaosSummary, 'count' | 'notReady' | 'stuck'>): string[] {
  const out: string[] = [];
  if (s.count.lost > 0) out.push(`${s.count.lost} (event, subscriber) pairs lost`);
  if (s.count.duplicatedEffects.pairs > 0)
    out.push(`${s.count.duplicatedEffects.pairs} pairs had their effect applied more than once`);
  if (s.count.unexpected > 0) out.push(`${s.count.unexpected} deliveries to a subscriber no route selected`);
  if (s.stuck.length)
    out.push(`stuck processes restarted by the watchdog: ${s.stuck.map((p) => p.name).join(', ')}`);
  if (s.notReady.length) out.push(`not ready at the end: ${s.notReady.join(', ')}`);
  return out;
}

const pct = (n: number, of: number) => (of === 0 ? '0%' : `${((100 * n) / of).toFixed(2)}%`);

export function summaryText(s: ChaosSummary): string {
  const c = s.count;
  const kinds = Object.entries(s.faults.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const codes = Object.entries(c.deadLettered.byCode)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `crossdock chaos soak — seed ${s.seed}, ${s.minutes} min of faults at ${s.rate} events/s`,
    `  command           ${s.command}`,
    `  faults            ${s.faults.total}${kinds ? ` (${kinds})` : ''}`,
    `  unplanned exits   ${s.unplannedExits.length}${s.unplannedExits.length ? ` (${s.unplannedExits.map((e) => e.name).join(', ')})` : ''}`,
    `  stuck processes   ${s.stuck.length}${s.stuck.length ? ` (${s.stuck.map((e) => e.name).join(', ')}; killed -9 and restarted by the watchdog)` : ''}`,
    `  events sent       ${s.sender.generated} (requests ${s.sender.requests}, retried ${s.sender.retries}, no answer ${s.sender.noAnswer})`,
    `  events accepted   ${c.accepted} (2xx with its eventId; unconfirmed ${s.sender.unconfirmed}, of which delivered ${c.unconfirmedDelivered})`,
    `  pairs expected    ${c.pairs} (accepted event × subscriber its routes select)`,
    `  delivered         ${c.delivered} (${pct(c.delivered, c.pairs)})`,
    `  lost              ${c.lost}`,
    `  redelivered       ${c.redelivered.pairs} pairs, ${c.redelivered.extra} extra 2xx`,
    `  duplicated effect ${c.duplicatedEffects.pairs} pairs`,
    `  dead-lettered     ${c.deadLettered.pairs} pairs${codes ? ` (${codes})` : ''}; also delivered ${c.deliveredAndDeadLettered}`,
    `  receiver requests ${c.requests.total} (refused ${c.requests.refused}); Idempotency-Key ≠ eventId ${c.keyNotEventId}; unexpected ${c.unexpected}; unknown ${c.unknown}`,
    `  settled           ${s.settled ? `yes, ${s.settleS} s after the last fault` : `no, still ${c.lost} pairs open after ${s.settleS} s`}`,
  ];
  if (c.lostSample.length)
    lines.push(
      '  lost (sample):',
      ...c.lostSample.map(
        (l) => `    ${l.eventId} → ${l.subscriber} (site ${l.siteId}, ${l.attempts} requests)`,
      ),
    );
  lines.push(
    s.problems.length ? `FAILED: ${s.problems.join('; ')}` : 'PASSED: nothing lost, no effect duplicated',
  );
  return lines.join('\n');
}
