import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import { loadConfigText } from '../../../hub';
import { startReceiver, type Receiver } from '../delivery/helpers';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type WireEvent } from '../router/events';
import { createConfigTopics, TEST_SITES } from '../router/harness';

/**
 * Scale-out by running more processes (issue #20 item 3, docs/scaling.md "Several hub
 * processes"): three `crossdock router` and three `crossdock connector erp` processes of one hub
 * against six partitions, as a deployment runs them; mid-stream one router and one connector are
 * killed -9, later one of each is added (the router with the killed one's instance id, as a
 * supervisor restarts it, which fences its open transaction). Every event reaches the HTTP
 * subscriber exactly once in effect (each eventId answered 2xx at least once; a repeat carries
 * the same Idempotency-Key), and per business key the events first arrive in the order the site
 * sent them (`ordering: key`).
 */
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../../..');
const KEYS = 60;
const EVENTS = 2400;
const prefix = randomName('so').replace(/-/g, '');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-scale-out-'));
const configFile = path.join(dir, 'hub.yaml');
const children: ChildProcess[] = [];
let kafka: Kafka;
let producer: Producer;
let receiver: Receiver;
const events: WireEvent[] = [];
/** Per eventId: its business key and its place among that key's events. */
const sequence = new Map<string, { key: string; n: number }>();

function yaml(url: string): string {
  return stringify({
    hub: {
      topicPrefix: prefix,
      topics: { partitions: 6, replicationFactor: 1 },
      router: { groupId: `${prefix}-router`, maxWaitTimeInMs: 50, retry: { initialMs: 100, maxMs: 1000 } },
    },
    sites: TEST_SITES,
    subscribers: [
      {
        id: 'erp',
        sink: { kind: 'http', url, timeoutMs: 5000 },
        delivery: {
          ordering: { mode: 'key' },
          retry: { maxAttempts: 20, initialDelayMs: 100, maxDelayMs: 1000 },
        },
      },
    ],
    routes: [{ name: 'all', match: {}, to: ['erp'] }],
  });
}

/** A hub process as a deployment runs it: `crossdock router` or `crossdock connector erp`. */
function start(role: 'router' | 'connector', instance?: string): ChildProcess {
  const e = testEndpoints();
  const args = role === 'router' ? ['router'] : ['connector', 'erp'];
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/crossdock.js'), ...args, '--config', configFile, '--health-port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        CROSSDOCK_KAFKA_BROKERS: e.kafkaBrokers.join(','),
        CROSSDOCK_REGISTRY_URL: e.registryUrl,
        REDIS_URL: e.redisUrl,
        ...(instance ? { CROSSDOCK_ROUTER_INSTANCE: instance } : {}),
        CROSSDOCK_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (code) process.stderr.write(`${role} ${instance ?? ''} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Each eventId answered 2xx, by the order of its first 2xx. */
function firstDeliveries(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of receiver.requests)
    if (!seen.has(r.key)) {
      seen.add(r.key);
      out.push(r.key);
    }
  return out;
}

beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200 }));
  const text = yaml(receiver.url);
  const config = loadConfigText(text);
  fs.writeFileSync(configFile, text);
  kafka = testKafka();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await createConfigTopics(kafka, config);
  const count = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const site = TEST_SITES[i % TEST_SITES.length]!.id;
    // A key's events all come from one site (one ingress topic): its order is that topic's.
    const key = `ord-${site}-${i % KEYS}`;
    const w = await wireEvent(testEndpoints().registryUrl, {
      eventType: 'OrderReleased',
      siteId: site,
      seed: i,
      patch: (e) => (e.orderId = key),
    });
    const n = count.get(w.key) ?? 0;
    count.set(w.key, n + 1);
    sequence.set(w.event.metadata.eventId as string, { key: w.key, n });
    events.push(w);
  }
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await producer?.disconnect();
  await receiver?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('three routers and three connectors: one of each killed -9 mid-stream, then one added; exactly once in effect, per-key order kept', async () => {
  const instance = (i: number) => `${prefix}-router-${i}`;
  const routers = [1, 2, 3].map((i) => start('router', instance(i)));
  const connectors = [1, 2, 3].map(() => start('connector'));
  const delivered = () => new Set(receiver.requests.map((r) => r.key)).size;
  let killed = false;
  let added = false;
  for (let i = 0; i < events.length; i += 100) {
    const part = events.slice(i, i + 100);
    const bySite = new Map<string, WireEvent[]>();
    for (const e of part) {
      const s = e.event.metadata.siteId as string;
      bySite.set(s, [...(bySite.get(s) ?? []), e]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...bySite].map(([site, list]) => ({
        topic: `${prefix}.ingress.${site}`,
        messages: list.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
      })),
    });
    const sent = i + part.length;
    if (!killed && sent >= 800) {
      // Busy: some, not all, of what was sent has arrived.
      await eventually(() => delivered() >= 300, 'the first 300 events delivered', 120_000);
      killed = true;
      await kill9(routers[0]!);
      await kill9(connectors[0]!);
    }
    if (!added && sent >= 1600) {
      await eventually(() => delivered() >= 900, '900 events delivered after the kills', 120_000);
      added = true;
      start('router', instance(1));
      start('connector');
    }
  }
  await eventually(() => delivered() >= EVENTS, `${EVENTS} events delivered`, 180_000);

  const first = firstDeliveries();
  expect(first).toHaveLength(EVENTS);
  expect(first.filter((id) => !sequence.has(id))).toEqual([]);
  // Per business key, the first arrivals follow the site's order.
  const last = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const id of first) {
    const { key, n } = sequence.get(id)!;
    if ((last.get(key) ?? -1) > n) outOfOrder.push(`${key}#${n}`);
    last.set(key, n);
  }
  expect(outOfOrder).toEqual([]);
  // Every request carried an eventId of the stream as its Idempotency-Key (repeats: same key).
  expect(receiver.requests.every((r) => sequence.has(r.key))).toBe(true);
  process.stderr.write(
    `scale-out: ${EVENTS} events, ${receiver.requests.length} requests (${receiver.requests.length - EVENTS} repeats with the same key)\n`,
  );
});
