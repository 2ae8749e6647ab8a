import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import YAML from 'yaml';
import { signedHeaders } from '../../../connectors/sources/http/auth';
import { createRedis } from '../../../core/redis';
import { loadConfigText } from '../../../hub';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * HTTP ingest scaled out (issue #20 item 3, docs/scaling.md "Several hub processes"): two
 * `crossdock ingest` processes serve the same sites, and requests are spread over them round
 * robin, as a load balancer does. Everything ingest keeps is in Redis, so the two behave as one:
 * a signed request replayed to the other process is refused, an Idempotency-Key answered by one
 * is answered the same by the other with nothing published again, and a site's quota counts
 * what both accepted.
 */
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../../..');
const QUOTA = 30;
const prefix = randomName('ing').replace(/-/g, '');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-ingest-scale-'));
const configFile = path.join(dir, 'hub.yaml');
const KEY = { id: 'chi-scale-1', secret: 'scale-secret-chi' };
const topic = `${prefix}.ingress.us-chi`;
const sample = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
) as Record<string, unknown>;

interface Ingest {
  child: ChildProcess;
  port: number;
}
const processes: Ingest[] = [];
const got: KafkaMessage[] = [];

/** One `crossdock ingest` process on a free port; resolves with the port it logged. */
function startIngest(): Promise<Ingest> {
  const e = testEndpoints();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/crossdock.js'),
      'ingest',
      '--config',
      configFile,
      '--port',
      '0',
      '--health-port',
      '0',
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        CROSSDOCK_HOME: dir,
        CROSSDOCK_KAFKA_BROKERS: e.kafkaBrokers.join(','),
        CROSSDOCK_REGISTRY_URL: e.registryUrl,
        REDIS_URL: e.redisUrl,
        SCALE_KEY_CHI: KEY.secret,
        CROSSDOCK_KEY_US_NWK: 'nwk-secret',
        CROSSDOCK_KEY_MX_MTY: 'mty-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The hub's log lines (JSON, on stderr) say where it listens.
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`crossdock ingest did not listen in 60 s: ${err.slice(-4000)}`)),
      60_000,
    );
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => {
      const seen = err.includes('"sources.http_listening"');
      err = (err + d.toString()).slice(-20_000);
      const line = err.split('\n').find((l) => l.includes('"sources.http_listening"'));
      if (seen || !line || !line.endsWith('}')) return;
      clearTimeout(timer);
      const ingest = { child, port: (JSON.parse(line) as { port: number }).port };
      processes.push(ingest);
      resolve(ingest);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crossdock ingest exited ${code}: ${err.slice(-4000)}`));
    });
  });
}

/** A released order of its own number, as the Chicago ERP posts it. */
function order(n: number): Buffer {
  return Buffer.from(JSON.stringify({ ...sample, orderNumber: `CHI-SCALE-${n}` }));
}

async function post(
  to: Ingest,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: { code?: string; eventIds?: string[] }; replayed: boolean }> {
  const res = await fetch(`http://127.0.0.1:${to.port}/v1/sites/us-chi/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    status: res.status,
    body: (await res.json()) as { code?: string; eventIds?: string[] },
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

const signed = (body: Buffer, nowMs = Date.now()) => signedHeaders(KEY, body, nowMs);
const eventIdsOnTopic = () =>
  got.map((m) => m.headers?.ce_id?.toString() ?? '').filter((id) => id.length > 0);

describe('two `crossdock ingest` processes behind round-robin: one ingest, its state in Redis', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: randomName('g') });

  beforeAll(async () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples/hub.yaml'), 'utf8')) as {
      hub: { topicPrefix: string };
      sites: Array<{ id: string; connector: Record<string, unknown> }>;
    };
    doc.hub.topicPrefix = prefix;
    const chi = doc.sites.find((s) => s.id === 'us-chi')!;
    chi.connector.keys = [{ id: KEY.id, secretEnv: 'SCALE_KEY_CHI' }];
    chi.connector.quota = { events: QUOTA, windowSeconds: 600 };
    const text = YAML.stringify(doc);
    fs.writeFileSync(configFile, text);
    const config = loadConfigText(text, configFile);
    await admin.connect();
    await createTopics(
      admin,
      config.sites.map((s) => `${prefix}.ingress.${s.id}`),
    );
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    await eventually(() => joined, 'the consumer to join');
    await Promise.all([startIngest(), startIngest()]);
  });

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    const redis = createRedis({ url: testEndpoints().redisUrl });
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves on two ports; distinct orders spread over both are each published once', async () => {
    const [a, b] = processes;
    expect(a!.port).not.toBe(b!.port);
    const answers = [];
    for (let n = 0; n < 20; n++) {
      const body = order(n);
      answers.push(await post(processes[n % 2]!, body, signed(body)));
    }
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = answers.flatMap((r) => r.body.eventIds ?? []);
    expect(new Set(ids).size).toBe(20);
    await eventually(() => eventIdsOnTopic().length >= 20, '20 events on the ingress topic');
    expect(new Set(eventIdsOnTopic())).toEqual(new Set(ids));
  });

  it('refuses at one process a signed request the other already took', async () => {
    const [a, b] = processes;
    const body = order(100);
    const headers = signed(body);
    const first = await post(a!, body, headers);
    expect(first.status).toBe(202);
    const again = await post(b!, body, headers);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('CD_E_AUTH_REPLAYED');
  });

  it('answers an Idempotency-Key at the other process as the first did, publishing nothing again', async () => {
    const [a, b] = processes;
    const body = order(200);
    const key = `${prefix}-idem-1`;
    const first = await post(a!, body, { ...signed(body), 'idempotency-key': key });
    expect(first.status).toBe(202);
    // The client's retry goes to the other process, signed anew (a second later: a new signature).
    const retry = await post(b!, body, { ...signed(body, Date.now() + 1000), 'idempotency-key': key });
    expect(retry.status).toBe(202);
    expect(retry.replayed).toBe(true);
    expect(retry.body.eventIds).toEqual(first.body.eventIds);
  });

  it("counts the site's quota over both processes: exactly the quota is accepted in all", async () => {
    // So far: 20 + 1 + 1 events taken from the quota (the refused replay and the Idempotency-Key
    // answer took none).
    const statuses: number[] = [];
    const codes: string[] = [];
    for (let n = 300; n < 300 + QUOTA; n++) {
      const body = order(n);
      const r = await post(processes[n % 2]!, body, signed(body));
      statuses.push(r.status);
      if (r.status !== 202) codes.push(r.body.code ?? '');
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(QUOTA - 22);
    expect(statuses.filter((s) => s === 429)).toHaveLength(22);
    expect(new Set(codes)).toEqual(new Set(['CD_E_QUOTA_EXCEEDED']));
    // On the topic: every accepted event once, nothing else.
    await eventually(() => eventIdsOnTopic().length >= QUOTA, `${QUOTA} events on the ingress topic`);
    await new Promise((r) => setTimeout(r, 500));
    expect(eventIdsOnTopic()).toHaveLength(QUOTA);
    expect(new Set(eventIdsOnTopic()).size).toBe(QUOTA);
  });
});
