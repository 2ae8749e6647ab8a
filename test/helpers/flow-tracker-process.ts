/**
 * The flow tracker in a process of its own, as `crossdock start` builds it (flows/component.ts
 * createFlowTracker with hubFlowEngine: the feed, the scorecard recorder, the flow engine and its
 * deadline scanner), so a test can kill it with SIGKILL for real
 * (test/integration/flows/tracker-restart.test.ts). hub/components.ts's wiring, plus what a test
 * needs and the hub's context does not carry: its own Redis prefix and a short session timeout.
 *
 * Run with `node -r tsx/cjs test/helpers/flow-tracker-process.ts`. Configured by the environment:
 * CD_FLOW_TRACKER = JSON { configFile, redisPrefix, sessionTimeoutMs?, graceMs?, logLevel? } — the hub
 * configuration file (YAML, with its `flows:`) the test wrote, the Redis prefix the test reads.
 * The endpoints are the test's (CROSSDOCK_TEST_ENDPOINTS, inherited). Writes `TRACKER-READY` on
 * stdout once the tracker started; its log (pino JSON, `logLevel`, default silent) goes to stderr.
 * SIGTERM stops it cleanly (exit 0).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import { createHealthServer } from '../../core/health';
import { createLogger, silentLogger } from '../../core/logger';
import { createFlowTracker, hubFlowEngine } from '../../flows/component';
import { loadConfigText } from '../../hub';
import { testEndpoints } from './stack';

/** The marker the parent waits for on stdout. */
const TRACKER_READY = 'TRACKER-READY';

interface TrackerProcessSettings {
  configFile: string;
  redisPrefix: string;
  sessionTimeoutMs?: number;
  /** The engine's grace before a claimed alert is looked for on the topic (default: the engine's). */
  graceMs?: number;
  logLevel?: string;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.CD_FLOW_TRACKER ?? '{}') as TrackerProcessSettings;
  const config = loadConfigText(fs.readFileSync(settings.configFile, 'utf8'), settings.configFile);
  const endpoints = testEndpoints();
  const logger = settings.logLevel ? createLogger({ level: settings.logLevel }) : silentLogger();
  // The flow engine as hub/components.ts gives it (flows hubFlowEngine): the tracker hands it the
  // accepted facts after the scorecard recorder, starts it after the feed, stops it first.
  const tracker = createFlowTracker({
    config,
    endpoints,
    logger,
    health: createHealthServer(undefined, { defaultMetrics: false }),
    redisPrefix: settings.redisPrefix,
    engine: hubFlowEngine({
      config,
      endpoints,
      logger,
      ...(settings.graceMs !== undefined ? { graceMs: settings.graceMs } : {}),
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
