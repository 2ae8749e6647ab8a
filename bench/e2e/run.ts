/**
 * The end-to-end arm: `npm run bench:e2e -- [--quick] [--json]` (args.ts has the options). Starts
 * its hub on the shared stack (rig.ts), warms it up, measures the maximum with a closed loop, then
 * runs the open loop at each rate and at half the maximum, waits for every accepted event to
 * arrive, and counts: latency from the schedule (histogram.ts), the breakdown (breakdown.ts),
 * lost and doubled eventIds (accounting.ts). Progress on stderr; the result on stdout (text, or
 * JSON with --json) and in --out.
 */
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import os from 'node:os';
import { sampleOf } from '../chaos/sender';
import { account } from './accounting';
import { E2E_HELP, E2EUsageError, parseE2EArgs, type E2EOptions } from './args';
import { breakdown } from './breakdown';
import { Histogram } from './histogram';
import { countersOf, phaseOf, type HubPhase } from './hub-metrics';
import { closedLoop, createPool, makeEvent, openLoop, type LoadEvent, type LoadTarget } from './load';
import { startProbe, type Probe } from './probe';
import { e2eText } from './report';
import { GOAL, type E2EPhase, type E2EResult } from './result';
import { startRig } from './rig';
import { eventsFor } from './schedule';

const started = Date.now();
const progress = (line: string) =>
  process.stderr.write(`[bench:e2e ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ok = (e: LoadEvent) => e.status !== undefined && e.status >= 200 && e.status < 300;

function commandOf(o: E2EOptions): string {
  if (o.quick) return 'npm run bench:e2e -- --quick';
  const parts = ['npm run bench:e2e --'];
  if (o.seconds !== 30) parts.push(`--seconds ${o.seconds}`);
  if (o.maxSeconds !== 20) parts.push(`--max-seconds ${o.maxSeconds}`);
  if (o.rates.join(',') !== '100,500,1000') parts.push(`--rates ${o.rates.join(',')}`);
  if (o.window !== 2000) parts.push(`--window ${o.window}`);
  if (o.closedConnections !== 128) parts.push(`--closed-connections ${o.closedConnections}`);
  return parts.length === 1 ? 'npm run bench:e2e' : parts.join(' ');
}

async function measure(o: E2EOptions): Promise<E2EResult> {
  const rig = await startRig({ partitions: o.partitions, log: progress });
  // Ctrl-C (or `npm run bench` stopping this arm): the hub stops and the run's topics, groups and
  // Redis keys are removed before the process ends.
  let probe: Probe | undefined;
  const stop = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping the hub and cleaning up`);
    // The probe leaves its group first: a group with a member left in it cannot be deleted.
    void (probe?.stop() ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => rig.close())
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const pool = createPool(rig.ingestUrl, o.connections);
  try {
    const arrivals = new Map<string, { first: number; count: number }>();
    const allArrivals: string[] = [];
    let firstArrivals = 0;
    rig.onArrival((id, at) => {
      allArrivals.push(id);
      const a = arrivals.get(id);
      if (a) a.count++;
      else {
        arrivals.set(id, { first: at, count: 1 });
        firstArrivals++;
      }
    });
    probe = await startProbe({
      brokers: rig.brokers,
      groupId: `${rig.prefix}-probe`,
      topics: rig.topics,
      now,
    });
    const t: LoadTarget = {
      pool,
      site: rig.site,
      sample: sampleOf(rig.site),
      key: rig.key,
      prefix: rig.prefix,
      now,
    };
    const phases: Array<{
      hub?: HubPhase;
      label: string;
      kind: 'open' | 'closed';
      rate?: number;
      seconds: number;
      events: LoadEvent[];
      deliveredPerSec?: number;
    }> = [];

    /** Waits until every accepted event of the list arrived, or the timeout. */
    const settle = async (events: LoadEvent[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      const waiting = () => events.filter((e) => ok(e) && !arrivals.has(e.eventId)).length;
      let left = waiting();
      while (left > 0 && Date.now() < deadline) {
        await sleep(200);
        left = waiting();
      }
      if (left > 0)
        progress(`${left} accepted events had not arrived after ${Math.round(timeoutMs / 1000)} s`);
    };
    const runOpen = async (label: string, rate: number, seconds: number) => {
      const n = eventsFor(rate, seconds);
      const events = Array.from({ length: n }, (_, i) => makeEvent(t, label.replace(/[^a-z0-9]/gi, ''), i));
      progress(`open loop ${label}: ${n} events at ${rate}/s`);
      const before = countersOf(await rig.metrics());
      await openLoop(t, events, rate);
      await settle(events, 30000 + seconds * 1000);
      const hub = phaseOf(before, countersOf(await rig.metrics()));
      phases.push({ label, kind: 'open', rate, seconds, events, hub });
      const lat = new Histogram();
      for (const e of events) {
        const a = arrivals.get(e.eventId);
        if (a) lat.record((a.first - e.stamps.sched) * 1000);
      }
      const s = lat.summary(1000);
      progress(
        `  ${label}: p50 ${s.p50} ms, p99 ${s.p99} ms, p99.9 ${s.p999} ms, max ${s.max} ms; arrived ${lat.count}/${n}`,
      );
      await sleep(1000);
    };

    await runOpen('warm-up', 200, o.warmupSeconds);

    progress(`closed loop: ${o.window} events in flight for ${o.maxSeconds} s (the maximum)`);
    const base = firstArrivals;
    const closedBefore = countersOf(await rig.metrics());
    const closedStart = now();
    // Requests in flight at the ingest are capped too (closedConnections): 2000 concurrent POSTs measure
    // how the ingest copes with overload in the hub's one process, not how much the hub carries.
    const closedPool = createPool(rig.ingestUrl, o.closedConnections);
    const closed = await closedLoop(
      { ...t, pool: closedPool },
      'max',
      o.maxSeconds,
      o.window,
      () => firstArrivals - base,
    );
    await closedPool.close().catch(() => undefined);
    const closedEnd = closedStart + o.maxSeconds * 1000;
    await settle(closed, 60000);
    const closedHub = phaseOf(closedBefore, countersOf(await rig.metrics()));
    // The loop's start is its ramp (the first window's round trip): measured over the rest.
    const from = closedStart + Math.max(2000, o.maxSeconds * 300);
    let inWindow = 0;
    for (const e of closed) {
      const a = arrivals.get(e.eventId);
      if (a && a.first >= from && a.first <= closedEnd) inWindow++;
    }
    const maxPerSec = Math.round(inWindow / ((closedEnd - from) / 1000));
    phases.push({
      label: 'max',
      kind: 'closed',
      seconds: o.maxSeconds,
      events: closed,
      deliveredPerSec: maxPerSec,
      hub: closedHub,
    });
    progress(`  maximum: ${maxPerSec} events/s delivered (${closed.length} sent)`);
    await sleep(1000);

    const half = Math.max(1, Math.round(maxPerSec / 2));
    for (const r of o.rates) await runOpen(`${r}/s`, r, o.seconds);
    await runOpen('half max', half, o.seconds);

    // Late redeliveries count too: a short quiet time before the count.
    await sleep(3000);
    await probe.stop();
    const { ingress, deliver } = probe;
    probe = undefined;

    const sentIds = new Set(phases.flatMap((p) => p.events.map((e) => e.eventId)));
    const unexpected = allArrivals.filter((id) => !sentIds.has(id)).length;
    const results: E2EPhase[] = phases.map((p) => {
      const accepted = p.events.filter(ok);
      const refused: Record<string, number> = {};
      for (const e of p.events)
        if (!ok(e)) refused[e.code ?? 'UNKNOWN'] = (refused[e.code ?? 'UNKNOWN'] ?? 0) + 1;
      for (const e of p.events) {
        const a = arrivals.get(e.eventId);
        if (a) e.stamps.arrived = a.first;
        const i = ingress.get(e.eventId);
        if (i !== undefined) e.stamps.ingressTs = i;
        const d = deliver.get(e.eventId);
        if (d) {
          e.stamps.deliverTs = d.ts;
          e.stamps.deliverSeen = d.seen;
        }
      }
      const ids = new Set(accepted.map((e) => e.eventId));
      const phaseArrivals = allArrivals.filter((id) => ids.has(id));
      const lat = new Histogram();
      for (const e of accepted)
        if (e.stamps.arrived !== undefined) lat.record((e.stamps.arrived - e.stamps.sched) * 1000);
      const firsts = accepted.map((e) => e.stamps.arrived).filter((x): x is number => x !== undefined);
      const spanS = firsts.length > 1 ? (Math.max(...firsts) - Math.min(...firsts)) / 1000 : p.seconds;
      return {
        label: p.label,
        kind: p.kind,
        ...(p.rate !== undefined ? { rate: p.rate } : {}),
        seconds: p.seconds,
        sent: p.events.length,
        accepted: accepted.length,
        refused,
        deliveredPerSec: p.deliveredPerSec ?? Math.round(firsts.length / Math.max(spanS, 1e-3)),
        latencyMs: lat.summary(1000),
        accounting: account(ids, phaseArrivals),
        breakdown: breakdown(accepted.map((e) => e.stamps)),
        ...(p.hub ? { hub: p.hub } : {}),
      };
    });
    const problems: string[] = [];
    for (const p of results) {
      const a = p.accounting;
      if (a.lost) problems.push(`${p.label}: ${a.lost} lost (e.g. ${a.lostSample.join(', ')})`);
      if (a.doubled)
        problems.push(`${p.label}: ${a.doubled} arrived more than once (${a.extraDeliveries} extra)`);
      const refusedN = Object.values(p.refused).reduce((x, y) => x + y, 0);
      if (refusedN) problems.push(`${p.label}: ${refusedN} not accepted (${JSON.stringify(p.refused)})`);
    }
    if (unexpected) problems.push(`${unexpected} arrivals of eventIds this run never sent`);
    const atGoal = results.find((p) => p.kind === 'open' && p.rate === GOAL.rate);
    const measuredP99Ms = atGoal ? atGoal.latencyMs.p99 : null;
    return {
      arm: 'e2e',
      date: new Date().toISOString(),
      command: commandOf(o),
      quick: o.quick,
      machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
      settings: {
        partitions: o.partitions,
        connections: o.connections,
        closedConnections: o.closedConnections,
        window: o.window,
        seconds: o.seconds,
        maxSeconds: o.maxSeconds,
        warmupSeconds: o.warmupSeconds,
      },
      maxPerSec,
      phases: results,
      goal: { ...GOAL, measuredP99Ms, met: measuredP99Ms !== null && measuredP99Ms <= GOAL.p99Ms },
      valid: problems.length === 0,
      problems,
    };
  } finally {
    progress('stopping the hub; removing the run’s topics, groups and Redis keys');
    await pool.close().catch(() => undefined);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await rig.close();
  }
}

async function main(): Promise<number> {
  let o: E2EOptions;
  try {
    o = parseE2EArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof E2EUsageError) {
      process.stderr.write(`${err.message}\n\n${E2E_HELP}\n`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${E2E_HELP}\n`);
    return 0;
  }
  let result: E2EResult;
  try {
    result = await measure(o);
  } catch (err) {
    process.stderr.write(`bench:e2e could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  if (o.out) fs.writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${e2eText(result)}\n`);
  return result.valid ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
