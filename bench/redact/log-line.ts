/**
 * What redaction (core/redact.ts) costs a log line: the hub's logger (core/logger.ts) writing to a
 * stream that drops the bytes, with its redactor (the process's secrets: a dozen, as a hub with a
 * few sites and webhook subscribers knows) against the same logger with none, in the same run.
 * Each repetition times both arms (alternating which goes first) over the same lines; a ratio is
 * the redacting arm's time over the baseline's of that repetition. Two lines: a delivery line
 * with no secret in it (almost every line) and an error line that holds a secret and a URL with a
 * password (both replaced).
 *
 *   npx tsx bench/redact/log-line.ts [--reps N] [--lines N] [--json]      (npm run bench:redact)
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../core/logger';
import { createRedactor } from '../../core/redact';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const REPS = arg('--reps', 15);
const LINES = arg('--lines', 20000);

const SECRETS = [
  'whsec_MfKQ9r4xfiUw8wQmZmPp3uWcR8yq1h3C',
  'whsec_0x9ZQk2f5LXa2kqv3m7V1rPZbY8s6n4d',
  'cdadm_Zq2Xw9vB3nM8kL5jH7gF4dS1aP6oI0uY',
  'site-key-us-chi-7f3a9c1e5b2d8f4a6c0e',
  'site-key-us-nwk-1b9d7f5a3c1e9b7d5f3a',
  'site-key-mx-mty-8e6c4a2f0d8b6e4c2a0f',
  'kafka-hub-password-4d2f8b6a0c9e7d5b',
  'registry-password-6a4c2e0f8d6b4a2c',
  'redis-password-2c0e8a6f4d2b0a8e',
  'metrics-token-9f7d5b3a1c9e7f5d',
  'partner-api-key-5e3c1a9f7d5b3e1c',
  'whsec_a8Kx2Nq7Rt4Vm1Zp6Lw3Hs9Gd5Fb0Yc',
];

const delivery = {
  event: 'delivery.delivered',
  subscriber: 'finance',
  eventId: '01JEXAMPLE7Q4VZ9K2M3N5P6R8',
  eventType: 'OrderReleased',
  partition: 3,
  offset: '1843221',
  attempt: 1,
  status: 200,
  ms: 12.4,
};
const failure = {
  event: 'hub.redis_unreachable',
  redisUrl: 'redis://hub:redis-password-2c0e8a6f4d2b0a8e@10.0.0.5:6379/0',
  err: new Error('AUTH failed for site-key-us-chi-7f3a9c1e5b2d8f4a6c0e'),
};

function sink(): Writable {
  return new Writable({ write: (_c, _e, done) => done() });
}

function time(log: ReturnType<typeof createLogger>, fields: object, msg: string): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) log.info(fields, msg);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function main(): void {
  const redactor = createRedactor(SECRETS);
  const plain = createLogger({ destination: sink(), redactor: (s) => s });
  const redacted = createLogger({ destination: sink(), redactor });
  const results = [
    { line: 'delivery line, no secret in it', fields: delivery, msg: 'delivered' },
    { line: 'error line with a secret and a URL password', fields: failure, msg: 'Redis refused' },
  ].map(({ line, fields, msg }) => {
    // Warm-up: both arms, untimed.
    time(plain, fields, msg);
    time(redacted, fields, msg);
    const ratios: number[] = [];
    const base: number[] = [];
    const with_: number[] = [];
    for (let r = 0; r < REPS; r++) {
      // Alternate which arm goes first.
      const first = r % 2 ? time(redacted, fields, msg) : time(plain, fields, msg);
      const second = r % 2 ? time(plain, fields, msg) : time(redacted, fields, msg);
      const [b, w] = r % 2 ? [second, first] : [first, second];
      base.push(b);
      with_.push(w);
      ratios.push(w / b);
    }
    return {
      line,
      baselineUsPerLine: round((median(base) * 1000) / LINES, 2),
      redactedUsPerLine: round((median(with_) * 1000) / LINES, 2),
      ratio: {
        median: round(median(ratios)),
        min: round(Math.min(...ratios)),
        max: round(Math.max(...ratios)),
      },
    };
  });
  const run = { reps: REPS, lines: LINES, secrets: redactor.size, node: process.version, results };
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else
    for (const r of results)
      process.stdout.write(
        `${r.line}: ${r.baselineUsPerLine} µs → ${r.redactedUsPerLine} µs per line; ratio ${r.ratio.median} (${r.ratio.min}–${r.ratio.max}, ${REPS} pairs of ${LINES} lines)\n`,
      );
}

main();
