/**
 * `npm run chaos -- --minutes N`: the fault soak (docs/reliability.md). Brings up a stack and hub
 * of its own, sends signed events under load, injects faults from a seeded plan, restores
 * everything, waits for delivery to settle and counts from the outside. Progress on stderr; the
 * summary on stdout (text, or JSON with --json).
 */
import '../../core/kafkajs-patch';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HELP, parseChaosArgs, UsageError, type ChaosOptions } from './args';
import { renderConfig, TOPIC_PREFIX } from './config';
import { readDeadLetters, type DeadLetterReader } from './dead-letters';
import { describeFault, injectFault, type FaultRecord } from './faults';
import { createHubSupervisor, type HubSupervisor } from './hub';
import { createInfra, type ChaosInfra } from './infra';
import { sleep } from './procs';
import { freshSeed, seededRandom } from '../../core/random';
import { startReceiver, type Receiver } from './receivers';
import { reconcile, type ReceivedDelivery } from './reconcile';
import { problemsOf, summaryText, type ChaosSummary } from './report';
import { FAULT_KINDS, planFaults } from './schedule';
import { createSender, type Sender } from './sender';
import { SUBSCRIBERS } from './topology';

const started = Date.now();
const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const progress = (line: string) => process.stderr.write(`[chaos ${clock()}] ${line}\n`);

function allDeliveries(receivers: ReadonlyMap<string, Receiver>): ReceivedDelivery[] {
  return [...receivers.values()].flatMap((r) => r.deliveries);
}

async function soak(opts: ChaosOptions): Promise<ChaosSummary> {
  const seed = opts.seed ?? freshSeed();
  const command = [
    `npm run chaos -- --minutes ${opts.minutes} --seed ${seed} --rate ${opts.rate}`,
    opts.faults.length === FAULT_KINDS.length ? '' : ` --faults ${opts.faults.join(',')}`,
    opts.gapSeconds.join('-') === '5-20' ? '' : ` --gap ${opts.gapSeconds.join('-')}`,
    opts.concurrency === 8 ? '' : ` --concurrency ${opts.concurrency}`,
  ].join('');
  progress(`seed ${seed} (repeat with: ${command})`);
  const runTag = crypto.randomBytes(3).toString('hex');
  let infra: ChaosInfra | undefined;
  let hub: HubSupervisor | undefined;
  let sender: Sender | undefined;
  let dlq: DeadLetterReader | undefined;
  const receivers = new Map<string, Receiver>();
  try {
    infra = await createInfra({
      kafkaHeap: opts.kafkaHeap,
      registryHeap: '-Xms128m -Xmx384m',
      log: progress,
    });
    progress(`home ${infra.home}; starting redis (AOF), Kafka and the registry`);
    await infra.startRedis();
    await infra.stackUp();
    progress(
      `stack up: kafka ${infra.endpoints.kafkaBrokers[0]}, ${infra.endpoints.registryUrl}, ${infra.endpoints.redisUrl}`,
    );

    for (const s of SUBSCRIBERS) receivers.set(s, await startReceiver(s));
    const rendered = renderConfig((s) => receivers.get(s)!.url);
    const configFile = path.join(infra.home, 'hub.yaml');
    fs.writeFileSync(configFile, rendered.yaml);

    hub = await createHubSupervisor({
      configFile,
      subscribers: SUBSCRIBERS,
      env: { ...infra.hubEnv, ...rendered.env },
      logs: infra.logs,
      log: progress,
    });
    progress(`starting the hub: ${hub.processes.map((p) => p.name).join(', ')}`);
    await hub.startAll();
    if (!(await hub.ready(180000))) progress(`not ready yet: ${(await hub.notReady()).join(', ')}`);

    const plan = planFaults(seededRandom(seed), {
      durationMs: opts.minutes * 60000,
      gapMs: [opts.gapSeconds[0] * 1000, opts.gapSeconds[1] * 1000],
      kinds: opts.faults,
      hubProcesses: hub.processes.map((p) => p.name),
      subscribers: SUBSCRIBERS,
    });
    sender = createSender({
      ingestUrl: `http://127.0.0.1:${hub.ingestPort}`,
      keys: rendered.keys,
      ratePerSecond: opts.rate,
      concurrency: opts.concurrency,
      keysPerSite: 200,
      rng: seededRandom(seed ^ 0x5bd1e995),
      runTag,
    });
    const faultStart = Date.now();
    const faultEnd = faultStart + opts.minutes * 60000;
    sender.start();
    progress(
      `load on: ${opts.rate} events/s from ${rendered.keys.length} sites; fault plan of ${plan.length}`,
    );

    let current = 'none';
    const s0 = sender;
    const ticker = setInterval(() => {
      const st = s0.stats();
      const c = reconcile({ accepted: s0.accepted(), deliveries: allDeliveries(receivers), deadLetters: [] });
      progress(
        `accepted ${st.accepted}/${st.generated} (pending ${st.pending}, retries ${st.retries}) | delivered ${c.delivered}/${c.pairs} pairs, redelivered ${c.redelivered.extra} | fault: ${current}`,
      );
    }, 15000);

    const log: FaultRecord[] = [];
    const ctx = { infra, hub, receivers, startedAt: faultStart };
    for (const f of plan) {
      const waitUntil = Date.now() + f.gapMs;
      if (waitUntil >= faultEnd) break;
      await sleep(f.gapMs);
      current = `#${f.seq} ${describeFault(f)}`;
      progress(`fault ${current}`);
      const rec = await injectFault(f, ctx);
      log.push(rec);
      progress(
        `fault #${f.seq} restored after ${(rec.restoredAfterMs / 1000).toFixed(1)} s${rec.error ? ` (error: ${rec.error})` : ''}`,
      );
      current = 'none';
    }
    if (Date.now() < faultEnd) await sleep(faultEnd - Date.now());
    const faultPhaseS = Math.round((Date.now() - faultStart) / 1000);

    // Quiesce: everything restored, no new events, then wait until every pair is settled.
    progress('fault phase over: restoring everything, no new events; waiting for delivery to settle');
    const settleStart = Date.now();
    const settleDeadline = settleStart + opts.settleMinutes * 60000;
    for (const r of receivers.values()) r.mode = { kind: 'normal' };
    if (!infra.redisRunning()) await infra.startRedis();
    await infra.stackUp();
    sender.stopGenerating();
    const stillPending = await sender.drain(Math.max(30000, (settleDeadline - Date.now()) / 2));
    if (stillPending) progress(`${stillPending} events were never accepted (not counted as accepted)`);
    await hub.ready(Math.max(1000, settleDeadline - Date.now()));
    dlq = await readDeadLetters({
      brokers: infra.endpoints.kafkaBrokers,
      topicPrefix: TOPIC_PREFIX,
      subscribers: SUBSCRIBERS,
    });
    const count = () =>
      reconcile({
        accepted: s0.accepted(),
        unconfirmed: s0.unconfirmed(),
        deliveries: allDeliveries(receivers),
        deadLetters: dlq!.found,
      });
    let settled = false;
    let lastTotal = -1;
    let quietSince = Date.now();
    for (;;) {
      const c = count();
      const total = c.requests.total + dlq.found.length;
      if (total !== lastTotal) {
        lastTotal = total;
        quietSince = Date.now();
      }
      // Settled: nothing open, and no request or dead letter for 10 s (late redeliveries counted).
      if (c.lost === 0 && Date.now() - quietSince > 10000) {
        settled = true;
        break;
      }
      if (Date.now() > settleDeadline) break;
      await sleep(2000);
    }
    clearInterval(ticker);
    const settleS = Math.round((Date.now() - settleStart) / 1000);
    const final = count();
    const notReady = await hub.notReady();
    const byKind: Record<string, number> = {};
    for (const r of log) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    const summary: ChaosSummary = {
      command,
      seed,
      minutes: opts.minutes,
      rate: opts.rate,
      startedAt: new Date(started).toISOString(),
      faultPhaseS,
      settleS,
      settled,
      faults: { total: log.length, byKind, log },
      unplannedExits: hub.unplannedExits,
      stuck: hub.stuck,
      notReady,
      sender: { ...sender.stats(), unconfirmed: sender.unconfirmed().length },
      count: final,
      problems: [],
    };
    summary.problems = problemsOf(summary);
    if (opts.keep) fs.writeFileSync(path.join(infra.home, 'summary.json'), JSON.stringify(summary, null, 2));
    return summary;
  } finally {
    progress('stopping the hub and the soak stack');
    await sender?.drain(0).catch(() => undefined);
    await dlq?.stop().catch(() => undefined);
    await hub?.stopAll().catch(() => undefined);
    for (const r of receivers.values()) await r.close().catch(() => undefined);
    await infra?.teardown(opts.keep).catch((err) => progress(`teardown: ${String(err)}`));
    if (opts.keep && infra) progress(`kept ${infra.home} (logs in ${infra.logs})`);
  }
}

async function main(): Promise<number> {
  let opts: ChaosOptions;
  try {
    opts = parseChaosArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${HELP}\n`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let summary: ChaosSummary;
  try {
    summary = await soak(opts);
  } catch (err) {
    process.stderr.write(`CD_E_CHAOS_COULD_NOT_RUN: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  process.stdout.write(`${opts.json ? JSON.stringify(summary, null, 2) : summaryText(summary)}\n`);
  return summary.problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
