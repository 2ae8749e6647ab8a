/**
 * The "Flow tracker" section of docs/benchmarks.md, rewritten between its markers from the run's
 * document (bench/results/flows.json), so the two agree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FlowBenchDoc } from './run';

type Spread = { median: number; min: number; max: number } | null;
type Ratio = { median: number; range: [number, number]; pairs: number } | null;

const sp = (s: Spread, unit = '') => (s ? `${s.median}${unit} (${s.min}–${s.max})` : '—');
const ra = (r: Ratio) =>
  r ? `**${r.median}** (${r.range[0]}–${r.range[1]}, ${r.pairs} pair${r.pairs > 1 ? 's' : ''})` : '—';

export function flowSection(doc: FlowBenchDoc): string {
  const s = doc.summary as Record<string, Spread | Ratio | number | boolean>;
  const w = doc.workload;
  const rows = [
    ['router with the tracker / router alone (events/s, same run)', ra(s.routerWithTrackerVsAlone as Ratio)],
    [
      'tracker / router while the router runs (records/s each, same offset samples)',
      ra(s.trackerVsRouterWhileRouting as Ratio),
    ],
    [
      "tracker / router over the second half of the router's window (once the lag has built up)",
      ra(s.trackerVsRouterSecondHalf as Ratio),
    ],
    [
      "tracker / router, each from its warm-up share to its last record (the tracker's catch-up included)",
      ra(s.trackerVsRouter as Ratio),
    ],
    ['router alone, events/s', sp(s.routerAlonePerSec as Spread)],
    ['router with the tracker, events/s', sp(s.routerWithTrackerPerSec as Spread)],
    ['tracker while the router runs, facts/s', sp(s.trackerPerSecWhileRouting as Spread)],
    ['tracker from its warm-up share to its last record, facts/s', sp(s.trackerPerSec as Spread)],
    ['tracker lag, max (records; offsets)', sp(s.maxLag as Spread)],
    [
      '… max in the first / second half of the router window',
      `${sp(s.maxLagFirstHalf as Spread)} / ${sp(s.maxLagSecondHalf as Spread)}`,
    ],
    ['… slope while the router runs (records/s)', sp(s.lagSlopePerSec as Spread)],
    [
      "… slope over the second half of the router's window (records/s)",
      sp(s.lagSlopeSecondHalfPerSec as Spread),
    ],
    ["… at the router's end (records)", sp(s.lagAtRouterEnd as Spread)],
    ["… max of crossdock_flow_tracker_lag_records (the component's gauge)", sp(s.maxLagGauge as Spread)],
    ['tracker catch-up after the router finished (s)', sp(s.catchUpSeconds as Spread)],
    ['router window (s)', sp(s.routerSeconds as Spread)],
    ['tracker CPU % / RSS MB', `${sp(s.trackerCpuPercent as Spread)} / ${sp(s.trackerRssMb as Spread)}`],
    ...(s.trackerCpuUsPerFact
      ? ([['tracker CPU per fact, from ready to stop (µs)', sp(s.trackerCpuUsPerFact as Spread)]] as const)
      : []),
    [
      'T: the tracker alone / the router alone (facts/s / events/s, same pair)',
      ra(s.trackerAloneVsRouterAlone as Ratio),
    ],
    ['T: the tracker alone, facts/s', sp(s.trackerAlonePerSec as Spread)],
    ['T: tracker CPU per fact alone (µs)', sp(s.trackerAloneCpuUsPerFact as Spread)],
    ['scorecard site-hour hash (bytes, MEMORY USAGE)', sp(s.siteHourBytes as Spread)],
    [
      'flow engine in the tracker (its open-instance counter written)',
      s.engineInTracker ? 'yes' : 'no: the tracker ran the feed and the scorecard recorder only',
    ],
    ['open order-to-cash instances at the end of a run', sp(s.openInstancesAtEnd as Spread)],
    ['invalid runs', String(s.invalidRuns)],
  ];
  const mem = doc.memory
    ? [
        '',
        `Redis memory per open ${doc.memory.flow} instance (${doc.memory.instances} instances opened through the engine's store; MEMORY USAGE per key, and the server's used_memory delta):`,
        '',
        '| stage | instance hash | other flow keys (deadlines, applied, counters) | total | used_memory Δ |',
        '|---|---|---|---|---|',
        ...doc.memory.stages.map(
          (m) =>
            `| ${m.stage} | ${m.instanceBytes} B | ${m.otherBytes} B | **${m.totalBytes} B** | ${m.usedMemoryDelta} B |`,
        ),
      ]
    : [];
  return [
    '<!-- flows:begin (written by npm run bench:flows) -->',
    '## Flow tracker (router alone vs router with the tracker)',
    '',
    `Measured ${doc.date.slice(0, 16).replace('T', ' ')} UTC on ${String(doc.machine.cpus)} shared cores (${String(doc.machine.cpuModel)}), Node ${String(doc.machine.node)}, the local stack on the same machine. Reproduce: \`${doc.command}\`.`,
    `Workload: ${String(w.events)} events per run (order-to-cash: ${String(w.orders)} orders released, shipped ${String(w.trail)} orders later, invoiced ${String(w.trail)} after that, so about ${2 * Number(w.trail)} instances open at any time and ${String(w.completing)} complete; ~${String(w.avroBytes)} B Avro), ${String(w.sites)} ingress topics × ${String(w.partitions)} partitions, preloaded; the router (bench/router/arm.ts, F = 1) drains them at its maximum rate, the first ${String(w.warmup)} left out of the rates.`,
    'R = the router alone; RT = the same with the flow tracker (flows/component.ts createFlowTracker, the four flows of examples/hub.yaml) in a process of its own; T = the tracker alone, started once the router has decided every record (its own cost, not its share of a busy machine); R, RT and T interleaved.',
    "Every second the router's and the tracker's committed offsets are read; the lag is what the router has committed and the tracker has not. A run is valid when ingress holds every event, the router dead-lettered and dropped nothing, and the tracker committed every record with its scorecards counting each accepted event once.",
    '',
    '| figure | median (min–max over the runs) |',
    '|---|---|',
    ...rows.map(([a, b]) => `| ${a} | ${b} |`),
    ...mem,
    '',
    'Raw runs, with the lag samples: `bench/results/flows.json`.',
    '<!-- flows:end -->',
  ].join('\n');
}

export function writeFlowDocs(root: string, doc: FlowBenchDoc): void {
  const file = path.join(root, 'docs/benchmarks.md');
  const begin = '<!-- flows:begin (written by npm run bench:flows) -->';
  const end = '<!-- flows:end -->';
  const section = flowSection(doc);
  const current = fs.readFileSync(file, 'utf8');
  const next = current.includes(begin)
    ? current.slice(0, current.indexOf(begin)) + section + current.slice(current.indexOf(end) + end.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
