/**
 * The flow tracker in a process of its own, as `crossdock start` builds it (flows/component.ts
 * createFlowTracker: the feed, the scorecard recorder, and flows/engine's createFlowEngine through
 * its `engine` hook), so a test can kill it with SIGKILL for real
 * (test/integration/flows/tracker-restart.test.ts). Kept beside hub/components.ts's wiring: a test
 * needs its own Redis prefix and a short session timeout, which the hub's context does not carry.
 *
 * Run with `node -r tsx/cjs test/helpers/flow-tracker-process.ts`. Configured by the environment:
 * CD_FLOW_TRACKER = JSON { configFile, redisPrefix, sessionTimeoutMs?, logLevel? } — the hub
 * configuration file (YAML, with its `flows:`) the test wrote, the Redis prefix the test reads.
 * The endpoints are the test's (CROSSDOCK_TEST_ENDPOINTS, inherited). Writes `TRACKER-READY` on
 * stdout once the tracker started; its log (pino JSON, `logLevel`, default silent) goes to stderr.
 * SIGTERM stops it cleanly (exit 0).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import { createHealthServer } from '../../core/health';
import { createKafka } from '../../core/kafka';
import { createLogger, silentLogger } from '../../core/logger';
import { topics } from '../../core/names/topics';
import { createFlowTracker } from '../../flows/component';
import { createFlowEngine, flowAlertEncoder } from '../../flows/engine';
import { flowLog } from '../../flows/engine/log-events';
import { loadConfigText } from '../../hub';
import { loadCatalog } from '../../schemas';
import { testEndpoints } from './stack';

/** The marker the parent waits for on stdout. */
const TRACKER_READY = 'TRACKER-READY';

interface TrackerProcessSettings {
  configFile: string;
  redisPrefix: string;
  sessionTimeoutMs?: number;
  logLevel?: string;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.CD_FLOW_TRACKER ?? '{}') as TrackerProcessSettings;
  const config = loadConfigText(fs.readFileSync(settings.configFile, 'utf8'), settings.configFile);
  const endpoints = testEndpoints();
  const logger = settings.logLevel ? createLogger({ level: settings.logLevel }) : silentLogger();
  const names = topics(config);
  // The flow engine through the tracker's hook, as hub/components.ts gives it: the tracker hands
  // it the accepted facts after the scorecard recorder, starts it after the feed, stops it first.
  const catalog = loadCatalog();
  const tracker = createFlowTracker({
    config,
    endpoints,
    logger,
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix: settings.redisPrefix,
    engine: (redis, redisPrefix) =>
      createFlowEngine({
        redis,
        redisPrefix,
        flows: () => config.flows,
        sites: () => config.siteById,
        log: flowLog(logger),
        alerts: {
          kafka: createKafka({
            clientId: 'flow-tracker-process-alerts',
            connection: endpoints.kafka,
            logger,
          }),
          topic: names.flowAlerts,
          encode: flowAlertEncoder(catalog, endpoints.registry),
          checkGroupPrefix: `${config.hub.topicPrefix}.flow-alerts-check-`,
        },
      }),
    ...(settings.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: settings.sessionTimeoutMs } : {}),
  });
  await tracker.start();
  process.stdout.write(`${TRACKER_READY}\n`);
  process.on('SIGTERM', () => {
    void tracker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`flow tracker process failed: ${String(err)}\n`);
  process.exit(1);
});
