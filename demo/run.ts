import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { grantSiteAcls, revokeSiteAcls } from '../connectors/sources';
import { CrossdockError } from '../core/errors';
import { createKafka } from '../core/kafka';
import { createLogger } from '../core/logger';
import { redisPrefixFor } from '../core/names/redis-keys';
import { topicsForPrefix } from '../core/names/topics';
import { seededRandom, freshSeed } from '../core/random';
import { createRedis } from '../core/redis';
import { loadConfig, localKeySecrets, prepareHub } from '../hub';
import { currentEndpoints, stackPaths } from '../stack';
import { readScorecards, type ReadScorecardsOptions, type SiteScorecard } from '../flows';
import { createBusiness } from './business';
import { cleanupRun } from './cleanup';
import { demoConfigText, standInPlan } from './config';
import { deadlinesOf } from './flows';
import { SenderLedger } from './ledger';
import { readSnapshot, type MetricsSnapshot } from './metrics';
import { flowAlertsTopic, startObserver } from './observer';
import { openCopies, reconcile, undecidedEvents } from './reconcile';
import { standInBehaviours, startStandIn, type Outage, type StandInReceiver } from './receivers';
import { buildSites } from './sites/build';
import { waitingCopies, waitReady } from './settle';
import { buildSummary, renderSummary, type DemoSummary } from './summary';
import { describeTimeScale } from './timescale';
import { renderLine, renderView, type ViewInput } from './view';

/** How `crossdock demo` was asked to run. */
export interface DemoOptions {
  /** The hub configuration the run is made from (examples/hub.yaml). */
  configFile: string;
  /** Seconds of business; undefined: until SIGINT. */
  durationS?: number;
  /** Events per second, all sites together. */
  rate: number;
  seed?: number;
  /** Free ports for the health server, admin API, HTTP ingest and receivers (and rewrite the URLs). */
  freePorts: boolean;
  healthPort?: number;
  adminPort?: number;
  ingestPort?: number;
  /** Keep the run's topics and Redis keys. */
  keep: boolean;
  /** After the summary, keep the hub running until SIGINT. */
  keepRunning: boolean;
  /** Seconds to let deliveries settle after the sites stop. */
  settleS: number;
  /** Print the summary as JSON (no live view; progress lines go to stderr). */
  json: boolean;
  /** Seconds between CSV exports. */
  csvEveryS: number;
  out: NodeJS.WriteStream;
  err: NodeJS.WritableStream;
  /** Reads the run's scorecards (default: flows/ readScorecards, over the run's Redis prefix). */
  readScorecards?: (options: ReadScorecardsOptions) => Promise<readonly SiteScorecard[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The demo's result: its summary and whether the reconciliation held. */
export interface DemoResult {
  summary: DemoSummary;
}

/**
 * One demo run (docs/demo.md): stand-in receivers, the whole hub in this process on its own topic
 * prefix, the simulated sites at `rate`, a live view; then it stops sending, lets deliveries
 * settle, reconciles, cleans up (unless `keep`) and returns the summary.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const runId = crypto.randomBytes(3).toString('hex');
  const prefix = `demo-${runId}`;
  const seed = o.seed ?? freshSeed();
  const random = seededRandom(seed);
  const home = stackPaths().home;
  const runDir = path.join(home, 'demo', prefix);
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(home, 'demo', `${prefix}.log`);
  const logger = createLogger({
    bindings: { service: 'crossdock-demo', run: prefix },
    destination: pino.destination({ dest: logFile, sync: true, mkdir: true }),
  });
  const progress = (line: string) => (o.json ? o.err : o.out).write(`${line}\n`);
  // Ctrl-C: during start-up the run stops as soon as its hub is up and removes what it made (a
  // second one quits at once); while the sites run, the first stops the business (settle,
  // summary) and a second skips the settling.
  let interrupted = 0;
  let ready = false;
  const onSigint = () => {
    interrupted++;
    if (!ready && interrupted === 1)
      progress(
        `\nCtrl-C: the run stops once its hub is up and removes what it made (Ctrl-C again quits now and leaves ${prefix}.* behind)`,
      );
    else if (!ready) process.exit(130);
    else if (interrupted === 1)
      progress('\nstopping the sites; letting deliveries settle (Ctrl-C again to skip)…');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  progress(`crossdock demo: run ${prefix}, seed ${seed}; log lines go to ${logFile}`);

  // Stand-in receivers first, so the hub's first deliveries find them.
  const sourceText = fs.readFileSync(o.configFile, 'utf8');
  const plan = standInPlan(sourceText, o.freePorts);
  const outage: Outage = o.durationS
    ? { startMs: o.durationS * 300, lengthMs: Math.min(10_000, o.durationS * 200), everyMs: 0 }
    : { startMs: 45_000, lengthMs: 10_000, everyMs: 120_000 };
  const behaviours = standInBehaviours(outage);
  const receivers = new Map<string, StandInReceiver>();
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    while (stops.length) await stops.pop()!().catch(() => undefined);
  };
  // Whether the run's topics and keys are gone (or kept on purpose): a run that ends any other
  // way, by an error too, removes them on its way out.
  let cleanedUp = false;
  let hubMade = false;
  try {
    for (const p of plan) {
      const r = await startStandIn(p.subscriber, behaviours[p.subscriber] ?? {}, {
        port: p.port,
        path: p.path,
        random: seededRandom(seed + receivers.size + 1),
      }).catch((err: NodeJS.ErrnoException) => {
        throw new CrossdockError(
          'CD_E_DEMO_PORT_IN_USE',
          `Cannot stand in for ${p.subscriber} on port ${p.port} (${err.code ?? err.message}): another program holds it; stop it or use --free-ports.`,
          { details: { subscriber: p.subscriber, port: p.port } },
        );
      });
      receivers.set(p.subscriber, r);
      stops.push(() => r.close());
    }

    // The run's configuration, its keys' secrets, HTTP ingest's port.
    const configFile = path.join(runDir, 'hub.yaml');
    fs.writeFileSync(
      configFile,
      demoConfigText(sourceText, {
        prefix,
        urls: new Map([...receivers].map(([id, r]) => [id, r.url])),
        dropFolder: (siteId) => path.join(runDir, 'drop', siteId),
      }),
    );
    if (o.ingestPort !== undefined || o.freePorts)
      process.env.CROSSDOCK_INGEST_PORT = String(o.freePorts ? 0 : o.ingestPort);

    // The HTTP sites' key secrets: from the environment, else $CROSSDOCK_HOME/local-keys.env
    // (made when missing); the hub and the simulated sites read the same ones.
    const keys = localKeySecrets(loadConfig(configFile), home).env;
    for (const [name, secret] of Object.entries(keys)) process.env[name] ??= secret;
    const hub = await prepareHub({
      configFile,
      logger,
      healthPort: o.freePorts ? 0 : o.healthPort,
      adminPort: o.freePorts ? 0 : o.adminPort,
    });
    hubMade = true;
    const config = hub.config;
    const stopHub = new AbortController();
    const running = hub.run({ stop: stopHub.signal, signals: false });
    stops.push(async () => {
      stopHub.abort();
      await running;
    });
    await waitReady(hub.health, running);
    const ingest = hub.components.find((c) => c.name === 'http-ingest') as { port?: number } | undefined;
    const ingestUrl = `http://127.0.0.1:${ingest?.port ?? 8080}`;
    progress(
      `hub ${prefix} ready: console ${hub.admin.console}, ingest ${ingestUrl}, health ${hub.health}/status, admin ${hub.admin.url}/api/v1; stand-ins ${[...receivers.values()].map((r) => `${r.subscriber} ${r.url}`).join(', ')}`,
    );

    // What the sites may do on Kafka, and the run's observer of its topics.
    const endpoints = currentEndpoints();
    const kafka = createKafka({ clientId: `crossdock-${prefix}`, connection: endpoints.kafka, logger });
    const admin = kafka.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    // Every site's SCRAM user may write its ingress topic: the SDK sites, and the CSV and HTTP
    // sites' warehouse systems reporting what follows their orders (demo/sites/follow-ups.ts).
    for (const s of config.sites) {
      await grantSiteAcls(admin, prefix, s.id);
      stops.push(() => revokeSiteAcls(admin, prefix, s.id));
    }
    const names = topicsForPrefix(prefix);
    const kafkaSinks = new Map(
      config.subscribers
        .filter((s) => (s.sink as { kind: string }).kind === 'kafka')
        .map((s) => [s.id, (s.sink as { topic?: string }).topic ?? names.sink(s.id)] as const),
    );
    const alertsTopic = flowAlertsTopic(prefix);
    const observer = await startObserver({
      kafka,
      prefix,
      sites: config.sites.map((s) => s.id),
      subscribers: config.subscribers.map((s) => s.id),
      kafkaSinks,
      unrouted: config.hub.router.sendUnrouted,
      flowAlerts: (await admin.listTopics()).includes(alertsTopic),
    });
    stops.push(() => observer.stop());

    // The sites, each through its own kind of connector.
    const ledger = new SenderLedger();
    const channels = buildSites({
      config,
      prefix,
      ingestUrl,
      endpoints,
      secrets: keys,
      dropFolder: (siteId) => path.join(runDir, 'drop', siteId),
      ledger,
      sitsOut: (siteId, why) => progress(`site ${siteId} sits out: ${why}`),
    });
    for (const c of channels.values()) stops.push(() => c.close());
    // The flows of the run's configuration (durations on the demo's clock: demo/timescale.ts).
    const flowDefs = config.flows;
    const groups = new Map(config.sites.map((s) => [s.id, s.groups ?? []]));
    const business = createBusiness({
      sites: [...channels.values()].map((c) => c.spec),
      random,
      deadlineMs: deadlinesOf(flowDefs, (siteId) => groups.get(siteId) ?? []),
    });

    ready = true;

    // Send at `rate` until the duration is over or Ctrl-C.
    const sites = config.sites.map((s) => ({ id: s.id, kind: (s.connector as { kind: string }).kind }));
    const subscribers = config.subscribers.map((s) => s.id);
    const started = Date.now();
    for (const r of receivers.values()) r.begin();
    let sent = 0;
    let lastCsv = started;
    const tty = Boolean(o.out.isTTY) && !o.json;
    // Rates over the last few seconds (one second is too lumpy: CSV files land at once).
    const history: MetricsSnapshot[] = [await readSnapshot(hub.healthServer.metrics)];
    let phase: ViewInput['phase'] = 'running';
    let drawn = 0;
    let lastDraw = started;
    const subscriberLag = async () => {
      const status = await hub.healthServer.status().catch(() => undefined);
      return Object.fromEntries(
        subscribers.map((s) => [s, (status?.subscribers[s] as { lag?: number } | undefined)?.lag]),
      );
    };
    const view = (
      cur: MetricsSnapshot,
      prev: MetricsSnapshot,
      lagBySub: Record<string, number | undefined>,
    ): ViewInput => ({
      runId: prefix,
      seed,
      rate: o.rate,
      elapsedS: (Date.now() - started) / 1000,
      durationS: o.durationS,
      prev,
      cur,
      sites,
      subscribers,
      tallies: ledger.sites,
      logFile,
      lagBySub,
      phase,
      hints: [
        `meanwhile, in another terminal: npx crossdock dlq groups · npx crossdock events trace <eventId> · curl ${hub.health}/status`,
      ],
    });
    const draw = async (force = false) => {
      const now = Date.now();
      if (!force && now - lastDraw < (tty ? 1000 : 10_000)) return;
      const cur = await readSnapshot(hub.healthServer.metrics, now);
      history.push(cur);
      while (history.length > 2 && cur.at - history[1]!.at >= 5000) history.shift();
      const v = view(cur, history[0]!, await subscriberLag());
      if (tty) {
        const lines = renderView(v);
        o.out.write(`${drawn ? `\x1b[${drawn}A\x1b[0J` : ''}${lines.join('\n')}\n`);
        drawn = lines.length;
      } else progress(renderLine(v));
      lastDraw = now;
    };
    while (!interrupted && (o.durationS === undefined || Date.now() - started < o.durationS * 1000)) {
      const due = Math.floor(((Date.now() - started) / 1000) * o.rate);
      for (; sent < due; sent++) {
        const e = business.next(new Date());
        await channels.get(e.siteId)?.send(e);
      }
      if (Date.now() - lastCsv >= o.csvEveryS * 1000) {
        lastCsv = Date.now();
        for (const c of channels.values()) if (c.kind === 'csv') await c.flush();
      }
      await draw();
      await sleep(100);
    }
    const sentForSeconds = Math.round((Date.now() - started) / 1000);

    // Settle: every site's last word, then the router's and the connectors' (bounded).
    phase = 'settling';
    if (!o.json && tty) drawn = 0;
    progress(`sites stopped after ${sentForSeconds} s (${sent} events); settling for up to ${o.settleS} s…`);
    await Promise.all([...channels.values()].map((c) => c.flush(true)));
    const redis = createRedis({ connection: endpoints.redis, name: `crossdock-${prefix}` });
    stops.push(async () => redis.disconnect());
    const received = new Map([...receivers].map(([id, r]) => [id, r.delivered]));
    const facts = { observed: observer.observed, received, subscribers };
    const settleUntil = Date.now() + o.settleS * 1000;
    // Until every copy is delivered, dead-lettered or no longer moving, and the router decided
    // every accepted event (at most until `until`).
    const settleDeliveries = async (until: number) => {
      let lastOpen = -1;
      let steadySince = Date.now();
      while (interrupted < 2 && Date.now() < until) {
        const open = openCopies(facts).length + undecidedEvents(observer.observed);
        if (open === 0) break;
        if (open !== lastOpen) {
          lastOpen = open;
          steadySince = Date.now();
        } else if (Date.now() - steadySince > 8000) break;
        await draw();
        await sleep(500);
      }
    };
    await settleDeliveries(settleUntil);
    // The flow tracker catches up (its lag 0), and its instances end: completed, or expired
    // incomplete on the demo's clock (at most until the end of the settle time; its lag is
    // waited for 15 s more at most).
    for (let m = await readSnapshot(hub.healthServer.metrics); interrupted < 2;) {
      const lag = m.trackerLag ?? 0;
      const open = Object.values(m.flowOpen).reduce((a, b) => a + b, 0);
      if (lag === 0 && (open === 0 || Date.now() >= settleUntil)) break;
      if (Date.now() >= settleUntil + 15_000) break;
      await draw();
      await sleep(500);
      m = await readSnapshot(hub.healthServer.metrics);
    }
    // The alerts raised meanwhile are routed like any event: their copies settle too.
    await settleDeliveries(Date.now() + 15_000);
    await sleep(1000);
    const waiting = await waitingCopies({
      open: openCopies(facts),
      redis,
      redisPrefix: redisPrefixFor(prefix),
      committed: async (sub) => {
        const status = await hub.healthServer.status();
        const groupId = (status.subscribers[sub] as { groupId?: string } | undefined)?.groupId;
        if (!groupId) return new Map();
        const topic = names.deliver(sub);
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map(
          (offsets.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
            p.partition,
            Number(p.offset),
          ]),
        );
      },
      observed: observer.observed,
    });
    const reconciliation = reconcile({ ...facts, waiting: (sub, id) => waiting.has(`${sub} ${id}`) });
    const metrics = await readSnapshot(hub.healthServer.metrics);
    // The run's scorecards: its prefix is new, so every hour of it is this run's.
    const scorecards = await (o.readScorecards ?? readScorecards)({
      redis,
      redisPrefix: redisPrefixFor(prefix),
      config,
      since: started,
      until: Date.now() + 1,
    }).catch((err: Error) => ({ unavailable: `the scorecards could not be read: ${err.message}` }));
    const flowFacts = {
      timeScale: describeTimeScale(),
      flowNames: flowDefs.map((f) => f.name),
      scorecards,
      alertsOnTopic: observer.observed.flowAlerts.size,
      planned: business.decided(),
    };

    const summaryOf = (cleanup: string, next: string[]) =>
      buildSummary({
        runId: prefix,
        topicPrefix: prefix,
        seed,
        rate: o.rate,
        sentForSeconds,
        tallies: ledger.sites,
        observed: observer.observed,
        received,
        metrics,
        reconciliation,
        flows: flowFacts,
        cleanup,
        logFile,
        next,
      });
    const traceId =
      [...observer.observed.deliveryDead.values()].flatMap((m) => [...m.keys()])[0] ??
      [...observer.observed.routerDead.keys()][0] ??
      [...observer.observed.accepted.keys()][0];

    if (o.keepRunning) {
      const summary = summaryOf(
        o.keep
          ? 'kept: the hub runs on; its topics and keys stay after Ctrl-C (--keep)'
          : 'when the hub stops (Ctrl-C)',
        [
          `the hub ${prefix} keeps running until Ctrl-C; from another terminal (same CROSSDOCK_HOME):`,
          'npx crossdock dlq groups            # its dead letters, by incident',
          `npx crossdock events trace ${traceId ?? '<eventId>'}`,
          'npx crossdock sites scorecard       # each site: conformance, rejections, flow completion',
          `npx crossdock flows list --config ${path.join(runDir, 'hub.yaml')}   # open and overdue flow instances`,
          `curl ${hub.health}/status           # breakers, lag, in retry per subscriber`,
          `open ${hub.admin.console} (the operations console; sign in: npx crossdock admin console)`,
          `open ${hub.admin.url}/api/v1/openapi.json (the admin API)`,
        ],
      );
      printSummary(o, summary);
      await new Promise<void>((resolve) => {
        const t = setInterval(() => interrupted >= 2 && (clearInterval(t), resolve()), 200);
        if (interrupted < 2) interrupted = 1;
        process.once('SIGINT', () => (interrupted = 2));
        process.once('SIGTERM', () => (interrupted = 2));
      });
    }

    await observer.stop().catch(() => undefined);
    await stopAll();
    const cleanup = o.keep
      ? `kept: topics ${prefix}.*, Redis keys ${redisPrefixFor(prefix)}* and ${runDir} (--keep)`
      : await removeRun(prefix, runDir);
    cleanedUp = true;
    const summary = summaryOf(
      cleanup,
      o.keepRunning
        ? []
        : [
            ...(reconciliation.holds
              ? []
              : [
                  `the reconciliation does not hold: run the same business again and trace what is missing on the running hub: npx crossdock demo --seed ${seed}${o.durationS ? ` --duration ${o.durationS}` : ''} --keep-running, then npx crossdock events trace <eventId>; the log: ${logFile}`,
                ]),
            'the hub has stopped with the run. To look around a running one: npx crossdock demo --keep-running',
            '  (after the summary the hub stays up: the console at its address above, npx crossdock dlq groups, npx crossdock events trace <eventId>, the admin API)',
            `the same business again: npx crossdock demo --seed ${seed}${o.durationS ? ` --duration ${o.durationS}` : ''}`,
            'the production entry point, without simulation: npx crossdock start',
          ],
    );
    if (!o.keepRunning) printSummary(o, summary);
    else if (!o.json) o.out.write(`\ncleanup: ${cleanup}\n`);
    return { summary };
  } finally {
    await stopAll();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    // Before the hub was made there is nothing on Kafka or Redis yet (or no stack to reach).
    if (!cleanedUp && !o.keep && hubMade)
      progress(
        `cleanup: ${await removeRun(prefix, runDir).catch((err: Error) => `could not: ${err.message}`)}`,
      );
    else if (!cleanedUp && !o.keep) fs.rmSync(runDir, { recursive: true, force: true });
    await logger.flush?.();
  }
}

/** Removes a run's topics, consumer groups, Redis keys and folder; says what it removed. */
async function removeRun(prefix: string, runDir: string): Promise<string> {
  const endpoints = currentEndpoints();
  const kafka = createKafka({ clientId: `crossdock-${prefix}-cleanup`, connection: endpoints.kafka });
  const redis = createRedis({ connection: endpoints.redis, name: `crossdock-${prefix}-cleanup` });
  try {
    const c = await cleanupRun({ kafka, redis, prefix });
    fs.rmSync(runDir, { recursive: true, force: true });
    return `removed ${c.topics} topics (${prefix}.*), ${c.groups} consumer groups, ${c.keys} Redis keys (${redisPrefixFor(prefix)}*) and the drop folders${c.problems.length ? `; could not: ${c.problems.join('; ')}` : ''} (--keep keeps them)`;
  } finally {
    redis.disconnect();
  }
}

function printSummary(o: DemoOptions, summary: DemoSummary): void {
  o.out.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `\n${renderSummary(summary)}\n`);
}
