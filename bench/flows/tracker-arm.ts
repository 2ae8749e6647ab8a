/**
 * The flow tracker in its own process, as `crossdock start` runs it (flows/component.ts
 * createFlowTracker with its default sinks and the configuration's flows), so its CPU and RSS are
 * its own. CD_BENCH = JSON TrackerArmConfig. Prints one JSON line `{"ready":true}` once its group
 * is joined, then one sample line a second (`lag`: the component's crossdock_flow_tracker_lag_records
 * figure, `undecided`), and on SIGTERM stops and prints `{"final":…}` with its CPU and RSS.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { createHealthServer } from '../../core/health';
import { createLogger, silentLogger } from '../../core/logger';
import { createFlowTracker } from '../../flows';
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
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const config = flowBenchConfig(cfg);
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
    logger: process.env.CD_BENCH_LOG ? createLogger({ level: process.env.CD_BENCH_LOG }) : silentLogger(),
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix: `${cfg.prefix}:`,
  });
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await tracker.start();
  while (!tracker.ready()) await new Promise((r) => setTimeout(r, 100));
  out({ ready: true, at: Date.now() });
  const timer = setInterval(
    () => out({ at: Date.now(), lag: tracker.lag(), undecided: tracker.undecided() }),
    1000,
  );
  process.on('SIGTERM', () => {
    clearInterval(timer);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (Date.now() - t0) / 1000;
    const final = {
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      refreshes: tracker.refreshes(),
    };
    void tracker
      .stop()
      .catch(() => undefined)
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
