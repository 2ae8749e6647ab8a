/**
 * The headline figures of each arm, read from what the arm wrote (its results document), and its
 * check that nothing was lost or doubled. Pure, tolerant of missing fields (a failed or partial
 * arm gives "—"); unit-tested in test/unit/bench/all/render.test.ts.
 */
import type { E2EResult } from '../e2e/result';
import type { ArmName } from './arms';

export interface Row {
  arm: ArmName;
  measure: string;
  value: string;
  goal: string;
  /** true / false against the goal; undefined when there is none or nothing was measured. */
  met?: boolean;
}

export interface Check {
  arm: ArmName;
  /** Nothing lost or doubled (and the arm's own validity rules held); undefined: not checked. */
  ok?: boolean;
  detail: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- arms' documents are read as loose JSON */
type Doc = any;

const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const r2 = (x: number) => (Math.round(x * 100) / 100).toFixed(2);
const ratio = (m: unknown, lo: unknown, hi: unknown) =>
  num(m) ? `**${r2(m)}** (${num(lo) ? r2(lo) : '?'}–${num(hi) ? r2(hi) : '?'})` : '—';
const atLeast = (m: unknown, goal: number) => (num(m) ? m >= goal : undefined);

function routerRows(d: Doc): Row[] {
  const goals: Record<number, number> = { 1: 0.85, 3: 0.9 };
  const summary = (d?.summary ?? []) as Doc[];
  const rows: Row[] = summary.flatMap((s): Row[] => {
    const goal = goals[s.fanout as number];
    const vsB1: Row = {
      arm: 'router',
      measure: `router H / B1, F = ${s.fanout} (events/s; B1 ${s.b1?.median ?? '—'}, H ${s.h?.median ?? '—'})`,
      value: ratio(s.ratio, s.ratioRange?.[0], s.ratioRange?.[1]),
      goal: goal !== undefined ? `≥ ${goal}` : '—',
      ...(goal !== undefined && num(s.ratio) ? { met: s.ratio >= goal } : {}),
    };
    // With B1 on librdkafka (arm B1RD) in the run, the goal reads H against the faster B1.
    const fastest = s.hOverFastestB1;
    if (!fastest) return [vsB1];
    return [
      {
        arm: 'router',
        measure: `router H / the faster B1 of kafkajs and librdkafka, F = ${s.fanout} (events/s; B1 ${s.b1?.median ?? '—'}, B1RD ${s.b1rd?.median ?? '—'}, H ${s.h?.median ?? '—'})`,
        value: ratio(fastest.median, fastest.range?.[0], fastest.range?.[1]),
        goal: goal !== undefined ? `≥ ${goal}` : '—',
        ...(goal !== undefined && num(fastest.median) ? { met: fastest.median >= goal } : {}),
      },
      { arm: vsB1.arm, measure: `${vsB1.measure}, kafkajs's B1 alone`, value: vsB1.value, goal: '—' },
    ];
  });
  // The Kafka Streams peer S, when CD_BENCH_ARMS had it run (bench/router/streams-peer.ts).
  for (const s of summary.filter((x) => x.hOverS))
    rows.push({
      arm: 'router',
      measure: `router H / Kafka Streams peer S, F = ${s.fanout} (events/s; S ${s.s?.median ?? '—'}, H ${s.h?.median ?? '—'})`,
      value: ratio(s.hOverS.median, s.hOverS.range?.[0], s.hOverS.range?.[1]),
      goal: '≥ 0.9',
      ...(num(s.hOverS.median) ? { met: s.hOverS.median >= 0.9 } : {}),
    });
  return rows;
}

function deliveryRows(d: Doc): Row[] {
  const dr = d?.drain ?? {};
  const rows: Row[] = [
    {
      arm: 'delivery',
      measure: 'delivery connector / raw undici loop (drain, deliveries/s)',
      value: ratio(dr.ratioMedian, dr.ratioMin, dr.ratioMax),
      goal: '≥ 0.8',
      ...(num(dr.ratioMedian) ? { met: dr.ratioMedian >= 0.8 } : {}),
    },
  ];
  if (dr.ceiling)
    rows.push({
      arm: 'delivery',
      measure: 'delivery ceiling C (kafkajs + undici, no Redis/retry) / raw',
      value: ratio(dr.ceiling.median, dr.ceiling.min, dr.ceiling.max),
      goal: '(≥ 0.8 for the goal to be reachable)',
    });
  const hc = d?.openLoop?.halfConnector;
  if (hc)
    rows.push({
      arm: 'delivery',
      measure: `delivery open loop at half the connector's rate (${hc.rate}/s): connector p50 / p99 ms from the schedule`,
      value: `${num(hc.connector?.p50) ? r2(hc.connector.p50) : '—'} / ${num(hc.connector?.p99) ? r2(hc.connector.p99) : '—'}`,
      goal: 'added p99 < 5 ms',
      ...(num(hc.addedP99Ms) ? { met: hc.addedP99Ms < 5 } : {}),
    });
  return rows;
}

function ingestRows(d: Doc): Row[] {
  const row = (measure: string, r: Doc, goal?: number): Row => ({
    arm: 'ingest',
    measure,
    value: ratio(r?.median, r?.min, r?.max),
    goal: goal === undefined ? '—' : `≥ ${goal}`,
    ...(goal !== undefined && atLeast(r?.median, goal) !== undefined
      ? { met: atLeast(r?.median, goal)! }
      : {}),
  });
  return [
    row('ingest single event / bare Fastify route (events/s)', d?.singleVsBare, 0.5),
    row('ingest ceiling C (acks=all produce, as shipped) / bare route', d?.ceilingVsBare),
    row(
      'ingest batched / the faster raw producer of kafkajs and librdkafka (events/s)',
      d?.batchVsRawKafka,
      0.5,
    ),
  ];
}

function e2eRows(d: Partial<E2EResult> | undefined): Row[] {
  const at = (rate: number) =>
    d?.phases?.find((p) => p.kind === 'open' && p.rate === rate && p.label !== 'half max');
  const half = d?.phases?.find((p) => p.label === 'half max');
  const lat = (p: E2EResult['phases'][number] | undefined) =>
    p ? `${p.latencyMs.p50} / ${p.latencyMs.p99} / ${p.latencyMs.p999}` : '—';
  const goal = d?.goal;
  return [
    {
      arm: 'e2e',
      measure: 'end to end maximum (closed loop), events/s delivered',
      value: num(d?.maxPerSec) ? String(d.maxPerSec) : '—',
      goal: '—',
    },
    ...[100, 500, 1000].map((rate): Row => ({
      arm: 'e2e',
      measure: `end to end at ${rate}/s: p50 / p99 / p99.9 ms from the schedule`,
      value: lat(at(rate)),
      goal: goal && rate === goal.rate ? `p99 ≤ ${goal.p99Ms} ms` : '—',
      ...(goal && rate === goal.rate && goal.measuredP99Ms !== null ? { met: goal.met } : {}),
    })),
    {
      arm: 'e2e',
      measure: `end to end at half the maximum (${half?.rate ?? '—'}/s): p50 / p99 / p99.9 ms`,
      value: lat(half),
      goal: '—',
    },
  ];
}

function cliRows(d: Doc): Row[] {
  // bench/cli/startup.ts (CliStartupResult): each arm's wall time over node -e 0's, pair by pair.
  return ((d?.arms ?? []) as Doc[]).map((a) => ({
    arm: 'cli' as const,
    measure: `CLI ${a.arm} / node -e 0 (wall time; ${a.medianMs} ms median, node -e 0 ${d.baselineMedianMs} ms)`,
    value: ratio(a.ratio?.median, a.ratio?.min, a.ratio?.max),
    goal: a.goal ? `≤ ${a.goal.ratio}` : '—',
    ...(a.goal && typeof a.goal.met === 'boolean' ? { met: a.goal.met as boolean } : {}),
  }));
}

export function rowsOf(arm: ArmName, doc: unknown): Row[] {
  switch (arm) {
    case 'router':
      return routerRows(doc);
    case 'delivery':
      return deliveryRows(doc);
    case 'ingest':
      return ingestRows(doc);
    case 'e2e':
      return e2eRows(doc as Partial<E2EResult> | undefined);
    case 'cli':
      return cliRows(doc);
  }
}

/** Every event once, by the arm's own count. */
export function checkOf(arm: ArmName, doc: unknown): Check {
  const d = doc as Doc;
  if (!d) return { arm, detail: 'no results' };
  switch (arm) {
    case 'router': {
      const invalid = ((d.summary ?? []) as Doc[]).reduce((n, s) => n + (Number(s.invalidRuns) || 0), 0);
      const runs = ((d.runs ?? []) as Doc[]).length;
      return {
        arm,
        ok: invalid === 0 && runs > 0,
        detail: `${runs - invalid} of ${runs} runs exactly once on every output topic, per-key order kept`,
      };
    }
    case 'delivery': {
      const reps = (d.drain?.reps ?? []) as Doc[];
      const open = Object.values(d.openLoop ?? {}) as Doc[];
      const bad = reps.filter((r) => r.lossOrDup).length + open.filter((o) => o.lossOrDup).length;
      const disorder = reps.reduce((n, r) => n + (Number(r.outOfOrder) || 0), 0);
      return {
        arm,
        ok: bad === 0 && disorder === 0 && reps.length > 0,
        detail: `drains ${reps.length}, open loops ${open.length}: ${bad} with an event lost or doubled, ${disorder} out of per-key order`,
      };
    }
    case 'ingest':
      return {
        arm,
        ok: d.invalid === false,
        detail: `every answer 2xx and the topic holds every event answered 202: ${d.invalid === false ? 'yes' : 'no'} (accepted ${d.accepted}, in topic ${d.inTopic})`,
      };
    case 'e2e': {
      const phases = ((d.phases ?? []) as E2EResult['phases']).filter((p) => p.accounting);
      const sum = (k: 'lost' | 'doubled' | 'sent' | 'unexpected') =>
        phases.reduce((n, p) => n + (p.accounting[k] ?? 0), 0);
      return {
        arm,
        ok: d.valid === true,
        detail: `${sum('sent')} events sent and accepted: lost ${sum('lost')}, doubled ${sum('doubled')}${
          (d.problems ?? []).length ? `; ${(d.problems as string[]).join('; ')}` : ''
        }`,
      };
    }
    case 'cli':
      return { arm, detail: 'no events (start-up time only)' };
  }
}
