import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG } from '../defaults';
import { EXIT } from '../output';

/** Defaults of `crossdock demo` (docs/demo.md): a load two shared cores carry comfortably. */
export const DEMO_DEFAULTS = Object.freeze({ rate: 20, settle: 30, csvEvery: 5 });

function positive(what: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(
        `${what} must be a positive ${integer ? 'whole ' : ''}number, got "${v}"`,
      );
    return n;
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`a port is 0-65535 (0: any free port), got "${v}"`);
  return n;
}

interface DemoCliOptions {
  config: string;
  duration?: number;
  rate: number;
  seed?: number;
  freePorts?: boolean;
  healthPort?: number;
  adminPort?: number;
  ingestPort?: number;
  keep?: boolean;
  keepRunning?: boolean;
  settle: number;
  csvEvery: number;
  json?: boolean;
}

/**
 * `crossdock demo` (`npm start`): the stack, the whole hub from examples/hub.yaml on a topic prefix
 * of the run's own, simulated sites and stand-in receivers, a live view, then a summary whose
 * reconciliation decides the exit code (0 holds, 1 does not). demo/run.ts does the work.
 */
export function demoCommand(setExit: (code: number) => void): Command {
  return new Command('demo')
    .description(
      "show the whole hub doing a distributor's work: simulated sites (CSV, signed HTTP, SDK), local receivers, a live view and a reconciled summary",
    )
    .option('--config <file>', 'hub configuration the run is made from', DEFAULT_CONFIG)
    .option(
      '--duration <seconds>',
      'stop the business after this long (default: at Ctrl-C)',
      positive('--duration', true),
    )
    .option(
      '--rate <events/s>',
      'events per second, all sites together',
      positive('--rate', false),
      DEMO_DEFAULTS.rate,
    )
    .option(
      '--seed <n>',
      'seed of the business (the same seed makes the same business; default: random, printed)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new InvalidArgumentError(`--seed must be a whole number ≥ 0, got "${v}"`);
        return n;
      },
    )
    .option(
      '--free-ports',
      'listen on free ports (health, admin, ingest, receivers) and point the subscribers at them',
    )
    .option(
      '--health-port <port>',
      'port of /healthz, /readyz, /status, /metrics (default: hub.health.port)',
      port,
    )
    .option('--admin-port <port>', 'port of the admin API (default: hub.admin.port)', port)
    .option('--ingest-port <port>', 'port of HTTP ingest (default: CROSSDOCK_INGEST_PORT or 8080)', port)
    .option('--keep', "keep the run's topics, Redis keys and drop folders (default: removed at the end)")
    .option(
      '--keep-running',
      'after the summary, keep the hub up until Ctrl-C (try `crossdock dlq groups`, `events trace`)',
    )
    .option(
      '--settle <seconds>',
      'at most this long to let deliveries settle after the sites stop',
      positive('--settle', true),
      DEMO_DEFAULTS.settle,
    )
    .option(
      '--csv-every <seconds>',
      'seconds between the CSV sites\u2019 exports',
      positive('--csv-every', false),
      DEMO_DEFAULTS.csvEvery,
    )
    .option('--json', 'print the summary as JSON (no live view; progress lines on stderr)')
    .action(async (opts: DemoCliOptions) => {
      const { runDemo } = require('../../demo') as typeof import('../../demo');
      const { summary } = await runDemo({
        configFile: opts.config,
        durationS: opts.duration,
        rate: opts.rate,
        seed: opts.seed,
        freePorts: Boolean(opts.freePorts),
        healthPort: opts.healthPort,
        adminPort: opts.adminPort,
        ingestPort: opts.ingestPort,
        keep: Boolean(opts.keep),
        keepRunning: Boolean(opts.keepRunning),
        settleS: opts.settle,
        csvEveryS: opts.csvEvery,
        json: Boolean(opts.json),
        out: process.stdout,
        err: process.stderr,
      });
      setExit(summary.reconciliation.holds ? EXIT.OK : EXIT.PROBLEMS);
    });
}
