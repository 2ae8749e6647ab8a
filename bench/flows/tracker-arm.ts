/**
 * The flow tracker in its own process, as `crossdock start` runs it (flows/component.ts
 * createFlowTracker with the sinks its doc names as default — the scorecard recorder, then the
 * flow engine with its deadline scanner — and the configuration's flows), so its CPU and RSS are
 * its own. CD_BENCH = JSON TrackerArmConfig. Prints one JSON line `{"ready":true}` once its group
 * is joined, then one sample line a second (`lag`: the component's crossdock_flow_tracker_lag_records
 * figure, `undecided`), and on SIGTERM stops and prints `{"final":…}` with its CPU and RSS.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { createHealthServer } from '../../core/health';
import { createKafka } from '../../core/kafka';
import { createLogger, silentLogger } from '../../core/logger';
import { topics as hubTopics } from '../../core/names/topics';
import { createRedis } from '../../core/redis';
import {
  createFlowEngine,
  createFlowTracker,
  flowAlertEncoder,
  flowEventFields,
  flowLog,
  type FactSink,
} from '../../flows';
import { createScorecardRecorder } from '../../flows/scorecard/recorder';
import { loadCatalog } from '../../schemas';
import { flowBenchConfig } from './config';

export interface TrackerArmConfig {
  prefix: string;
  sites: string[];
  routerGroup: string;
  brokers: string[];
  registryUrl: string;
  redisUrl: string;
  partitionsConsumedConcurrently: number;
}

const cfg = JSON.parse(process.env.CD_BENCH ?? '{}') as TrackerArmConfig;

/** Wall time (ms) and calls of each sink, printed with the final line: where a batch waits. */
const sinkTimes: Record<string, { ms: number; calls: number; facts: number }> = {};
function timed(name: string, sink: FactSink): FactSink {
  const t = (sinkTimes[name] = { ms: 0, calls: 0, facts: 0 });
  return {
    async onFacts(facts) {
      const t0 = performance.now();
      try {
        await sink.onFacts(facts);
      } finally {
        t.ms += performance.now() - t0;
        t.calls++;
        t.facts += facts.length;
      }
    },
  };
}
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const config = flowBenchConfig(cfg);
  const logger = process.env.CD_BENCH_LOG
    ? createLogger({ level: process.env.CD_BENCH_LOG })
    : silentLogger();
  const redisPrefix = `${cfg.prefix}:`;
  // The sinks flows/component.ts documents as its default, built here so the engine runs whether
  // or not the component wires it yet: the scorecard recorder, then the flow engine (it takes the
  // accepted facts) with its deadline scanner started.
  const redis = createRedis({ url: cfg.redisUrl });
  const kafka = createKafka({ clientId: 'bench-flow-engine', brokers: cfg.brokers });
  const sites = Object.fromEntries(config.sites.map((s) => [s.id, s]));
  const engine = createFlowEngine({
    redis,
    redisPrefix,
    flows: () => config.flows ?? [],
    sites: () => sites,
    log: flowLog(logger),
    alerts: {
      kafka,
      topic: hubTopics(config).flowAlerts,
      encode: flowAlertEncoder(loadCatalog(), { url: cfg.registryUrl }),
      checkGroupPrefix: `${cfg.prefix}.flow-alerts-check-`,
    },
  });
  const tracker = createFlowTracker({
    config,
    endpoints: {
      kafka: { brokers: cfg.brokers },
      registry: { url: cfg.registryUrl },
      redis: { url: cfg.redisUrl },
      kafkaBrokers: cfg.brokers,
      kafkaSaslBrokers: [],
      registryUrl: cfg.registryUrl,
      redisUrl: cfg.redisUrl,
      external: { kafka: true, registry: true, redis: true },
    },
    logger,
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix,
    // What crossdock start decodes of an event: metadata and the fields the flows read.
    eventFields: flowEventFields(config.flows ?? []),
    sinks: [timed('recorder', createScorecardRecorder({ redis, redisPrefix })), timed('engine', engine)],
  });
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await engine.start();
  await tracker.start();
  while (!tracker.ready()) await new Promise((r) => setTimeout(r, 100));
  // CPU from here on: the tracker's work, without its start (module loading, connections).
  const cpuReady = process.cpuUsage();
  out({ ready: true, at: Date.now() });
  const timer = setInterval(
    () => out({ at: Date.now(), lag: tracker.lag(), undecided: tracker.undecided() }),
    1000,
  );
  process.on('SIGTERM', () => {
    clearInterval(timer);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (Date.now() - t0) / 1000;
    const work = process.cpuUsage(cpuReady);
    // Every fact goes to the first sink (the recorder).
    const facts = Object.values(sinkTimes)[0]?.facts ?? 0;
    const final = {
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
      ...(facts > 0 ? { cpuUsPerFact: Math.round((work.user + work.system) / facts) } : {}),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      refreshes: tracker.refreshes(),
      sinks: Object.fromEntries(
        Object.entries(sinkTimes).map(([k, v]) => [k, { ...v, ms: Math.round(v.ms) }]),
      ),
    };
    void tracker
      .stop()
      .then(() => engine.stop())
      .catch(() => undefined)
      .then(() => redis.disconnect())
      .then(() => {
        out({ final });
        process.exit(0);
      });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`tracker arm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
