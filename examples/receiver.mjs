#!/usr/bin/env node
// A stand-in for a downstream system in local walkthroughs (docs/operations.md): listens on one
// port, answers every POST with the status you choose, and prints one line per request (the
// event's ce-id and ce-type, and how many distinct events it has accepted).
//
//   node examples/receiver.mjs --port 8701 [--status 200] [--json]
//
// --status 422 plays a system that refuses the events (they become dead letters); run it again
// with --status 200 to play the fix. Ctrl-C stops it.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write('usage: node examples/receiver.mjs --port <port> [--status <http status>] [--json]\n');
  process.exit(0);
}
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const port = Number(opt('--port', '8701'));
const status = Number(opt('--status', '200'));
const json = args.includes('--json');
if (
  !Number.isInteger(port) ||
  port < 1 ||
  port > 65535 ||
  !Number.isInteger(status) ||
  status < 200 ||
  status > 599
) {
  process.stderr.write('error: --port must be 1-65535 and --status an HTTP status (200-599)\n');
  process.exit(2);
}
const accepted = new Set();
let requests = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests++;
    const id = req.headers['ce-id'] ?? req.headers['idempotency-key'] ?? '-';
    if (status < 300) accepted.add(id);
    const line = {
      status,
      id,
      type: req.headers['ce-type'] ?? '-',
      bytes: Buffer.concat(chunks).length,
      requests,
      accepted: accepted.size,
    };
    process.stdout.write(
      json
        ? `${JSON.stringify(line)}\n`
        : `${status} ${line.type} ${id} (requests ${requests}, accepted ${accepted.size})\n`,
    );
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      status < 300
        ? '{"ok":true}'
        : JSON.stringify({ error: `this receiver answers ${status} (examples/receiver.mjs --status)` }),
    );
  });
});
server.listen(port, '127.0.0.1', () =>
  process.stderr.write(`receiver on http://127.0.0.1:${port} answering ${status}; Ctrl-C stops it\n`),
);
process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
