import { parseArgs } from 'node:util';
import { FAULT_KINDS, parseFaultKinds, type FaultKind } from './schedule';

/** Options of `npm run chaos -- ...` (bench/chaos/run.ts). */
export interface ChaosOptions {
  minutes: number;
  seed?: number;
  /** New events per second across all sites. */
  rate: number;
  concurrency: number;
  faults: FaultKind[];
  /** Quiet time between two faults, seconds (drawn uniformly). */
  gapSeconds: [number, number];
  /** How long the quiesce phase waits for delivery to settle, minutes. */
  settleMinutes: number;
  kafkaHeap: string;
  json: boolean;
  keep: boolean;
  help: boolean;
}

export const HELP = `Usage: npm run chaos -- [options]

A fault soak of crossdock on a stack of its own: starts Kafka, the registry and an AOF Redis in a
temporary CROSSDOCK_HOME on free ports, runs the hub as separate processes (crossdock start,
router, one connector per subscriber) from a generated configuration, sends signed events from
three HTTP sites, injects faults at random, then restores everything, waits for delivery to settle
and counts from the outside, by eventId, what every subscriber received. See docs/reliability.md.

Options:
  --minutes <n>          length of the fault phase (default 10)
  --seed <n>             seed of the fault plan and the load (default: random, printed)
  --rate <n>             new events per second, all sites together (default 15)
  --concurrency <n>      requests in flight at once (default 8)
  --faults <list>        fault kinds, comma-separated, or all (default all):
                         ${FAULT_KINDS.join(', ')}
  --gap <a-b>            quiet seconds between two faults, drawn in [a, b] (default 5-20)
  --settle-minutes <n>   how long to wait for delivery to settle afterwards (default 5)
  --kafka-heap <opts>    JVM heap of the soak's broker (default "-Xms256m -Xmx768m")
  --keep                 keep the temporary home (data and logs) afterwards
  --json                 print the final summary as JSON on stdout
  --help                 this text

Progress lines go to stderr. Exit code: 0 nothing lost and no duplicated effect, 1 something was
lost or duplicated (or a process did not come back), 2 usage, 3 the soak could not run.`;

export class UsageError extends Error {}

function positive(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'} (got "${raw}")`);
  return n;
}

export function parseChaosArgs(argv: string[]): ChaosOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
        faults: { type: 'string' },
        gap: { type: 'string' },
        'settle-minutes': { type: 'string' },
        'kafka-heap': { type: 'string' },
        keep: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const str = (k: string) => values[k] as string | undefined;
  let seed: number | undefined;
  if (str('seed') !== undefined) {
    seed = Number(str('seed'));
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer`);
  }
  let gapSeconds: [number, number] = [5, 20];
  if (str('gap') !== undefined) {
    const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(str('gap')!);
    if (!m || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--gap must look like 5-20 (seconds, low-high), got "${str('gap')}"`);
    gapSeconds = [Number(m[1]), Number(m[2])];
  }
  let faults: FaultKind[];
  try {
    faults = parseFaultKinds(str('faults') ?? 'all');
  } catch (err) {
    throw new UsageError(`--faults: ${(err as Error).message}`);
  }
  return {
    minutes: positive('minutes', str('minutes'), 10),
    ...(seed !== undefined ? { seed } : {}),
    rate: positive('rate', str('rate'), 15),
    concurrency: positive('concurrency', str('concurrency'), 8, true),
    faults,
    gapSeconds,
    settleMinutes: positive('settle-minutes', str('settle-minutes'), 5),
    kafkaHeap: str('kafka-heap') ?? '-Xms256m -Xmx768m',
    json: Boolean(values.json),
    keep: Boolean(values.keep),
    help: Boolean(values.help),
  };
}
