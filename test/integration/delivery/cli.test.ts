import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { eventually, randomName, testKafka } from '../../helpers/stack';
import { header, holdEvent, produceHolds, readTopic, startReceiver, type Receiver } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');

/** `crossdock connector <id> --config <file>` as a user runs it; resolves with its health port. */
function runConnector(id: string, file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/crossdock.js'), 'connector', id, '--config', file, '--health-port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /"event":"health.listening","port":(\d+)/.exec(log);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`connector ${id} exited ${code}: ${log}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('crossdock connector <id> --config examples/hub.yaml', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let receiver: Receiver;
  const children: ChildProcess[] = [];
  let file: string;
  const prefix = randomName('cdcli');

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    receiver = await startReceiver(() => ({ status: 200 }));
    // The shipped example with its own topic prefix and central-erp pointed at our receiver.
    const text = fs
      .readFileSync(path.join(ROOT, 'examples/hub.yaml'), 'utf8')
      .replace(/topicPrefix: cd\b/, `topicPrefix: ${prefix}`)
      .replace('http://127.0.0.1:8701/erp/events', receiver.url)
      .replace(/^\$schema:.*$/m, '');
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cd-cli-')), 'hub.yaml');
    fs.writeFileSync(file, text);
  });

  afterAll(async () => {
    for (const c of children) await stop(c);
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('delivers to an HTTP subscriber and to the Kafka sink, serves /metrics, and stops cleanly on SIGTERM', async () => {
    const [erp, analytics] = await Promise.all([
      runConnector('central-erp', file),
      runConnector('analytics', file),
    ]);
    children.push(erp.child, analytics.child);
    const ready = async (port: number) =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    await eventually(
      async () => (await ready(erp.port)) && (await ready(analytics.port)),
      'both connectors ready',
      60_000,
    );
    // The connectors created their topics (standalone start on a fresh prefix).
    const events = Array.from({ length: 20 }, (_, i) => holdEvent(`CLI-${i}`, i));
    await produceHolds(producer, `${prefix}.deliver.central-erp`, events);
    await produceHolds(producer, `${prefix}.deliver.analytics`, events);
    await eventually(() => receiver.requests.length === 20, 'central-erp received 20 webhooks', 60_000);
    const out = await readTopic(
      kafka,
      `${prefix}.sink.analytics`,
      (m) => m.length >= 20,
      'analytics sink topic holds 20 events',
    );
    expect(new Set(out.map((m) => header(m, 'ce_id')))).toEqual(new Set(events.map((e) => e.eventId)));
    const metrics = await (await fetch(`http://127.0.0.1:${erp.port}/metrics`)).text();
    expect(metrics).toMatch(/crossdock_delivery_delivered_total\{subscriber="central-erp"\} 20/);
    expect(metrics).toMatch(/crossdock_delivery_breaker_state\{subscriber="central-erp"\} 0/);
    expect((await fetch(`http://127.0.0.1:${erp.port}/readyz`)).status).toBe(200);
    expect(await stop(erp.child)).toBe(0);
    expect(await stop(analytics.child)).toBe(0);
  });

  it('an unknown subscriber is a clear error with exit code 3', async () => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/crossdock.js'), 'connector', 'nobody', '--config', file],
      { cwd: ROOT },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(3);
    expect(err).toMatch(/^error CD_E_DELIVERY_UNKNOWN_SUBSCRIBER: .*no subscriber "nobody"/);
  });
});
