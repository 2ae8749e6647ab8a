import { parseArgs } from 'node:util';

/** Options of `npm run bench:flows -- …` (bench/flows/run.ts). */
export interface FlowBenchOptions {
  /** Event slots generated (the first 2 × trail × 3 hold no later step: see workload.ts). */
  events: number;
  warmup: number;
  reps: number;
  trail: number;
  /** Instances opened by the memory phase (0: skip it). */
  instances: number;
  quick: boolean;
  json: boolean;
  write: boolean;
  help: boolean;
}

export const FLOW_BENCH_HELP = `Usage: npm run bench:flows -- [options]

The flow tracker against the router at its maximum rate (docs/benchmarks.md, "Flow tracker"):
per rep, R (the router alone), RT (the router with the flow tracker running, the
configuration's four flows) and T (the tracker alone, once the router has decided every record),
each on fresh topics preloaded with an order-to-cash workload (release, shipment, invoice per
order, sharing the order id and correlation id). The tracker's lag is read from the committed
offsets every second; the default run is long enough (about a minute of routing) for the second
half of the router's window to say whether the lag holds or grows. Then the Redis memory per open
flow instance and per scorecard site hour. About 15 minutes. Run it alone:
  flock /tmp/crossdock-bench.lock flock /tmp/crossdock-it.lock npm run bench:flows

Options:
  --events <n>     event slots per run (default 450000; --quick 30000)
  --warmup <n>     records left out of the rates at the start (default 30000; --quick 3000)
  --reps <n>       R/RT pairs (default 2; --quick 1)
  --trail <n>      orders a shipment trails its release by (default 1000)
  --instances <n>  flow instances the memory phase opens (default 10000; --quick 2000; 0 skips it)
  --quick          the reduced sizes above
  --no-write       print only: no results file, docs untouched
  --json           print the run's document as JSON on stdout (instead of the text summary)
  --help           this text

Progress goes to stderr. Exit code: 0 every run valid, 1 a run failed or a check did not hold,
2 usage error.`;

export class FlowBenchUsageError extends Error {}

export function parseFlowBenchArgs(argv: string[]): FlowBenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        warmup: { type: 'string' },
        reps: { type: 'string' },
        trail: { type: 'string' },
        instances: { type: 'string' },
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new FlowBenchUsageError(err instanceof Error ? err.message : String(err));
  }
  const quick = Boolean(values.quick);
  const int = (name: string, fallback: number, min: number): number => {
    const v = values[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new FlowBenchUsageError(`--${name}: an integer ≥ ${min}, not "${String(v)}"`);
    return n;
  };
  const events = int('events', quick ? 30_000 : 450_000, 300);
  const warmup = int('warmup', quick ? 3000 : 30_000, 0);
  if (warmup >= events) throw new FlowBenchUsageError('--warmup must be below --events');
  return {
    events,
    warmup,
    reps: int('reps', quick ? 1 : 2, 1),
    trail: int('trail', 1000, 0),
    instances: int('instances', quick ? 2000 : 10_000, 0),
    quick,
    json: Boolean(values.json),
    write: !values['no-write'],
    help: Boolean(values.help),
  };
}
