/**
 * Benchmark D's receiver, in its own process so it does not share an event loop with either arm.
 * Answers 200 to every POST, counts requests and distinct Idempotency-Keys, and records latency
 * from the scheduled send time (header x-bench-sched, else the JSON body's metadata.occurredAt)
 * to receipt, in microseconds, in an HDR histogram. GET /stats reads, POST /reset clears.
 * Prints its port on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as hdr from 'hdr-histogram-js';

let count = 0;
let keys = new Set<string>();
let first = 0;
let last = 0;
let hist = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 120_000_000,
  numberOfSignificantValueDigits: 3,
});
let outOfOrder = 0;
let lastSeqByKey = new Map<string, number>();

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    const pct = (p: number) => hist.getValueAtPercentile(p) / 1000;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        count,
        distinct: keys.size,
        outOfOrder,
        first,
        last,
        latencyMs: {
          p50: pct(50),
          p99: pct(99),
          p999: pct(99.9),
          max: hist.maxValue / 1000,
          n: hist.totalCount,
        },
      }),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/reset') {
    count = 0;
    keys = new Set();
    first = last = 0;
    outOfOrder = 0;
    lastSeqByKey = new Map();
    hist = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120_000_000,
      numberOfSignificantValueDigits: 3,
    });
    res.writeHead(204).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = performance.timeOrigin + performance.now();
    count++;
    if (!first) first = now;
    last = now;
    keys.add(String(req.headers['idempotency-key']));
    let sched = Number(req.headers['x-bench-sched'] ?? NaN);
    const subject = req.headers['ce-subject'];
    if (Number.isNaN(sched) || subject) {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          metadata?: { occurredAt?: string };
          holdId?: string;
          orderId?: string;
        };
        if (Number.isNaN(sched) && body.metadata?.occurredAt) sched = Date.parse(body.metadata.occurredAt);
        // Per-key order check: holdId carries the per-key sequence.
        const seq = Number(String(body.holdId ?? '').split('-')[1]);
        const key = String(body.orderId);
        const prev = lastSeqByKey.get(key);
        if (prev !== undefined && seq < prev) outOfOrder++;
        lastSeqByKey.set(key, seq);
      } catch {
        // not JSON: no stamp
      }
    }
    if (!Number.isNaN(sched) && sched > 0) hist.recordValue(Math.max(1, Math.round((now - sched) * 1000)));
    res.writeHead(200).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
