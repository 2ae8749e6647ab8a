import { parseArgs } from 'node:util';

/** Options of the end-to-end arm (`npm run bench:e2e -- …`, and `npm run bench` passes --quick). */
export interface E2EOptions {
  quick: boolean;
  /** Seconds per open-loop rate. */
  seconds: number;
  /** Seconds of the closed loop that measures the maximum. */
  maxSeconds: number;
  warmupSeconds: number;
  /** Open-loop rates (events/s); half the measured maximum is added. */
  rates: number[];
  /** Events in flight in the closed loop. */
  window: number;
  connections: number;
  /** HTTP connections of the closed loop (requests in flight at the ingest). */
  closedConnections: number;
  partitions: number;
  json: boolean;
  out?: string;
  help: boolean;
}

export const E2E_HELP = `Usage: npm run bench:e2e -- [options]

End-to-end benchmark on the shared stack (docs/benchmarks.md, "End to end"): signed HTTP ingest →
Kafka → router → HTTP sink → a webhook receiver, through one \`crossdock start\` with a topic and
Redis prefix of its own (removed afterwards). Measures the maximum first (closed loop), then runs
an open loop at fixed rates and at half that maximum; latency from each event's scheduled send
time to its arrival, p50/p99/p99.9, a breakdown of where the time goes, and an exactly-once count.

Options:
  --quick              short phases (${'`npm run bench -- --quick`'})
  --seconds <n>        seconds per open-loop rate (default 30; quick 8)
  --max-seconds <n>    seconds of the closed loop (default 20; quick 8)
  --rates <list>       open-loop rates, comma-separated (default 100,500,1000)
  --window <n>         events in flight in the closed loop (default 2000: enough to keep
                       the hub saturated while each takes seconds)
  --closed-connections <n>  HTTP connections of the closed loop (default 128)
  --json               print the result as JSON on stdout
  --out <file>         also write the result (JSON) to this file
  --help               this text

Progress goes to stderr. Exit code: 0 valid run, 1 something was lost, doubled or refused,
2 usage error, 3 the run could not be made.`;

export class E2EUsageError extends Error {}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new E2EUsageError(`--${name} must be a positive number (got "${raw}")`);
  return n;
}

export function parseE2EArgs(argv: string[]): E2EOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        seconds: { type: 'string' },
        'max-seconds': { type: 'string' },
        rates: { type: 'string' },
        window: { type: 'string' },
        'closed-connections': { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new E2EUsageError(err instanceof Error ? err.message : String(err));
  }
  const str = (k: string) => values[k] as string | undefined;
  const quick = Boolean(values.quick);
  const rates = (str('rates') ?? '100,500,1000').split(',').map((r) => positive('rates', r.trim(), 0));
  return {
    quick,
    seconds: positive('seconds', str('seconds'), quick ? 8 : 30),
    maxSeconds: positive('max-seconds', str('max-seconds'), quick ? 8 : 20),
    warmupSeconds: quick ? 3 : 5,
    rates,
    window: Math.round(positive('window', str('window'), 2000)),
    connections: 256,
    closedConnections: Math.round(positive('closed-connections', str('closed-connections'), 128)),
    partitions: 3,
    json: Boolean(values.json),
    ...(str('out') !== undefined ? { out: str('out') } : {}),
    help: Boolean(values.help),
  };
}
